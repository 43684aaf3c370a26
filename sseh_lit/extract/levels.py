"""Vertebral levels (level_upper, level_lower) and position in the canal (location).

Levels are read in every notation case reports use — "C5-7", "C5–C7", "T11 to L1", "Th10",
"D11-12", "D4/5", "between C7 and T4", "from C2-C3 to C6-C7", "at the C6 level", "Lumbar 2 and 3",
"from C2 to the conus" (conus = L1) — but only in a sentence that names the haematoma, and not
when the level belongs to something else: a sensory level or dermatome, an MRI weighting
("T2-weighted"), a procedure ("C3 to C5 hemilaminectomy"), a disc or a fracture. The first
narrative sentence that gives haematoma levels wins; all levels in it are pooled (upper = most
cranial, lower = most caudal), so two separate haematomas give the whole span.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from ..fields import LEVEL_INDEX, LEVELS, normalise_level
from ..regex_gate import finditer_lowered, folded, twin_of
from ..text import fold
from .cuescan import CueScanner
from .model import FieldValue
from .patients import SentInfo, number
from .pipeline import Cues, alternation, evidence, lexicon

_SEP = r"\s*(?:-|\u2010|\u2011|\u2012|\u2013|\u2014|\u2212|/|to|through|thru|until|and)\s*"
_LVL_CORE = r"(?<![A-Za-z0-9])(C|Th|T|D|L|S)\s?-?\s?(\d{1,2})"
_NOT_NUM = r"(?![\d.,]\d|\d)"
_LVL = _LVL_CORE + _NOT_NUM


@dataclass(frozen=True)
class _Rules:
    unit: re.Pattern[str]
    region_unit: CueScanner
    conus: re.Pattern[str]
    haematoma: CueScanner
    weak: CueScanner
    before: CueScanner
    after: re.Pattern[str]
    #: the lowered twin of ``after`` (:func:`~sseh_lit.regex_gate.twin_of`: the same matches on
    #: lower-cased ASCII text), ``None`` when it has none; matched at the text's start (its ``^``)
    after_low: re.Pattern[str] | None
    regions: dict[str, str]
    region_words: frozenset[str]
    conus_level: str
    location: CueScanner
    side: CueScanner
    side_literals: tuple[str, ...]  # each side phrase contains one of these (or empty)
    location_terms: dict[str, str]
    location_reverse: CueScanner
    reverse_terms: dict[str, str]
    region_ordinal: re.Pattern[str]
    ordinals: dict[str, int]
    ordinal_words: tuple[str, ...]  # the ordinals, lower-cased
    location_words: frozenset[str]
    location_needs: tuple[frozenset[str], ...]
    reverse_needs: tuple[frozenset[str], ...]


@cache
def _rules() -> _Rules:
    lex = lexicon("levels.json")
    ordinals = lexicon("numbers.json")["ordinals"]
    regions = lex["region_words"]
    terms = lex["location_terms"]
    between = alternation(lex["location_between"])
    reverse_heads = lex["haematoma_words"] + ["lesion", "mass", "collection"]
    after = re.compile(rf"^\W{{0,3}}(?:{alternation(lex['exclude_after'])})", re.I)
    return _Rules(
        unit=re.compile(
            rf"{_LVL}(?:{_SEP}(?:the\s+)?(?:level\s+(?:of\s+)?)?(?:{_LVL_CORE}|(\d{{1,2}})){_NOT_NUM})?"
        ),
        region_unit=CueScanner(
            re.compile(
                rf"\b({alternation(list(regions))})\s+(\d{{1,2}})\b"
                rf"(?:\s*(?:-|to|and|through)\s*(\d{{1,2}})\b)?",
                re.I,
            ),
            list(regions),
        ),
        conus=re.compile(r"\b(?:to|through|into|down to|till|until)\s+(?:the\s+)?conus\b", re.I),
        haematoma=CueScanner.of(Cues(lex["haematoma_words"])),
        weak=CueScanner.of(Cues(lex["weak_words"])),
        before=CueScanner(
            re.compile(rf"(?:{alternation(lex['exclude_before'])})\W*(?:\w+\W+){{0,3}}$", re.I),
            lex["exclude_before"],
        ),
        after=after,
        after_low=twin_of(after),
        regions=regions,
        region_words=frozenset(k.lower() for k in regions),
        conus_level=lex["conus"],
        location=CueScanner(
            re.compile(
                rf"\b({alternation(list(terms))})(?:[\s,-]+(?:{between})\b){{0,4}}[\s-]+"
                rf"(?:{alternation(lex['location_heads'])})\b",
                re.I,
            ),
            list(terms),
        ),
        side=CueScanner(
            re.compile(rf"(?<![A-Za-z])(?:{alternation(lex['location_side_phrases'])})", re.I),
            lex["location_side_phrases"],
        ),
        side_literals=_literals(lex["location_side_phrases"], ("right", "left", "lateral")),
        location_terms={k.lower(): v for k, v in terms.items()},
        location_reverse=CueScanner(
            re.compile(
                rf"\b(?:{alternation(reverse_heads)})\b"
                rf"(?:[\s,]+[\w/\u2010-\u2015-]+){{0,5}}?[\s,]+(?:(?:was|is|being|which\s+is)\s+)?"
                rf"(?:located\s+|situated\s+|lying\s+|placed\s+)?(?:(?:left|right)\s+)?"
                rf"({alternation(list(lex['location_reverse_terms']))})\b"
                rf"(?!\s+(?:{alternation(lex['location_reverse_blockers'])}))",
                re.I,
            ),
            reverse_heads,
        ),
        reverse_terms={k.lower(): v for k, v in lex["location_reverse_terms"].items()},
        region_ordinal=re.compile(
            rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th)|({alternation(list(ordinals))}))"
            rf"(?:\s*(?:-|to|and|through)\s*(?:the\s+)?(?:(\d{{1,2}})(?:st|nd|rd|th)|"
            rf"({alternation(list(ordinals))})))?\s+({alternation(list(regions))})\b",
            re.I,
        ),
        ordinals=ordinals,
        ordinal_words=tuple(k.lower() for k in ordinals),
        location_words=frozenset(
            w
            for k in [*terms, *lex["location_side_phrases"]]
            for w in re.findall(r"[a-z]+", k.lower())
            if w not in ("the", "of", "to", "on", "spinal", "cord", "canal", "side")
        ),
        location_needs=_word_needs(lex["location_heads"]),
        reverse_needs=_word_needs(reverse_heads) + _word_needs(list(lex["location_reverse_terms"])),
    )


def _literals(phrases: list[str], literals: tuple[str, ...]) -> tuple[str, ...]:
    """``literals`` when every lower-cased phrase contains one of them, else ``()``."""
    ok = all(any(lit in p.lower() for lit in literals) for p in phrases)
    return literals if ok else ()


_PLAIN_WORD = re.compile(r"[a-z0-9]+")


def _word_needs(words: list[str]) -> tuple[frozenset[str], ...]:
    """``(set of the words,)`` when every one is a plain word, else ``()`` (no pre-check)."""
    low = [w.lower() for w in words]
    return (frozenset(low),) if all(_PLAIN_WORD.fullmatch(w) for w in low) else ()


def _level(letter: str, num: str) -> str | None:
    return normalise_level(f"{letter}{num}")


def _scan(regex: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """``list(regex.finditer(text))``, through the regex's lowered twin for ASCII text."""
    return finditer_lowered(regex, twin_of(regex), text)


