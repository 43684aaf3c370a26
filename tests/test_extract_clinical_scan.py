"""CueScanner / CueIndex give exactly the matches of the regexes they stand in for."""

from __future__ import annotations

import random
import re

import pytest

from sseh_lit.extract import clinical, levels
from sseh_lit.extract.core import _LONG_WORD, MAX_WORD, defuse
from sseh_lit.extract.cuescan import CueIndex, CueScanner, _leads_with
from sseh_lit.extract.patients import SentInfo
from sseh_lit.extract.pipeline import Cues, alternation, words_of

#: Pieces that make random sentences full of near-misses: case variants, the four characters
#: re.IGNORECASE folds to ASCII letters ("ſ", "K" …), underscores, dashes and digits.
_PIECES = [
    "no ",
    "recovery",
    "Recovery",
    "RECOVERY",
    "complete",
    "complete recovery",
    "full ",
    "re",
    "ſurgery",
    "surgery",
    "Surgery",
    "_",
    "-",
    " ",
    ", ",
    "; ",
    "he ",
    "hematoma",
    "HEMATOMA",
    "laminectomy",
    "hemi-laminectomy",
    "\u212a",
    "\u0130",
    "\u0131",
    "é",
    "–",
    "T",
    "C5",
    "7",
    "cervical",
    "thoracic ",
    "posterior ",
    "epidural",
    "dorsal",
    "lateral",
    "on the right side",
    "was",
    "not",
    "operated",
    "evacuation of the hematoma",
    "improved",
    "partial",
    "st",
]


def _texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 14))) for _ in range(n)]


