"""File mode: annotate a JSONL of records without a database.

Each input line is ``{pmid, title, abstract, journal, year, publication_types}``; each output
line is ``{pmid, screening: {include, reason}, patients: [{field: value, ...}], evidence: [...]}``
with the gold schema's field names (null when unknown). Patients are extracted for every record,
whatever screening says, through the same :func:`sseh_lit.extract.extract_records` as the DB
path. ``evidence`` (one ``{field: sentence}`` per patient) is extra, for the error listing of
``sseh-lit evaluate``. Bad lines (invalid JSON, not an object, no pmid) are reported and skipped;
they never end the run.
"""

from __future__ import annotations

import gc
import importlib
import json
import logging
import re
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from itertools import islice
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from types import ModuleType
from typing import IO, Any

from .errors import ValidationError
from .extract.core import extract_records, plain_patient
from .extract.model import RecordResult

log = logging.getLogger(__name__)

#: Keys an input line may carry (everything else is ignored, as in the held-out evaluation).
INPUT_KEYS = ("pmid", "title", "abstract", "journal", "year", "publication_types")


@dataclass
class AnnotateSummary:
    """What one ``annotate`` run did."""

    read: int = 0
    written: int = 0
    skipped: list[str] = field(default_factory=list)  # "line N: why"


def _fallback_screen(record: Mapping[str, Any]) -> tuple[bool, str]:
    """A simple rule used only when the screening module is not installed."""
    text = f"{record.get('title') or ''} {record.get('abstract') or ''}".lower()
    if not re.search(r"epidural|extradural", text):
        return False, "not_epidural"
    if re.search(r"\b(?:trauma(?:tic)?|fracture|injury)\b", record.get("title") or "", re.I):
        return False, "traumatic"
    if re.search(r"lumbar puncture|epidural (?:anaesthesia|anesthesia|catheter)", text):
        return False, "iatrogenic"
    return True, "sseh_case"


@cache
def _screening() -> ModuleType | None:
    """The :mod:`sseh_lit.screen` module, or ``None`` when it is not installed (imported once
    per process: a relative import inside a function costs microseconds on every call)."""
    try:
        return importlib.import_module(".screen", __package__)
    except ImportError:
        return None


def screen(record: Mapping[str, Any]) -> dict[str, Any]:
    """``{include, reason}`` from :func:`sseh_lit.screen.screen_reason` (the rules' decision
    without the flags and notes only the database keeps), or the fallback rule."""
    module = _screening()
    if module is None:
        include, reason = _fallback_screen(record)
        return {"include": include, "reason": reason}
    try:
        include, reason = module.screen_reason(record)
    except Exception:  # a screening bug must not lose the record's patients
        log.exception("screening failed for %s; using the fallback rule", record.get("pmid"))
        include, reason = _fallback_screen(record)
    return {"include": bool(include), "reason": reason}