def _levels_of(info: SentInfo) -> tuple[str, ...]:
    """:func:`levels_in` of a sentence, computed once per sentence."""
    got = info.memo.get("levels")
    if got is None:
        got = info.memo["levels"] = tuple(levels_in(info.text, info.words))
    return got  # type: ignore[return-value]


#: Every level match has a digit, or a region word ("Lumbar 2", "third thoracic").
_DIGIT = re.compile(r"\d")

#: What every match of ``unit`` starts with (after its zero-width lookbehind): a level letter,
#: an optional "h", optional space/hyphen, a digit. A superset of ``unit``'s own start, but
#: beginning with a character class, which ``re`` looks for with a fast scan (``unit`` begins
#: with a lookbehind, so ``re`` tries the whole pattern at every position).
_UNIT_START = re.compile(r"[CTDLS]h?\s?-?\s?\d")


def _units(text: str) -> list[re.Match[str]]:
    """``list(unit.finditer(text))``, ``unit`` tried only where :data:`_UNIT_START` matches.

    Exact: every match of ``unit`` starts where ``_UNIT_START`` matches, so the first position
    at or after ``pos`` where ``unit.match`` succeeds is where ``unit.search`` would stop, with
    the same Match (``match`` with a start position still sees the text before it for the
    lookbehind); a match is never empty, so ``finditer`` goes on from its end.
    """
    unit = _rules().unit.match
    search = _UNIT_START.search
    out: list[re.Match[str]] = []
    pos = 0
    while (cand := search(text, pos)) is not None:
        start = cand.start()
        m = unit(text, start)
        if m is None:
            pos = start + 1
        else:
            out.append(m)
            pos = m.end()
    return out