class _Info:
    """The parts of a SentInfo the scanners read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.words = words_of(text)
        self.memo: dict[str, object] = {}


def _scanners() -> list[tuple[str, CueScanner]]:
    out = []
    for module in (clinical, levels):
        rules = module._rules()
        for name in rules.__dataclass_fields__:
            value = getattr(rules, name)
            if isinstance(value, CueScanner):
                out.append((f"{module.__name__}.{name}", value))
    return out


@pytest.mark.parametrize(("name", "scanner"), _scanners())
def test_scanner_matches_are_the_regex_matches(name: str, scanner: CueScanner) -> None:
    assert scanner.automaton is not None, f"{name} takes the slow path"
    for text in _texts(400):
        want_first = scanner.regex.search(text)
        want_all = [m.span() for m in scanner.regex.finditer(text)]
        got = scanner.search(text)
        assert (got and got.span()) == (want_first and want_first.span()), (name, text)
        assert [m.span() for m in scanner.finditer(text)] == want_all, (name, text)
        info = _Info(text)
        with_words = scanner.search(text, info.words)
        assert (with_words and with_words.span()) == (want_first and want_first.span())
        got_in = scanner.search_in(info)  # type: ignore[arg-type]
        assert (got_in and got_in.span()) == (want_first and want_first.span()), (name, text)
        assert [m.span() for m in scanner.finditer_in(info)] == want_all  # type: ignore[arg-type]
        assert scanner.found(info) is (want_first is not None), (name, text)  # type: ignore[arg-type]


def test_a_single_word_cue_list_is_decided_by_the_word_set() -> None:
    scanner = CueScanner.of(Cues(["hematoma", "clot"]))
    assert scanner.single == {"hematoma", "clot"}
    for text, found in [
        ("a Hematoma at T5", True),
        ("a hematomas at T5", False),
        ("a_hematoma", False),  # "_" is a word character for \b, not for words_of
        ("HEMATOMA", True),
        ("clot.", True),
    ]:
        assert scanner.found(_Info(text)) is found  # type: ignore[arg-type]


def test_an_index_shares_one_pass_and_skips_sentences_without_a_trigger() -> None:
    a = CueScanner.of(Cues(["complete recovery", "recovered fully"]))
    b = CueScanner.of(Cues(["laminectomy"]))
    index = CueIndex("test", [a, b])
    assert index.triggers is not None
    info = _Info("She recovered fully after a laminectomy; complete recovery.")
    assert [m.group(0) for m in a.finditer_in(info)] == ["recovered fully", "complete recovery"]  # type: ignore[arg-type]
    assert b.search_in(info).group(0) == "laminectomy"  # type: ignore[arg-type, union-attr]
    assert "test" in info.memo
    quiet = _Info("The patient was well.")
    assert index.empty(quiet)  # type: ignore[arg-type]
    assert quiet.memo["test"] == {}


def test_patterns_that_do_not_start_with_their_phrases_take_the_regex() -> None:
    alt = alternation(["ab", "cd"])
    assert _leads_with(re.compile(rf"\b(?:{alt})\b"), alt)
    assert _leads_with(re.compile(rf"({alt})\W*$"), alt)
    assert _leads_with(re.compile(rf"(?<![A-Za-z])(?:{alt})[|]x"), alt)
    assert not _leads_with(re.compile(rf"\b(?:{alt})|x"), alt)  # a top-level alternative
    assert not _leads_with(re.compile(rf"\b(?:{alt})?x"), alt)  # the group may be skipped
    assert not _leads_with(re.compile(rf"x(?:{alt})"), alt)
    scanner = CueScanner(re.compile(rf"(?:{alt})?x", re.I), ["ab", "cd"])
    assert scanner.automaton is None
    assert scanner.search("zzX").group(0) == "X"  # type: ignore[union-attr]


def test_levels_in_with_words_equals_levels_in_without() -> None:
    texts = [
        "a hematoma from C5 to C7",
        "hematoma at Lumbar 2 and 3",
        "the third to fifth thoracic vertebrae",
        "haematoma, no level given",
        "extending from the second cervical to T1",
        "CERVİCAL 5 hematoma",
        *_texts(300, seed=11),
    ]
    for text in texts:
        assert levels.levels_in(text, words_of(text)) == levels.levels_in(text), text


def test_defuse_breaks_exactly_the_long_words() -> None:
    rng = random.Random(3)
    for _ in range(2000):
        parts = [
            "x" * rng.choice([1, 5, MAX_WORD - 1, MAX_WORD, MAX_WORD + 1, 200])
            for _ in range(rng.randint(1, 4))
        ]
        seps = [rng.choice([" ", "\n", "\u00a0", "\u2003"]) for _ in parts]
        text = "".join(p + s for p, s in zip(parts, seps, strict=True))
        text = text if rng.random() < 0.5 else text.strip()
        out = defuse(text)
        assert len(out) == len(text)
        assert (out == text) == (_LONG_WORD.search(text) is None or len(text) <= MAX_WORD)
        assert _LONG_WORD.search(out) is None


def test_sentence_info_has_what_the_scanners_read() -> None:
    fields = SentInfo.__dataclass_fields__
    assert {"text", "words", "memo"} <= set(fields)


def test_level_prefilters_agree_with_the_regexes() -> None:
    r = levels._rules()
    for text in ["at C5-7 and Th10", "T 5 - 6", "5th thoracic", "CONUS", *_texts(400, seed=5)]:
        assert [m.span() for m in levels._units(text)] == [
            m.span() for m in r.unit.finditer(text)
        ], text
        assert levels._conus(text) is (r.conus.search(text) is not None), text
        side = levels._side(text)
        want = r.side.search(text)
        assert (side and side.span()) == (want and want.span()), text
        if r.region_ordinal.search(text):
            assert levels._may_have_ordinal(text), text


def test_negator_before_a_cue_agrees_with_the_regex() -> None:
    r = clinical._rules()
    pieces = ["without ", "no need ", "surgery", "laminectomy", "refused", "decompression ", "x"]
    rng = random.Random(3)
    texts = [*_texts(150, seed=9)]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 9))) for _ in range(150)]
    for text in texts:
        absent = r.negator.absent(_Info(text))  # type: ignore[arg-type]
        for m in r.surgery.regex.finditer(text):
            for start in range(max(0, m.start() - 45), m.start() + 1):
                got = clinical._negator_before(text, start, m.start(), absent)
                want = r.negator.search(text[start : m.start()])
                assert (got and got.span()) == (want and want.span()), (text, start)


def test_occurs_is_search_found() -> None:
    scanner = clinical._rules().not_clinical
    assert scanner.bare
    for text in ["an MRI", "CT scan", "ct", "Haematoma", *_texts(400, seed=13)]:
        assert scanner.occurs(text) is (scanner.regex.search(text) is not None), text