def clean_record(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The allowed input keys of a line, with the pmid as text."""
    rec = {k: obj.get(k) for k in INPUT_KEYS}
    rec["pmid"] = str(rec["pmid"]).strip()
    for key in ("title", "abstract"):
        if not isinstance(rec[key], str):
            rec[key] = "" if rec[key] is None else str(rec[key])
    if not isinstance(rec["publication_types"], list):
        rec["publication_types"] = []
    return rec


def read_records(
    fh: IO[str], summary: AnnotateSummary, warn: Callable[[str], None]
) -> Iterator[dict[str, Any]]:
    """Valid records of a JSONL stream; bad lines are reported through ``warn`` and skipped."""
    for n, line in enumerate(fh, 1):
        if not line or line.isspace():  # ``not line.strip()`` without copying the line
            continue
        summary.read += 1
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            msg = f"line {n}: not valid JSON ({e.msg}); skipped"
        else:
            if not isinstance(obj, dict):
                msg = f"line {n}: not a JSON object; skipped"
            elif obj.get("pmid") in (None, "") or not str(obj.get("pmid")).strip():
                msg = f"line {n}: no pmid; skipped"
            else:
                yield clean_record(obj)
                continue
        summary.skipped.append(msg)
        warn(msg)


#: ``json.dumps(obj, ensure_ascii=False)`` builds this very encoder on every call.
_ENCODER = json.JSONEncoder(ensure_ascii=False)
#: The C encoder ``_ENCODER.encode`` builds on every call (same arguments, see
#: ``json.JSONEncoder.iterencode``), made once, without the ``markers`` dict of its
#: circular-reference check: an output line is a fresh tree of dicts, lists and scalars, so
#: that check never fires and the text is the same. ``None`` without the C accelerator.
_C_ENCODE = (
    None
    if c_make_encoder is None
    else c_make_encoder(
        None,
        _ENCODER.default,
        encode_basestring,
        None,
        _ENCODER.key_separator,
        _ENCODER.item_separator,
        False,
        False,
        True,
    )
)


def encode_line(line: Mapping[str, Any]) -> str:
    """``json.dumps(line, ensure_ascii=False)`` (see :data:`_C_ENCODE`)."""
    if _C_ENCODE is None:
        return _ENCODER.encode(line)
    return "".join(_C_ENCODE(line, 0))


def result_line(record: Mapping[str, Any], result: RecordResult) -> dict[str, Any]:
    """One output line for ``record``."""
    return _line(record, result, screen(record))


def _line(
    record: Mapping[str, Any], result: RecordResult, screening: dict[str, Any]
) -> dict[str, Any]:
    """:func:`result_line` with the record's :func:`screen` result already at hand."""
    patients = result.patients
    return {
        "pmid": record["pmid"],
        "screening": screening,
        "patients": [plain_patient(p) for p in patients],
        # the fields with a value: not None and not an empty list (the values are plain
        # str / float / bool / list / dict, so this is ``value not in (None, [])``, tested
        # without comparing every value with None and [] by ``==``)
        "evidence": [
            {
                name: fv.evidence
                for name, fv in p.values.items()
                if (value := fv.value) is not None and value != []
            }
            for p in patients
        ],
    }


def annotate_stream(
    fh_in: IO[str],
    fh_out: IO[str],
    *,
    warn: Callable[[str], None] = lambda _m: None,
    batch_size: int = 64,
) -> AnnotateSummary:
    """Annotate JSONL from ``fh_in`` into ``fh_out``.

    Records go through in chunks of ``batch_size``: extracted, then all screened, then written
    in input order. Running each stage over a whole chunk keeps its rules and code in the CPU
    caches (screening between two extractions found them evicted: ~0.1 ms a record); the
    lines, their order and the summary are those of one-record-at-a-time processing.

    The cyclic garbage collector's generation-0 threshold is raised while it runs (see
    :data:`GEN0_THRESHOLD`) and restored afterwards.
    """
    before = gc.get_threshold()
    if before[0]:  # 0: collection is off, left so
        gc.set_threshold(max(before[0], GEN0_THRESHOLD), *before[1:])
    try:
        return _annotate_stream(fh_in, fh_out, warn=warn, batch_size=batch_size)
    finally:
        gc.set_threshold(*before)


#: Generation-0 threshold of the cyclic garbage collector during :func:`annotate_stream`.
#: A record allocates thousands of container objects (Spans, matches, dicts) that refcounting
#: frees (a batch's Docs lose their reference cycle in ``extract_records``), so the default
#: 700 only makes the collector walk live objects every few hundred microseconds; the few
#: real cycles are still collected (peak memory over 20,000 records unchanged).
GEN0_THRESHOLD = 10_000


def _annotate_stream(
    fh_in: IO[str],
    fh_out: IO[str],
    *,
    warn: Callable[[str], None],
    batch_size: int,
) -> AnnotateSummary:
    """:func:`annotate_stream` under whatever collector thresholds are set."""
    summary = AnnotateSummary()
    records = read_records(fh_in, summary, warn)
    pending: deque[dict[str, Any]] = deque()

    def tracked() -> Iterator[dict[str, Any]]:
        for rec in records:
            pending.append(rec)
            yield rec

    def failed(record: Mapping[str, Any], error: Exception) -> None:
        msg = f"record {record.get('pmid')}: extraction failed ({type(error).__name__}: {error}); skipped"
        summary.skipped.append(msg)
        warn(msg)

    results = extract_records(tracked(), batch_size=batch_size, on_error=failed)
    while chunk := list(islice(results, batch_size)):
        done: list[tuple[dict[str, Any], RecordResult]] = []
        for result in chunk:
            record = pending.popleft()
            while record["pmid"] != result.pmid:  # records before it failed and were reported
                record = pending.popleft()
            done.append((record, result))
        screenings = [screen(record) for record, _result in done]
        for (record, result), screening in zip(done, screenings, strict=True):
            fh_out.write(encode_line(_line(record, result, screening)) + "\n")
            summary.written += 1
            if summary.written == 1:
                _freeze_long_lived()
    return summary


_frozen = False


def _freeze_long_lived() -> None:
    """Move everything alive after the first record (the spaCy pipeline, compiled rules and
    lexicons) out of the cyclic garbage collector's reach, once per process.

    Each full collection would otherwise walk those hundreds of thousands of objects again,
    for nothing: they live as long as the process. Outputs are unaffected.
    """
    global _frozen
    if not _frozen:
        _frozen = True
        gc.freeze()


def annotate(
    in_path: str | Path,
    out_path: str | Path,
    *,
    warn: Callable[[str], None] = lambda _m: None,
) -> AnnotateSummary:
    """Annotate the JSONL file ``in_path`` into ``out_path`` (written whole, then renamed)."""
    in_path, out_path = Path(in_path), Path(out_path)
    tmp = out_path.with_name(out_path.name + ".part")
    try:
        with (
            open(in_path, encoding="utf-8", errors="replace") as fh_in,
            open(tmp, "w", encoding="utf-8") as fh_out,
        ):
            summary = annotate_stream(fh_in, fh_out, warn=warn)
        tmp.replace(out_path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ValidationError(f"cannot annotate {in_path} -> {out_path}: {e}") from e
    return summary
