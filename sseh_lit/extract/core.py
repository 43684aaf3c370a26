"""The extractor's public API: one record (or a stream of records) in, patients with evidence out.

``extract_record`` / ``extract_records`` run the cached pipeline over
:func:`sseh_lit.text.document_text` (so every offset is a document offset), decide the patients
(:mod:`.patients`), and fill every field of each patient from its own sentences: demographics,
levels, clinical course here, drugs and comorbidities from :mod:`.drugs` / :mod:`.conditions`
(imported lazily: absent modules simply leave their fields null), then the derived fields.
A batch of records goes through each of those stages in turn (:func:`_extract_batch`), with
the results and failures of one-record-at-a-time extraction. File mode (``sseh-lit annotate``)
and the DB path (``sseh-lit extract``) both go through here.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from itertools import islice
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import raise_error

from ..fields import DERIVED_FIELDS, EXTRACTED_FIELDS, FIELD_BY_NAME, derive
from ..text import document_text
from . import clinical, demographics, levels
from .model import FieldValue, Patient, RecordResult
from .patients import PatientSlot, Plan, SentInfo, classify, plan
from .pipeline import load, sentences

#: Bump when extraction rules change: records extracted by an older version are redone.
EXTRACTOR_VERSION = "0.4.0"
#: Longest text run through the pipeline; the rest of a pathological abstract is ignored.
MAX_CHARS = 100_000

log = logging.getLogger(__name__)

_Extractor = Callable[[Sequence[Span]], dict[str, FieldValue]]


@cache
def _optional(module: str) -> _Extractor | None:
    """``sseh_lit.extract.<module>.extract`` if that module is installed, else ``None``
    (looked up once per process)."""
    try:
        mod = importlib.import_module(f"sseh_lit.extract.{module}")
    except ImportError:
        return None
    return getattr(mod, "extract", None)


def record_text(record: Mapping[str, Any]) -> str:
    """The document text of a record (title + blank line + abstract), as stored offsets expect."""
    title = record.get("title")
    abstract = record.get("abstract")
    return document_text(
        title if isinstance(title, str) else None, abstract if isinstance(abstract, str) else None
    )


#: A run of non-space characters longer than this is cut by spaces for the tokenizer (whose
#: suffix search is quadratic in the length of one "word"); offsets keep their meaning.
MAX_WORD = 80
_LONG_WORD = re.compile(rf"\S{{{MAX_WORD + 1},}}")
#: The test for a long word: one starts the text or follows a whitespace character. Searching
#: from whitespace only (a character-class prefix ``re`` skips to) is twice as fast as trying
#: :data:`_LONG_WORD` at every position, with the same answer.
_LONG_AT_START = re.compile(rf"\S{{{MAX_WORD + 1}}}")
_LONG_AFTER_SPACE = re.compile(rf"\s\S{{{MAX_WORD + 1}}}")
#: An exact pre-test for the long-word test, three times faster: a run of more than
#: ``MAX_WORD`` non-whitespace characters lies inside a run of as many characters other than
#: " " (a superset of whitespace-free characters), which starts the text or follows a " ";
#: the literal " " prefix lets ``re`` skip ahead with a fast character search.
_RUN_AT_START = re.compile(rf"[^ ]{{{MAX_WORD + 1}}}")
_RUN_AFTER_BLANK = re.compile(rf" [^ ]{{{MAX_WORD + 1}}}")


def defuse(text: str) -> str:
    """``text`` with every overlong whitespace-free run broken by spaces, length unchanged.

    Real abstracts have no 80-character words (a long URL loses nothing by being split), but a
    hostile one — 100,000 brackets — would make spaCy's tokenizer run for minutes. Replacing
    characters one-for-one keeps every character offset valid for the original text.
    """
    if len(text) <= MAX_WORD or not (_RUN_AT_START.match(text) or _RUN_AFTER_BLANK.search(text)):
        return text  # no long run of non-" " characters, so no long word either
    if not (_LONG_AT_START.match(text) or _LONG_AFTER_SPACE.search(text)):
        return text
    chars = list(text)
    for m in _LONG_WORD.finditer(text):
        for i in range(m.start() + MAX_WORD, m.end(), MAX_WORD):
            chars[i] = " "
    return "".join(chars)


#: Extracted fields whose "unknown" is an empty list rather than null.
_LIST_FIELDS = frozenset(name for name in EXTRACTED_FIELDS if FIELD_BY_NAME[name].type == "agents")


#: ``(name, is_list)`` of every extracted field in order, for :func:`_finish`'s empty values.
_EMPTY_SPEC = tuple((name, name in _LIST_FIELDS) for name in EXTRACTED_FIELDS)


def _demographics(slot: PatientSlot) -> dict[str, FieldValue]:
    return demographics.extract(slot.sents, slot)


def _levels(slot: PatientSlot) -> dict[str, FieldValue]:
    return levels.extract(slot.sents)


def _clinical(slot: PatientSlot) -> dict[str, FieldValue]:
    return clinical.extract(slot.sents)


#: The built-in field extractors of one patient, in the order their values are merged (a later
#: one's field replaces an earlier one's; the optional extractors come after these).
_FIELD_STAGES: tuple[Callable[[PatientSlot], dict[str, FieldValue]], ...] = (
    _demographics,
    _levels,
    _clinical,
)


def _extras() -> list[_Extractor]:
    """The optional extractors that are installed (drugs, then comorbidities)."""
    return [f for f in (_optional("drugs"), _optional("conditions")) if f is not None]


def _add_optional(values: dict[str, FieldValue], spans: Sequence[Span], func: _Extractor) -> None:
    """Merge one optional extractor's fields into ``values``; its own bug is logged and leaves
    its fields empty (a helper module's bug must not lose the record)."""
    try:
        got = func(spans)
    except Exception:
        log.exception("extractor %s failed", getattr(func, "__module__", func))
        return
    for name, fv in got.items():
        if name in FIELD_BY_NAME:
            values[name] = fv


def _finish(slot: PatientSlot, values: dict[str, FieldValue]) -> Patient:
    """The patient of ``slot`` from its extracted ``values``: fields nothing was found for are
    set empty, then the derived fields are computed from the levels."""
    for name, is_list in _EMPTY_SPEC:
        if name not in values:
            # the value of a field nothing was found for: a new object each time (callers may
            # edit it), FieldValue's defaults passed by position (hot: most fields are empty)
            values[name] = FieldValue(
                [] if is_list else None, "", None, None, None, "affirmed", 0.0
            )
    src = values["level_upper"]  # every extracted field is set by now
    # derive() reads only the two levels
    levels_found = {"level_upper": src.value, "level_lower": values["level_lower"].value}
    evidence, start, end = src.evidence, src.start, src.end
    for name, value in derive(levels_found).items():
        values[name] = FieldValue(  # by position: no cue, affirmed
            value,
            evidence,
            start,
            end,
            None,
            "affirmed",
            src.confidence if value is not None else 0.0,
        )
    return Patient(label=slot.label, values=values)


def _title_end(record: Mapping[str, Any]) -> int:
    title = record.get("title")
    return len(title) if isinstance(title, str) else 0


def plan_doc(doc: Doc, record: Mapping[str, Any], text: str | None = None) -> Plan:
    """The patients of one record from its already-parsed Doc, each with its own sentences
    (and, in a series without case markers, its share of the stated ages), fields not yet
    extracted. ``text`` is as for :func:`extract_doc`.
    """
    infos: list[SentInfo] = classify(sentences(doc), _title_end(record), text or doc.text)
    types = record.get("publication_types") or []
    if not isinstance(types, list | tuple):
        types = []
    p = plan(infos, [str(t) for t in types])
    if len(p.patients) > 1:
        demographics.series_hints(p.patients)
    return p


class _Job:
    """One record of a batch on its way through :func:`_extract_batch`."""

    __slots__ = ("doc", "error", "plan", "record", "result", "text", "values")

    def __init__(self, record: Mapping[str, Any], doc: Doc, text: str | None) -> None:
        self.record = record
        self.doc = doc
        self.text = text
        self.plan = Plan([])  # set by the planning stage
        self.values: list[dict[str, FieldValue]] = []  # one per patient of the plan
        self.result: RecordResult | None = None
        self.error: Exception | None = None  # the first exception its extraction raised


def _extract_batch(jobs: Sequence[_Job]) -> None:
    """Extract every job's record, one stage at a time over the whole batch: plan every record,
    then each field extractor over every patient of the batch, then assemble the results.

    Each stage makes exactly the calls, on exactly the objects, that record-by-record
    extraction makes (every patient's values are merged in the same order), so the results are
    the same: the extractors keep no state between calls except per-process compiled rules and
    per-sentence / per-Doc memos of pure results. Running one extractor back to back over the
    batch keeps its rules and code in the CPU caches. A record whose extraction raises at any
    stage gets the exception in ``job.error`` and skips its later stages; the others go on.
    """
    live: list[_Job] = []
    for job in jobs:
        try:
            job.plan = plan_doc(job.doc, job.record, job.text)
        except Exception as e:
            job.error = e
            continue
        job.values = [{} for _slot in job.plan.patients]
        live.append(job)
    for stage in _FIELD_STAGES:
        for job in live:
            if job.error is None:
                try:
                    for slot, values in zip(job.plan.patients, job.values, strict=True):
                        values.update(stage(slot))
                except Exception as e:
                    job.error = e
    extras = _extras()
    if extras:
        live = [job for job in live if job.error is None]
        spans = [[[s.span for s in slot.sents] for slot in job.plan.patients] for job in live]
        for func in extras:
            for job, job_spans in zip(live, spans, strict=True):
                if job.error is None:
                    try:
                        for slot_spans, values in zip(job_spans, job.values, strict=True):
                            _add_optional(values, slot_spans, func)
                    except Exception as e:  # e.g. an extractor that returns no dict
                        job.error = e
    for job in live:
        if job.error is None:
            try:
                patients = [
                    _finish(slot, values)
                    for slot, values in zip(job.plan.patients, job.values, strict=True)
                ]
                job.result = RecordResult(
                    pmid=str(job.record.get("pmid") or ""),
                    patients=patients,
                    aggregate_only=job.plan.aggregate_only,
                )
            except Exception as e:
                job.error = e
        job.values = []


def extract_doc(doc: Doc, record: Mapping[str, Any], text: str | None = None) -> RecordResult:
    """Patients of one record from its already-parsed Doc.

    ``text`` is the record's document text as stored (the Doc may have been built from its
    :func:`defuse` d copy, which has the same length); evidence is cut from ``text``.
    """
    job = _Job(record, doc, text)
    _extract_batch([job])
    if job.error is not None:
        raise job.error
    assert job.result is not None
    return job.result


def extract_record(record: Mapping[str, Any]) -> RecordResult:
    """Extract one record (``{pmid, title, abstract, publication_types, ...}``)."""
    return next(extract_records([record]))


OnError = Callable[[Mapping[str, Any], Exception], None]


def extract_records(
    records: Iterable[Mapping[str, Any]],
    batch_size: int = 64,
    *,
    on_error: OnError | None = None,
) -> Iterator[RecordResult]:
    """Extract a stream of records, parsing them in batches with ``nlp.pipe``.

    Each batch is parsed, then extracted stage by stage (:func:`_extract_batch`), its Docs
    are released (:func:`_release`), then its results are handed out in input order.
    Without ``on_error`` an exception propagates (at its record's turn: the results of the
    records before it are yielded first). With it, a record whose extraction fails is reported
    once to ``on_error(record, exception)``, at its turn, and not yielded, and the stream goes
    on (callers match results to records by ``pmid``).
    """
    nlp = load()
    it = iter(records)
    while True:
        batch = list(islice(it, batch_size))
        if not batch:
            return
        texts = [record_text(r)[:MAX_CHARS] for r in batch]
        try:
            docs: list[Doc | None] = list(_parse_batch(nlp, [defuse(t) for t in texts], batch_size))
        except Exception:
            if on_error is None:
                raise
            docs = [_parse_one(nlp, t, r, on_error) for t, r in zip(texts, batch, strict=True)]
        jobs = [
            _Job(record, doc, text)
            for record, doc, text in zip(batch, docs, texts, strict=True)
            if doc is not None  # its parse failed and was reported
        ]
        _extract_batch(jobs)
        _release(docs)
        for job in jobs:
            if job.error is not None:
                if on_error is None:
                    raise job.error
                on_error(job.record, job.error)
                continue
            assert job.result is not None
            yield job.result
        del docs, jobs  # the batch is freed before the next one is parsed


def _release(docs: Iterable[Doc | None]) -> None:
    """Let the Docs of a finished batch be freed as soon as they are dropped.

    The abbreviation detector stores Spans of a Doc in its own ``user_data`` (``doc._``
    attributes): a reference cycle that only the cyclic garbage collector can free, so every
    Doc would stay in memory, and be walked by the collector, until a collection. The results
    hold no spaCy object and these Docs were made here and are never handed out, so their
    ``user_data`` can go.
    """
    for doc in docs:
        if doc is not None:
            doc.user_data.clear()


def _parse_batch(nlp: Language, texts: list[str], batch_size: int) -> list[Doc]:
    """``list(nlp.pipe(texts))``, run one pipeline step at a time over the whole batch.

    ``nlp.pipe`` chains generators, so each text passes the tokenizer and every component
    before the next text starts. Tokenizing the whole batch, then running each component over
    it, makes the same calls on the same docs (the components keep no state from one doc to
    the next) with far fewer cache misses. A component with its own ``pipe`` or error handler,
    or a pipeline with another error handler, goes through ``nlp.pipe`` itself.
    """
    procs = [proc for _name, proc in nlp.pipeline]
    if nlp.default_error_handler is not raise_error or any(
        hasattr(proc, "pipe") or hasattr(proc, "get_error_handler") for proc in procs
    ):
        return list(nlp.pipe(texts, batch_size=batch_size))
    docs = [nlp.make_doc(text) for text in texts]
    for proc in procs:
        docs = [proc(doc) for doc in docs]
    return docs


def _parse_one(nlp: Any, text: str, record: Mapping[str, Any], on_error: OnError) -> Doc | None:
    """Parse one text alone after its batch failed; ``None`` (and reported) if it fails too."""
    try:
        return nlp(defuse(text))
    except Exception as e:
        on_error(record, e)
        return None


_ALL_FIELDS = (*EXTRACTED_FIELDS, *DERIVED_FIELDS)


def plain_patient(patient: Patient) -> dict[str, Any]:
    """``{field: value}`` for every extracted and derived field (schema names; null if unknown)."""
    get = patient.values.get
    out: dict[str, Any] = {"label": patient.label}
    for name in _ALL_FIELDS:
        fv = get(name)
        out[name] = None if fv is None else fv.value
    return out
