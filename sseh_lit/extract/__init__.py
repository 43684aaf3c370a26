"""Evidence extraction: per-patient fields, each with the sentence that supports it.

Public API: :func:`extract_record`, :func:`extract_records` and :data:`EXTRACTOR_VERSION`
(see :mod:`sseh_lit.extract.core`).
"""

from .core import EXTRACTOR_VERSION, extract_record, extract_records

__all__ = ["EXTRACTOR_VERSION", "extract_record", "extract_records"]