#: A number with an ordinal suffix, in lower-cased ASCII text ("5th").
_ORDINAL_NUMBER = re.compile(r"[0-9](?:st|nd|rd|th)")


def _may_have_ordinal(text: str) -> bool:
    """Could ``region_ordinal`` match ``text``? Each match has a number with an ordinal suffix
    or an ordinal word (case-insensitive: on ASCII text, a lower-cased occurrence)."""
    if not text.isascii():
        return True
    low = text.lower()
    return _ORDINAL_NUMBER.search(low) is not None or any(
        map(low.__contains__, _rules().ordinal_words)
    )


def _conus(text: str) -> bool:
    """``conus.search(text) is not None``, not run on a text without "conus" (the pattern's
    literal, case-insensitive: on text :func:`folded` accepts, a match is a lower-cased
    occurrence)."""
    low = folded(text)
    if low is not None and "conus" not in low:
        return False
    return _rules().conus.search(text) is not None


def levels_in(text: str, words: frozenset[str] | None = None) -> list[str]:
    """The haematoma-eligible levels stated in ``text`` (range endpoints included), in order.

    ``words`` (:func:`words_of` of ``text``) lets the scans that cannot match be skipped: each
    match of ``unit`` and ``region_unit`` has a digit, and each match of ``region_unit`` and
    ``region_ordinal`` a region word as a whole word (between ``\\b``/whitespace).
    """
    r = _rules()
    found: list[str] = []
    region = words is None or not r.region_words.isdisjoint(words)
    for m in _units(text):  # (a text without a digit has no candidate: no gate needed)
        first = _level(m.group(1), m.group(2))
        if first is None:
            continue
        second = None
        if m.group(3):
            second = _level(m.group(3), m.group(4))
        elif m.group(5):
            second = _level(m.group(1), m.group(5))
        end = m.end() if (m.group(3) or m.group(5)) else m.end(2)
        if _excluded(text, m.start(), end):
            continue
        found.append(first)
        if second is not None:
            found.append(second)
    for m in r.region_unit.finditer(text) if region and _DIGIT.search(text) else ():
        letter = r.regions[fold(m.group(1))]
        for num in (m.group(2), m.group(3)):
            lvl = _level(letter, num) if num else None
            if lvl and not _excluded(text, m.start(), m.end()):
                found.append(lvl)
    for m in _scan(r.region_ordinal, text) if region and _may_have_ordinal(text) else ():
        letter = r.regions[fold(m.group(5))]
        if _excluded(text, m.start(), m.end()):
            continue
        for num, word in ((m.group(1), m.group(2)), (m.group(3), m.group(4))):
            k = int(num) if num else r.ordinals.get(fold(word)) if word else None
            lvl = _level(letter, str(k)) if k else None
            if lvl:
                found.append(lvl)
    if found and _conus(text):
        found.append(r.conus_level)
    if found and ("segments" in text or "levels" in text or "vertebrae" in text):
        found.extend(_counted_span(text))
    return found


#: "extending over five segments from T9", "spanning four levels starting at C3", "from T9
#: over five segments": the haematoma runs N levels down from the named one.
_COUNTED = re.compile(
    r"\b(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(?:vertebral\s+|"
    r"spinal\s+|contiguous\s+|consecutive\s+)?(?:segments|levels|vertebrae)\s+(?:from|starting\s+"
    r"(?:at|from))\s+(?:the\s+)?" + _LVL + r"|\bfrom\s+(?:the\s+)?" + _LVL + r"\s+(?:over|across|"
    r"along|spanning|for)\s+(\d{1,2}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
    r"(?:vertebral\s+|spinal\s+)?(?:segments|levels|vertebrae)\b",
    re.I,
)


def _counted_span(text: str) -> list[str]:
    """The lowest level of a haematoma given as a count of levels from its top."""
    out: list[str] = []
    for m in _COUNTED.finditer(text):
        count, letter, num = (m.group(1), m.group(2), m.group(3))
        if count is None:
            letter, num, count = m.group(4), m.group(5), m.group(6)
        top, k = _level(letter, num), number(count)
        if top is None or k is None or not 2 <= k <= 20:
            continue
        low = LEVEL_INDEX[top] + int(k) - 1
        if low < len(LEVELS):
            out.append(LEVELS[low])
    return out


_LIST_ITEM = re.compile(r",\s*(?:and\s+)?|\s+and\s+")


def _respective_levels(text: str, k: int, n: int) -> list[str]:
    """Levels of the k-th of ``n`` list items before "respectively"; [] when the list does not
    have exactly ``n`` items with levels."""
    head = text[: text.lower().find("respectively")]
    items = [lv for part in _LIST_ITEM.split(head) if (lv := levels_in(part))]
    return items[k] if len(items) == n else []


