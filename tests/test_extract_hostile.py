"""Hostile input never crashes or hangs the extractor (property-based, hypothesis).

Empty or missing abstracts, a 1 MB abstract, unicode dashes and spaces, HTML entities, random
bytes and deeply nested parentheses. Every evidence offset must still point into the document
text. The timeouts only guard against a hang (catastrophic regex backtracking); they measure
nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sseh_lit.annotate import annotate
from sseh_lit.extract import extract_record, extract_records
from sseh_lit.text import document_text

# fragments real abstracts are made of, to steer random text into the rules' paths
FRAGMENTS = [
    "A 65-year-old man",
    "aged 3 months",
    "C5\u2013C7",
    "Th10-D12",
    "T2-weighted",
    "from C2 to the conus",
    "laminectomy",
    "within 9 h of onset",
    "ASIA B",
    "JOA 8/17",
    "warfarin",
    "(SSEH)",
    "Case 1:",
    "two patients",
    "he",
    "she",
    "&amp;",
    "&lt;i&gt;",
    "\u00a0",
    "\u2009",
    "\u2212",
    "\u2010",
    ".",
    ";",
    "(",
    ")",
    "\n\n",
    "Conclusion:",
    "did not improve",
    "complete recovery",
    "45%",
    "e.g.",
    "Fig. 2",
]
texty = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=30)), max_size=60).map(
    " ".join
)


def _check(record: dict) -> None:
    result = extract_record(record)
    doc = document_text(record.get("title"), record.get("abstract"))
    for patient in result.patients:
        for name, fv in patient.values.items():
            if fv.start is not None:
                assert 0 <= fv.start <= fv.end <= len(doc), name
                assert doc[fv.start : fv.end] == fv.evidence, name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.one_of(st.none(), texty), abstract=st.one_of(st.none(), texty))
def test_random_text_never_crashes_and_offsets_hold(
    title: str | None, abstract: str | None
) -> None:
    _check({"pmid": "H1", "title": title, "abstract": abstract})


@pytest.mark.parametrize(
    "record",
    [
        {"pmid": "H2"},
        {"pmid": "H3", "title": "", "abstract": ""},
        {
            "pmid": "H4",
            "title": "Only a title: a 50-year-old man with an SSEH at C5",
            "abstract": None,
        },
        {"pmid": "H5", "title": "x", "abstract": "(" * 5000 + "SSEH" + ")" * 5000},
        {"pmid": "H6", "title": "x", "abstract": "((((a (b (c (d) e) f) g) h) i)) " * 2000},
        {"pmid": "H7", "title": "x", "abstract": "C5-" * 20000},
        {"pmid": "H8", "title": "x", "abstract": "a" * 200_000},
        {"pmid": "H9", "title": "x", "abstract": "-\u2013 \u00a0" * 50_000},
        {"pmid": "H10", "title": "x", "abstract": "(" * 500_000 + ")" * 500_000},
        {"pmid": "H11", "title": "x", "abstract": "http://x.org/" + "ab/" * 1000 + " SSEH at C5."},
    ],
    ids=[
        "missing",
        "empty",
        "title-only",
        "nested-parens",
        "nested-repeated",
        "dash-levels",
        "one-word",
        "dashes-spaces",
        "megabyte-of-brackets",
        "long-url",
    ],
)
@pytest.mark.timeout(120)
def test_degenerate_records(record: dict) -> None:
    _check(record)


@pytest.mark.timeout(300)
def test_one_megabyte_abstract() -> None:
    sentence = (
        "A 65-year-old man on warfarin had a dorsal epidural hematoma from C5 to T2 (SSEH) and "
        "underwent laminectomy 9 hours after onset; he recovered. "
    )
    abstract = sentence * (1_000_000 // len(sentence) + 1)
    results = list(extract_records([{"pmid": "BIG", "title": "Big", "abstract": abstract}]))
    assert results[0].pmid == "BIG"


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(blob=st.binary(max_size=400))
def test_random_bytes_in_a_jsonl_file_are_skipped_not_fatal(tmp_path: Path, blob: bytes) -> None:
    src = tmp_path / "in.jsonl"
    good = json.dumps({"pmid": "OK", "title": "t", "abstract": "A 40-year-old woman."}).encode()
    src.write_bytes(blob + b"\n" + good + b"\n")
    summary = annotate(src, tmp_path / "out.jsonl")
    out = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert summary.written == len(out) >= 1
    assert json.loads(out[-1])["pmid"] == "OK"


# synthetic: every extractor that looks a matched word up in a lexicon, spelled with the four
# characters re.IGNORECASE folds onto ASCII letters (ſ → s, ı/İ → i, Kelvin sign → k)
FOLD_TEXT = (
    "Synthetic spontaneous epidural haematoma. A 64-year-old man presented with paraparesis "
    "(Frankel grade B). MRI showed a dorsal hematoma from C5 to T2. On the second day he "
    "underwent endoscopic evacuation and hemilaminectomy; he recovered fully (ASIA E)."
)


@pytest.mark.parametrize(
    "odd",
    ["\u017f", "\u0131", "\u0130", "\u212a"],
    ids=["long-s", "dotless-i", "dotted-I", "kelvin"],
)
def test_case_folded_letters_extract_like_ascii(odd: str) -> None:
    ascii_char = {"\u017f": "s", "\u0131": "i", "\u0130": "I", "\u212a": "K"}[odd]
    plain = extract_record({"pmid": "1", "title": "", "abstract": FOLD_TEXT})
    spiked = extract_record(
        {"pmid": "1", "title": "", "abstract": FOLD_TEXT.replace(ascii_char, odd)}
    )
    assert len(spiked.patients) == len(plain.patients) == 1
    got, want = spiked.patients[0].plain(), plain.patients[0].plain()
    for name in ("treatment", "procedure", "preop_grade", "outcome_grade", "time_to_surgery_hours"):
        assert got[name] == want[name], name