_BEFORE_BREAK = re.compile(r"[,;:()]|\band\b|\bwith\b|\bshowed\b|\brevealed\b")
_AFTER_BREAK = re.compile(r"\b(?:without|no|and|with)\b|[,;]")


#: Every match of the case-sensitive :data:`_BEFORE_BREAK` / :data:`_AFTER_BREAK` contains
#: one of these: without one, a split leaves the text whole.
_BEFORE_BREAKS = (",", ";", ":", "(", ")", "and", "with", "showed", "revealed")
_AFTER_BREAKS = (",", ";", "with", "no", "and")


def _excluded(text: str, start: int, end: int) -> bool:
    r = _rules()
    before = text[max(0, start - 30) : start]
    if any(map(before.__contains__, _BEFORE_BREAKS)):
        before = _BEFORE_BREAK.split(before)[-1]
    after = text[end : end + 30]
    if any(map(after.__contains__, _AFTER_BREAKS)):
        after = _AFTER_BREAK.split(after)[0]
    if r.before.search(before):
        return True
    if r.after_low is not None and after.isascii():
        return r.after_low.match(after.lower()) is not None
    return r.after.search(after) is not None


def _span(levels: Sequence[str]) -> tuple[str, str]:
    ordered = sorted(levels, key=lambda lv: LEVEL_INDEX[lv])
    return ordered[0], ordered[-1]


def extract(sents: Sequence[SentInfo]) -> dict[str, FieldValue]:
    """``level_upper``, ``level_lower`` and ``location`` from the patient's sentences."""
    r = _rules()
    out: dict[str, FieldValue] = {}
    body = [s for s in sents if s.section != "title" and s.patient]
    title = [s for s in sents if s.section == "title"]
    for group, conf in ((body, 0.85), (title, 0.7)):
        for cue, c in ((r.haematoma, conf), (r.weak, conf - 0.2)):
            single = cue.single
            for info in group:
                text = info.text
                # cue.found(info), inlined (see there)
                if single is not None and text.isascii() and "_" not in text:
                    if single.isdisjoint(info.words):
                        continue
                elif cue.search_in(info) is None:
                    continue
                found: Sequence[str] = _levels_of(info)
                if not found:
                    continue
                respective = info.memo.get("respective")
                if respective is not None:  # "at T5–T7, T9–T11 and C6–T2, respectively"
                    found = _respective_levels(text, *respective) or found  # type: ignore[misc]
                upper, lower = _span(found)
                out["level_upper"] = evidence(upper, info, c)
                out["level_lower"] = evidence(lower, info, c)
                break
            if out:
                break
        if out:
            break
    loc = _location([*body, *title])
    if loc:
        out["location"] = loc
    return out


def _side(text: str) -> re.Match[str] | None:
    """``side.search(text)``, not run on a text without any of ``side_literals`` (each side
    phrase contains one; case-insensitive: on text :func:`folded` accepts, a match is a
    lower-cased occurrence)."""
    r = _rules()
    if r.side_literals:
        low = folded(text)
        if low is not None and not any(map(low.__contains__, r.side_literals)):
            return None
    return r.side.search(text)


def _location(sents: Sequence[SentInfo]) -> FieldValue | None:
    r = _rules()
    side: FieldValue | None = None
    for info in sents:
        text = info.text
        if r.location_words.isdisjoint(info.words):
            continue
        words = info.words
        # each match of ``location`` ends with a head word, each of ``location_reverse`` has a
        # haematoma word and a position word, all as whole words (between \b, whitespace, ","
        # or "-" in the patterns): without one of them a scan cannot match
        located = not any(map(words.isdisjoint, r.location_needs))
        for m in r.location.finditer(text) if located else ():
            term = fold(m.group(1))
            # "dorsal spine" is the thoracic spine, not a position; the pattern already needs a
            # haematoma/space word after the term
            value = r.location_terms.get(term)
            if value:
                return evidence(value, info, 0.8, cue=m.group(0))
        reverse = not any(map(words.isdisjoint, r.reverse_needs))
        for m in r.location_reverse.finditer(text) if reverse else ():
            value = r.reverse_terms.get(fold(m.group(1)))
            if value:
                return evidence(value, info, 0.7, cue=m.group(0))
        # (the cheap word tests first: a side phrase only counts in a haematoma sentence)
        if side is None and (r.haematoma.found(info) or r.weak.found(info)):
            m2 = _side(text)
            if m2:
                side = evidence("lateral", info, 0.6, cue=m2.group(0))
    return side
