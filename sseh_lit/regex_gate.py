"""A cheap pre-check that tells when a case-insensitive regex cannot match a text.

Python's ``re`` has no literal-prefix optimisation for ``re.IGNORECASE`` patterns, so a long
alternation is tried at every position of every sentence: the screening rules spent most of
their time proving that a sentence does *not* contain a procedure, a drug or a trauma term.
:func:`triggers` reads a pattern's parse tree and returns literal strings of which **every**
match must contain at least one (lower-cased); :class:`TriggerIndex` puts the triggers of all
rules in one Aho-Corasick automaton (pyahocorasick), reads a lower-cased text once to list the
triggers it contains, and a regex runs only when one of its own triggers is among them.

The check is exact, not heuristic: it only skips a regex that provably has no match, so results
are identical. Lower-casing agrees with ``re.IGNORECASE`` for every character except four
(``İ ı ſ`` and the Kelvin sign, which match ASCII letters without lower-casing to them); a text
containing one of those is never gated (:func:`folded` returns ``None``). Patterns whose chosen
literals are not ASCII are never gated either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ahocorasick

try:  # Python >= 3.11
    from re import _compiler
    from re import _constants as _c
    from re import _parser as _sp
except ImportError:  # pragma: no cover - Python 3.10
    import sre_compile as _compiler  # type: ignore[no-redef]
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _sp  # type: ignore[no-redef]

#: Characters that ``re.IGNORECASE`` matches to an ASCII letter though ``str.lower`` does not
#: map them to it one-for-one (found by testing every code point).
_FOLD_TRAPS = re.compile("[\u0130\u0131\u017f\u212a]")
_REPEATS = {_c.MAX_REPEAT, _c.MIN_REPEAT} | (
    {_c.POSSESSIVE_REPEAT} if hasattr(_c, "POSSESSIVE_REPEAT") else set()
)

Triggers = frozenset[str]


def _sequence(items: list) -> Triggers | None:
    """Triggers of a concatenation: its best required part (a literal run or a group)."""
    candidates = _candidates(items)
    if not candidates:
        return None
    return max(candidates, key=_selectivity)


def _selectivity(found: Triggers) -> tuple[int, int]:
    """Longest shortest literal first, then fewest literals."""
    return min(map(len, found)), -len(found)


def _optional_char(op: object, av: object) -> str | None:
    """The lower-cased ASCII character of an optional one-character literal (``-?``)."""
    if op in _REPEATS:
        low, high, sub = av  # type: ignore[misc]
        body = list(sub)
        if low == 0 and high == 1 and len(body) == 1:
            (kind, value), *_ = body
            if kind is _c.LITERAL and value < 128:
                return chr(value).lower()
    return None


def _candidates(items: list) -> list[Triggers]:
    """One trigger set per required part of a concatenation (every one of them must occur).

    A literal run goes on through an optional one-character literal as the set of its spelled
    variants ("sub-?dural" gives {"subdural", "sub-dural"}, sharper than "sub" or "dural").
    """
    candidates: list[Triggers] = []
    runs = [""]  # the variants of the current literal run
    for op, av in items:
        if op is _c.LITERAL and av < 128:  # non-ASCII literals may fold differently: skipped
            c = chr(av).lower()
            runs = [run + c for run in runs]
            continue
        optional = _optional_char(op, av) if runs[0] and len(runs) <= 4 else None
        if optional is not None:
            runs = [*runs, *(run + optional for run in runs)]
            continue
        if runs[0]:
            candidates.append(frozenset(runs))
        runs = [""]
        found = _item(op, av)
        if found is not None:
            candidates.append(found)
    if runs[0]:
        candidates.append(frozenset(runs))
    return candidates


def _item(op: object, av: object) -> Triggers | None:
    """Triggers of one parse-tree node, or ``None`` when it requires no literal."""
    if op is _c.SUBPATTERN:
        return _sequence(list(av[-1]))  # type: ignore[index]
    if op is _c.BRANCH:
        out: set[str] = set()
        for alternative in av[1]:  # type: ignore[index]
            found = _sequence(list(alternative))
            if found is None:  # one alternative without a literal: the branch needs none
                return None
            out |= found
        return frozenset(out)
    if op in _REPEATS:
        low, _high, sub = av  # type: ignore[misc]
        return _sequence(list(sub)) if low >= 1 else None
    if hasattr(_c, "ATOMIC_GROUP") and op is _c.ATOMIC_GROUP:
        return _sequence(list(av))  # type: ignore[arg-type]
    return None  # anchors, classes, lookarounds, back-references: no literal required


def triggers(pattern: str, flags: int = 0) -> Triggers | None:
    """Lower-case literals one of which every match of ``pattern`` contains (``None``: no gate).

    Only ASCII literals are used (a non-ASCII one could fold differently from ``str.lower``);
    a single-character literal would pass almost every text, so such a pattern is ungated.
    """
    found = _sequence(list(_sp.parse(pattern, flags)))
    if found is None or min(map(len, found)) < 2:
        return None
    return found


def required(pattern: str, flags: int = 0) -> tuple[Triggers, ...]:
    """Every trigger set of the pattern's top-level parts: a match needs one literal of each.

    "haematoma … in the epidural space" needs a haematoma word *and* an epidural word; the
    most selective set comes first. Sets with a one-character literal are left out.
    """
    items = list(_sp.parse(pattern, flags))
    while len(items) == 1 and items[0][0] is _c.SUBPATTERN:
        items = list(items[0][1][-1])
    found = [c for c in _candidates(items) if min(map(len, c)) >= 2]
    return tuple(sorted(set(found), key=_selectivity, reverse=True))


def folded(text: str) -> str | None:
    """``text`` lower-cased for the substring tests, or ``None`` when it must not be gated."""
    if not text.isascii() and _FOLD_TRAPS.search(text):
        return None
    return text.lower()


def _gate_sets(regex: re.Pattern[str]) -> tuple[Triggers, ...]:
    """The :func:`required` sets a :class:`TriggerIndex` tests for ``regex``, most selective
    first.

    The regex's :func:`leaders` are a required set too (every match starts with one, so it
    contains one); they go first when their shortest is longer than the best required set's
    (``\\bt-?PA\\b`` needs "t-pa" or "tpa", sharper than the "pa" of "patient"). A further set
    with a two-letter word ("in", "of", "is") is met by nearly every text: it would cost a
    trigger hit per occurrence and skip almost nothing, so it is left out. The gate stays exact:
    it only tests sets every match meets.
    """
    found = required(regex.pattern, regex.flags)
    if isinstance(regex.pattern, str):
        lead = leaders(regex.pattern, regex.flags, digits=False)  # valid for any foldable text
        if (
            lead
            and min(map(len, lead)) >= 3
            and (not found or min(map(len, lead)) > min(map(len, found[0])))
        ):
            found = (lead, *found)
    return found[:1] + tuple(s for s in found[1:] if min(map(len, s)) >= 3)


class TriggerIndex:
    """The triggers of many regexes in one Aho-Corasick automaton, so a text is read once.

    ``hits(text)`` lists the triggers present in a text (``None``: do not gate this text);
    ``may_match(regex, hits)`` is False only when ``regex`` provably has no match in it.
    """

    def __init__(self, regexes: Iterable[re.Pattern[str]]) -> None:
        # keyed by id(): hashing a Pattern hashes its whole compiled code, every time
        self._regexes = list(regexes)  # kept alive, so their ids stay theirs
        self._required: dict[int, tuple[Triggers, ...]] = {}
        by_word: dict[str, set[int]] = {}
        ungated: set[int] = set()
        for regex in self._regexes:
            found = _gate_sets(regex)
            self._required[id(regex)] = found
            if found:
                for t in found[0]:
                    by_word.setdefault(t, set()).add(id(regex))
            else:
                ungated.add(id(regex))
        self._by_word = {t: frozenset(ids) for t, ids in by_word.items()}
        self._ungated = frozenset(ungated)
        # the same facts as bits, for :meth:`masks`: one bit per regex, then one per trigger
        # word; a word's automaton value holds its own bit and those of the regexes it makes
        # live, so a text's mask is the OR of its hits' values
        words = sorted({t for found in self._required.values() for s in found for t in s})
        self._regex_bit = {key: 1 << j for j, key in enumerate(self._required)}
        self._word_bit = {t: 1 << (len(self._regex_bit) + i) for i, t in enumerate(words)}
        self._ungated_bits = sum(self._regex_bit[key] for key in ungated)
        # a word's value is a plain int (no tuple to unpack per hit in :meth:`masks`); it holds
        # the word's own bit, so it names the word too (``_word_of``, for :meth:`hits`)
        automaton = ahocorasick.Automaton()
        self._word_of: dict[int, str] = {}
        for t in words:
            value = self._word_bit[t] | sum(self._regex_bit[key] for key in by_word.get(t, ()))
            automaton.add_word(t, value)
            self._word_of[value] = t
        if len(automaton):
            automaton.make_automaton()
        self._automaton = automaton
        self._empty = not len(automaton)

    def hits(self, text: str, low: str | None = None) -> frozenset[str] | None:
        """The triggers that occur in ``text``, or ``None`` when ``text`` must not be gated.

        ``low`` is ``folded(text)`` when the caller has it already (``None``: computed here).
        """
        if low is None:
            low = folded(text)
        if low is None:
            return None
        if self._empty:
            return frozenset()
        word_of = self._word_of
        return frozenset([word_of[value] for _end, value in self._automaton.iter(low)])

    def masks(self, low: str) -> tuple[int, int]:
        """:meth:`hits` and :meth:`live` of the folded text ``low`` as bit masks: bit
        :meth:`word_bits` of each trigger present, and :meth:`bit_of` of each live regex.

        Cheaper than the two sets when a caller tests many regexes against one text: a test is
        one ``&`` of two ints (see :meth:`bit_of` and :meth:`word_bits`).
        """
        found = 0
        if not self._empty:
            for _end, bits in self._automaton.iter(low):
                found |= bits
        # word bits and regex bits do not overlap: each mask may carry the other's bits
        return found, found | self._ungated_bits

    def bit_of(self, regex: re.Pattern[str]) -> int:
        """The bit of ``regex`` in a live mask (0 for a regex this index does not know)."""
        return self._regex_bit.get(id(regex), 0)

    def word_bits(self, regex: re.Pattern[str]) -> tuple[int, ...]:
        """The required trigger sets of ``regex`` (those :meth:`may_match` tests) as masks:
        ``regex`` may match only a text whose hit mask meets every one of them."""
        return tuple(
            sum(self._word_bit[t] for t in found) for found in self._required.get(id(regex), ())
        )

    def live(self, hits: frozenset[str] | None) -> frozenset[int] | None:
        """The ``id()``s of the regexes whose most selective trigger set meets ``hits`` (plus
        the ungated ones): one set operation per text instead of one test per regex and text.
        ``None`` (every regex may match) when ``hits`` is ``None``."""
        if hits is None:
            return None
        by_word = self._by_word
        return self._ungated.union(*[by_word[t] for t in hits if t in by_word])

    def may_match(self, regex: re.Pattern[str], hits: frozenset[str] | None) -> bool:
        """False only when ``regex`` cannot match the text whose :meth:`hits` are ``hits``."""
        if hits is None:
            return True
        # an ungated regex, or one this index does not know, has no required sets
        for found in self._required.get(id(regex), ()):  # noqa: SIM110 (a loop: hot)
            if found.isdisjoint(hits):
                return False
        return True


# --------------------------------------------------------------------------- lowered twins

_TRAP_POINTS = frozenset(map(ord, "\u0130\u0131\u017f\u212a"))


class _Unsupported(Exception):
    """The pattern uses something the lowered twin cannot reproduce exactly."""


def _lower_char(c: int) -> int:
    if c in _TRAP_POINTS:
        raise _Unsupported
    return ord(chr(c).lower()) if c < 128 else c


def _lower_class(items: list) -> list:
    out = list(items)
    for op, av in items:
        if op is _c.LITERAL:
            out.append((op, _lower_char(av)))
        elif op is _c.RANGE:
            lo, hi = av
            if any(lo <= t <= hi for t in _TRAP_POINTS):
                raise _Unsupported
            out.extend((_c.LITERAL, ord(chr(c).lower())) for c in range(lo, min(hi, 127) + 1))
        elif op not in (_c.CATEGORY, _c.NEGATE):
            raise _Unsupported
    return out


def _lower_tree(sub: _sp.SubPattern) -> None:
    """Rewrite a parse tree in place for case-sensitive matching of lower-cased ASCII text."""
    for i, (op, av) in enumerate(sub.data):
        if op in (_c.LITERAL, _c.NOT_LITERAL):
            sub.data[i] = (op, _lower_char(av))
        elif op is _c.IN:
            sub.data[i] = (op, _lower_class(av))
        elif op is _c.BRANCH:
            for alternative in av[1]:
                _lower_tree(alternative)
        elif op is _c.SUBPATTERN:
            group, add, remove, inner = av
            if remove & re.IGNORECASE:  # a case-sensitive part: lower-casing loses its cases
                raise _Unsupported
            sub.data[i] = (op, (group, add & ~re.IGNORECASE, remove, inner))
            _lower_tree(inner)
        elif op in _REPEATS:
            _lower_tree(av[2])
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _lower_tree(av[1])
        elif hasattr(_c, "ATOMIC_GROUP") and op is _c.ATOMIC_GROUP:
            _lower_tree(av)
        elif op is _c.GROUPREF_EXISTS:
            _lower_tree(av[1])
            if av[2] is not None:
                _lower_tree(av[2])
        elif op not in (_c.ANY, _c.AT, _c.CATEGORY, _c.GROUPREF):
            raise _Unsupported


def lowered_twin(regex: re.Pattern[str]) -> re.Pattern[str] | None:
    """A case-sensitive copy of an ``re.IGNORECASE`` regex for lower-cased ASCII text.

    On an ASCII text, ``regex`` and this twin applied to ``text.lower()`` find the same spans
    (only the four characters of :data:`_FOLD_TRAPS` fold to ASCII letters, and a pattern that
    names one gets no twin); the twin is several times faster because ``re`` can use literal
    prefixes and plain character comparisons. ``None`` when there is no exact twin.
    """
    if not regex.flags & re.IGNORECASE or not isinstance(regex.pattern, str):
        return None
    try:
        tree = _sp.parse(regex.pattern, regex.flags)
        _lower_tree(tree)
        tree.state.flags &= ~re.IGNORECASE
        return _compiler.compile(tree, regex.flags & ~re.IGNORECASE)
    except (_Unsupported, re.error, TypeError, ValueError):
        return None


def finditer_lowered(
    regex: re.Pattern[str], twin: re.Pattern[str] | None, text: str, low: str | None = None
) -> list[re.Match[str]]:
    """``list(regex.finditer(text))``, found with the lowered ``twin`` when ``text`` is ASCII.

    Each span the twin finds is matched again by ``regex`` at that position, so the Match
    objects are the original's (same groups, same text); any disagreement falls back to the
    plain scan.
    """
    if twin is None or not text.isascii():
        return list(regex.finditer(text))
    out = []
    for m in twin.finditer(text.lower() if low is None else low):
        start, end = m.span()
        real = regex.match(text, start)
        if start == end or real is None or real.end() != end:
            return list(regex.finditer(text))
        out.append(real)
    return out


_TWINS: dict[int, tuple[re.Pattern[str], re.Pattern[str] | None]] = {}


def twin_of(regex: re.Pattern[str]) -> re.Pattern[str] | None:
    """:func:`lowered_twin` of ``regex``, built once per regex object.

    Keyed by ``id()`` (hashing a Pattern hashes its compiled code on every call); the entry
    holds the regex itself, so a recycled id is recognised and rebuilt.
    """
    entry = _TWINS.get(id(regex))
    if entry is None or entry[0] is not regex:
        entry = _TWINS[id(regex)] = (regex, lowered_twin(regex))
    return entry[1]


def has_match(regex: re.Pattern[str], text: str, low: str | None = None) -> bool:
    """``regex.search(text) is not None``: tried only where a leading literal starts when the
    regex has leaders (or is a :class:`_Split` alternation whose leaderless alternatives are
    blocked in ``text``), matched at the start when it begins with ``^``, else gated by the
    regex's triggers and searched by the lowered twin when ``text`` is ASCII.

    ``low`` is ``folded(text)`` when the caller has it already (``None``: computed here when
    needed), as for :func:`finditer_fast`. See :meth:`Scanner.has`.
    """
    scanner = _SCANNERS.get(id(regex))
    if scanner is None or scanner.regex is not regex:
        scanner = scanner_of(regex)
    return scanner.has(text, low)


_SLICE_SAFE: dict[int, tuple[re.Pattern[str], bool]] = {}
_PLAIN_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT)
_WORD_EDGES = (_c.AT_BOUNDARY, _c.AT_NON_BOUNDARY)


def _slice_safe_tree(items: Iterable) -> bool:
    for op, av in items:
        if op in (_c.LITERAL, _c.NOT_LITERAL, _c.IN, _c.ANY):
            continue
        if op is _c.AT and av in _WORD_EDGES:
            continue
        if op is _c.SUBPATTERN:
            if not _slice_safe_tree(av[-1]):
                return False
        elif op is _c.BRANCH:
            if not all(_slice_safe_tree(alternative) for alternative in av[1]):
                return False
        elif op in _PLAIN_REPEATS:
            if not _slice_safe_tree(av[2]):
                return False
        else:  # lookarounds, anchors, atomic groups, possessive repeats, back-references
            return False
    return True


def slice_safe(regex: re.Pattern[str]) -> bool:
    """True when a match of ``regex`` in a slice of a text whose neighbouring characters are
    non-word characters (or the text's ends) is a match in the whole text too, so that
    ``not has_match(regex, text)`` proves that no such slice has a match.

    Holds for a pattern made of characters, classes, groups, alternations, plain (greedy or
    lazy) repeats and ``\\b``/``\\B`` only: a match path in the slice consumes the same
    characters in the text, ``re`` backtracks through every path, and a word edge at the
    slice's ends sees a non-word character or an end either way. Lookarounds, other anchors,
    atomic groups, possessive repeats and back-references are refused (built once per regex).
    """
    entry = _SLICE_SAFE.get(id(regex))
    if entry is None or entry[0] is not regex:
        try:
            safe = isinstance(regex.pattern, str) and _slice_safe_tree(
                _sp.parse(regex.pattern, regex.flags)
            )
        except (re.error, TypeError, ValueError):
            safe = False
        entry = _SLICE_SAFE[id(regex)] = (regex, safe)
    return entry[1]


_AT_START: dict[int, tuple[re.Pattern[str], bool]] = {}


def _starts_at_beginning(regex: re.Pattern[str]) -> bool:
    """True when every match of ``regex`` must start at the string's start (a top-level
    ``^`` or ``\\A`` without ``re.MULTILINE``), so ``search`` is ``match``."""
    entry = _AT_START.get(id(regex))
    if entry is None or entry[0] is not regex:
        at_start = False
        if isinstance(regex.pattern, str) and not regex.flags & re.MULTILINE:
            try:
                items = list(_sp.parse(regex.pattern, regex.flags))
            except (re.error, TypeError, ValueError):
                items = []
            at_start = bool(items) and items[0] in (
                (_c.AT, _c.AT_BEGINNING),
                (_c.AT, _c.AT_BEGINNING_STRING),
            )
        entry = _AT_START[id(regex)] = (regex, at_start)
    return entry[1]


def search_lowered(
    regex: re.Pattern[str], twin: re.Pattern[str] | None, text: str
) -> re.Match[str] | None:
    """``regex.search(text)``, found with the lowered ``twin`` when ``text`` is ASCII."""
    if twin is None or not text.isascii():
        return regex.search(text)
    m = twin.search(text.lower())
    if m is None:
        return None
    real = regex.match(text, m.start())
    if m.start() == m.end() or real is None or real.end() != m.end():
        return regex.search(text)
    return real


# --------------------------------------------------------------------------- anchored scans

_ZERO_WIDTH = (_c.AT, _c.ASSERT, _c.ASSERT_NOT)
_MAX_LEADERS = 200  # a longer list of prefixes is cut back to the shorter ones
_SHORT = 4  # a prefix shorter than this is extended by what must follow it
_MAX_CLASS = 12  # a character class with more members is not a leader
_ASCII_SPACE = "".join(chr(c) for c in range(128) if re.match(r"\s", chr(c)))


def _class_chars(av: list, digits: bool) -> frozenset[str] | None:
    """The lower-cased ASCII characters a small character class (or ``\\d``/``\\s`` when
    ``digits``: on ASCII text only, as they match Unicode digits and spaces too) matches."""
    chars: set[str] = set()
    for op, value in av:
        if op is _c.LITERAL and value < 128:
            chars.add(chr(value).lower())
        elif op is _c.RANGE and value[1] < 128 and value[1] - value[0] < _MAX_CLASS:
            chars.update(chr(c).lower() for c in range(value[0], value[1] + 1))
        elif digits and op is _c.CATEGORY and value is _c.CATEGORY_DIGIT:
            chars.update("0123456789")
        elif digits and op is _c.CATEGORY and value is _c.CATEGORY_SPACE:
            chars.update(_ASCII_SPACE)  # what ``\\s`` matches in ASCII text
        else:
            return None
    return frozenset(chars) if 0 < len(chars) <= _MAX_CLASS else None


def _extend(heads: frozenset[str], items: list, i: int, digits: bool) -> frozenset[str]:
    """``heads`` followed by the leaders of ``items[i:]``, when the heads are short or one
    ends in a space.

    A head that ends a word ("epidural ", "spinal " of ``(?:spinal|epidural) (?:block|…)``)
    occurs in nearly every record as part of something else ("spinal epidural haematoma"),
    so each hit cost a failing ``regex.match``; the word after it makes the leader selective.
    Exact either way: every match starts with a head followed by what ``items[i:]`` must
    start with."""
    if i >= len(items) or (min(map(len, heads)) >= _SHORT and not any(h[-1] == " " for h in heads)):
        return heads
    rest = _lead(items, i, digits)
    if rest is None or len(heads) * len(rest) > _MAX_LEADERS:
        return heads
    return frozenset(h + t for h in heads for t in rest)


def _lead(items: list, i: int = 0, digits: bool = True) -> frozenset[str] | None:
    """Lower-case prefixes one of which the text at every match's start begins with.

    ``None`` when the sequence can start with something that is no literal (a word class,
    an optional part followed by nothing, a back-reference …). Zero-width items (anchors,
    lookarounds) are skipped: they consume nothing, so the first consumed character is
    still the first literal's.
    """
    n = len(items)
    while i < n and items[i][0] in _ZERO_WIDTH:
        i += 1
    if i == n:
        return None
    op, av = items[i]
    if op is _c.LITERAL:
        if av >= 128:
            return None
        j = i
        while j < n and items[j][0] is _c.LITERAL and items[j][1] < 128:
            j += 1
        run = "".join(chr(value).lower() for _op, value in items[i:j])
        return _extend(frozenset([run]), items, j, digits)
    if op is _c.IN:
        chars = _class_chars(av, digits)
        return None if chars is None else _extend(chars, items, i + 1, digits)
    rest = items[i + 1 :]
    if op is _c.SUBPATTERN:
        return _lead([*av[-1], *rest], 0, digits)
    if hasattr(_c, "ATOMIC_GROUP") and op is _c.ATOMIC_GROUP:
        return _lead([*av, *rest], 0, digits)
    if op is _c.BRANCH:
        out: set[str] = set()
        for alternative in av[1]:
            found = _lead([*alternative, *rest], 0, digits)
            if found is None:
                return None
            out |= found
        return frozenset(out)
    if op in _REPEATS:
        low, high, sub = av
        # taken at most once, the rest follows it ("t-?pa" leads with "t-pa" or "tpa"); else
        # the first repetition alone, as later ones may differ
        body = _lead([*sub, *rest] if high == 1 else list(sub), 0, digits)
        if body is None or low >= 1:
            return body
        after = _lead(rest, 0, digits)  # the body may be skipped
        return None if after is None else body | after
    return None


def leaders(pattern: str, flags: int = 0, *, digits: bool = True) -> frozenset[str] | None:
    """Lower-case literals one of which every match of ``pattern`` starts with.

    ``None`` when there is no such list. A character class counts only when it is small and
    ASCII. With ``digits``, ``\\d`` counts as the ten ASCII digits, so the list holds for ASCII
    text only; without it the list holds for any text that :func:`folded` accepts (its
    lower-casing keeps every position, and an ASCII literal matches a character under
    ``re.IGNORECASE`` exactly when the lower-cased character is that literal).
    """
    try:
        found = _lead(list(_sp.parse(pattern, flags)), 0, digits)
    except (re.error, TypeError, ValueError):
        return None
    if not found or len(found) > 4 * _MAX_LEADERS:
        return None
    return found


_Anchors = ahocorasick.Automaton | None
_ANCHORS: dict[int, tuple[re.Pattern[str], _Anchors, _Anchors]] = {}


def _automaton(words: frozenset[str] | None) -> _Anchors:
    if not words:
        return None
    automaton = ahocorasick.Automaton()
    for word in words:
        automaton.add_word(word, len(word) - 1)  # value: start offset back from the end
    automaton.make_automaton()
    return automaton


def anchors_of(regex: re.Pattern[str], ascii: bool = True) -> _Anchors:
    """An automaton of ``regex``'s :func:`leaders` for ASCII text (``ascii``) or for any
    foldable text, built once per regex object (keyed by ``id()``, like :func:`twin_of`)."""
    entry = _ANCHORS.get(id(regex))
    if entry is None or entry[0] is not regex:
        if isinstance(regex.pattern, str):
            for_ascii = leaders(regex.pattern, regex.flags)
            for_any = leaders(regex.pattern, regex.flags, digits=False)
            a = _automaton(for_ascii)
            entry = (regex, a, a if for_any == for_ascii else _automaton(for_any))
        else:
            entry = (regex, None, None)
        _ANCHORS[id(regex)] = entry
    return entry[1] if ascii else entry[2]


class _Split:
    """A top-level alternation whose alternatives mostly start with leaders.

    ``"case report|(?:\\w+\\s+)?case (?:is|was) reported|…"`` has no leader list (one
    alternative may start with any word), so every position would be tried. But an alternative
    that cannot match anywhere in a text does not change any match attempt of the others (they
    are tried in order at each position; a failing one only passes the turn to the next), so on
    a text where every leaderless alternative lacks one of its :func:`required` literal sets, the
    leaders of the other alternatives are the leaders of the whole regex.
    """

    __slots__ = ("blocked", "for_any", "for_ascii")

    def __init__(
        self, for_ascii: _Anchors, for_any: _Anchors, blocked: tuple[tuple[Triggers, ...], ...]
    ) -> None:
        self.for_ascii = for_ascii  # leaders of the leading alternatives, for ASCII text
        self.for_any = for_any  # ... for any foldable text
        self.blocked = blocked  # per leaderless alternative: its required literal sets

    def anchors(self, low: str, ascii: bool) -> _Anchors:
        """The anchors valid for the lower-cased text ``low``, or ``None`` when a leaderless
        alternative may match in it."""
        for sets in self.blocked:
            # the alternative is impossible when one of its required sets is absent from low
            if all(any(t in low for t in found) for found in sets):
                return None
        return self.for_ascii if ascii else self.for_any


def _split_leaders(alternatives: list, digits: bool) -> frozenset[str] | None:
    out: set[str] = set()
    for alternative in alternatives:
        found = _lead(list(alternative), 0, digits)
        if found:
            out |= found
    return frozenset(out) if out and len(out) <= 4 * _MAX_LEADERS else None


def split_of(regex: re.Pattern[str]) -> _Split | None:
    """The :class:`_Split` of a top-level alternation without leaders; ``None`` when the regex
    is no such alternation or a leaderless alternative has no required literal. Built anew on
    each call: :class:`Scanner` keeps it, once per regex."""
    split = None
    try:
        items = (
            list(_sp.parse(regex.pattern, regex.flags)) if isinstance(regex.pattern, str) else []
        )
    except (re.error, TypeError, ValueError):
        items = []
    if len(items) == 1 and items[0][0] is _c.BRANCH:
        alternatives = items[0][1][1]
        leading: list = []
        blocked: list[tuple[Triggers, ...]] = []
        for alternative in alternatives:
            if _lead(list(alternative), 0, True) and _lead(list(alternative), 0, False):
                leading.append(alternative)
                continue
            sets = [c for c in _candidates(list(alternative)) if min(map(len, c)) >= 2]
            if not sets:  # an alternative that may match anywhere: no split
                leading = []
                break
            blocked.append(tuple(sorted(set(sets), key=_selectivity, reverse=True)))
        if blocked and leading:
            for_ascii = _split_leaders(leading, True)
            for_any = _split_leaders(leading, False)
            if for_ascii is not None and for_any is not None:
                a = _automaton(for_ascii)
                split = _Split(
                    a, a if for_any == for_ascii else _automaton(for_any), tuple(blocked)
                )
    return split


# --------------------------------------------------------------------------- whole-word lists

_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
#: ASCII bytes as :class:`WordList` reads them: word characters lower-cased, the rest a space
_WORD_BYTES = bytes(
    c if chr(c) in _WORD_CHARS else (c + 32 if 65 <= c <= 90 else 32) for c in range(256)
)
_MAX_WORDS = 2000
#: what may follow a word of a :class:`WordList` inside the token: nothing, at least one more
#: word character (``\\w+``), any (``\\w*``)
_EXACT, _MORE, _ANY = 0, 1, 2


def _word_tail(op: object, av: object) -> int | None:
    """:data:`_MORE` for ``\\w+``, :data:`_ANY` for ``\\w*`` (greedy or lazy), else ``None``."""
    if op in _PLAIN_REPEATS:
        low, high, sub = av  # type: ignore[misc]
        if (
            high == _c.MAXREPEAT
            and low in (0, 1)
            and list(sub) == [(_c.IN, [(_c.CATEGORY, _c.CATEGORY_WORD)])]
        ):
            return _ANY if low == 0 else _MORE
    return None


def _spell(items: list) -> list[tuple[str, int]] | None:
    """Every (lower-cased word, tail) a sequence spells, or ``None`` when it is not a finite
    spelling of ASCII word characters (with at most a ``\\w+``/``\\w*`` at its end)."""
    out: list[tuple[str, int]] = [("", _EXACT)]
    for op, av in items:
        tail = _word_tail(op, av)
        if tail is not None:
            if any(t != _EXACT for _w, t in out):
                return None
            out = [(w, tail) for w, _t in out]
            continue
        if any(t != _EXACT for _w, t in out):
            return None  # something after a \w+ or \w*
        if op is _c.LITERAL:
            ch = chr(av).lower()  # type: ignore[arg-type]
            if ch not in _WORD_CHARS or av >= 128:  # type: ignore[operator]
                return None
            options: list[tuple[str, int]] | None = [(ch, _EXACT)]
        elif op is _c.BRANCH:
            options = []
            for alternative in av[1]:  # type: ignore[index]
                found = _spell(list(alternative))
                if found is None:
                    return None
                options.extend(found)
        elif op is _c.SUBPATTERN and not av[1] and not av[2]:  # type: ignore[index]
            options = _spell(list(av[-1]))  # type: ignore[index]
        elif op is _c.IN and all(kind is _c.LITERAL for kind, _v in av):  # type: ignore[attr-defined]
            options = []
            for _kind, value in av:  # type: ignore[attr-defined]
                found = _spell([(_c.LITERAL, value)])
                if found is None:
                    return None
                options.extend(found)
        elif op is _c.MAX_REPEAT and av[0] == 0 and av[1] == 1:  # type: ignore[index]
            found = _spell(list(av[2]))  # type: ignore[index]
            if found is None or any(t != _EXACT for _w, t in found):
                return None
            options = [("", _EXACT), *found]
        else:
            return None
        if options is None:
            return None
        out = [(w + o, t) for w, _t in out for o, t in options]
        if len(out) > _MAX_WORDS:
            return None
    return out


class WordList:
    """A regex of the form ``\\b(?:w1|w2|…)\\b`` whose alternatives spell finitely many ASCII
    words (``dogs?``, ``pupp(?:y|ies)``), optionally ending in ``\\w+`` or ``\\w*``
    (``veterinar\\w+``), case-insensitive: on ASCII text it has a match exactly when one of the
    text's tokens (maximal runs of ``[A-Za-z0-9_]``, lower-cased) is such a word (or starts
    with such a prefix and, for ``\\w+``, goes on).

    Why: every character of a spelled word is a word character, so ``\\b`` before it means
    "no word character before" and ``\\b`` after it "none after" (on ASCII text ``\\w`` is
    ``[A-Za-z0-9_]``, and ``re.IGNORECASE`` matches an ASCII letter exactly when lower-casing
    agrees); a ``\\w+``/``\\w*`` tail runs to the token's end, where the closing ``\\b``
    holds. The text is read once as its tokens between spaces (every other character
    becomes a space), so one automaton of " word " keys without any per-position match
    replaces a scan that tries the regex at every leader (a short leader such as "rat" starts
    inside many words: "operation", "duration").
    """

    __slots__ = ("_automaton",)

    def __init__(self, spelled: list[tuple[str, int]]) -> None:
        automaton = ahocorasick.Automaton()
        for word, tail in spelled:
            key = f" {word} " if tail == _EXACT else f" {word}"
            if automaton.get(key, _MORE) == _MORE:  # _ANY/_EXACT need nothing more: keep them
                automaton.add_word(key, tail)
        automaton.make_automaton()
        self._automaton = automaton

    def has(self, low: str) -> bool:
        """True when the lower-cased ASCII text ``low`` holds one of the words."""
        padded = " " + low.encode("ascii").translate(_WORD_BYTES).decode("ascii") + " "
        for end, tail in self._automaton.iter(padded):  # noqa: SIM110 (a loop: hot)
            if tail != _MORE or padded[end + 1] != " ":  # \\w+: the token goes on
                return True
        return False


def word_list(regex: re.Pattern[str]) -> WordList | None:
    """The :class:`WordList` of ``regex``, or ``None`` when it has not that form."""
    if not regex.flags & re.IGNORECASE or not isinstance(regex.pattern, str):
        return None
    try:
        items = list(_sp.parse(regex.pattern, regex.flags))
    except (re.error, TypeError, ValueError):
        return None
    edge = (_c.AT, _c.AT_BOUNDARY)
    if len(items) < 3 or items[0] != edge or items[-1] != edge:
        return None
    spelled = _spell(items[1:-1])
    if not spelled or any(not word for word, _t in spelled):
        return None
    return WordList(spelled)


def finditer_fast(regex: re.Pattern[str], text: str, low: str | None = None) -> list[re.Match[str]]:
    """``list(regex.finditer(text))``, trying ``regex.match`` only where a leader starts (see
    :meth:`Scanner.finditer`)."""
    scanner = _SCANNERS.get(id(regex))
    if scanner is None or scanner.regex is not regex:
        scanner = scanner_of(regex)
    return scanner.finditer(text, low)


def _leader_starts(found: Iterable[tuple[int, int]]) -> list[int]:
    """Distinct start offsets, in order, of the leader hits ``(end, back)`` an anchors
    automaton reports (a match can start only at one of them)."""
    starts = [end - back for end, back in found]
    if len(starts) > 1:
        starts = sorted(set(starts))
    return starts


class TwinScanner:
    """A case-insensitive regex tried, on ASCII text, only where one of its leading literals
    starts (:func:`anchors_of`) and there by its lowered twin
    (:func:`twin_of`) on the lower-cased text.

    The same answers as :func:`has_match` / ``finditer_fast``, which try
    the ``re.IGNORECASE`` regex itself at each leader: on ASCII text the twin matches at a
    position exactly when the regex does, with the same end (``re``'s case-insensitive
    alternations are several times slower than the twin's). A found match is
    matched again by the regex, so callers get the regex's own Match objects; any disagreement,
    an empty match, non-ASCII text or a regex without twin or leaders takes the plain path.
    """

    __slots__ = ("anchors", "own_anchors", "regex", "twin")

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        twin = twin_of(regex)
        anchors = anchors_of(regex)  # leaders valid for ASCII text
        self.own_anchors = anchors
        self.twin = twin if anchors is not None else None
        self.anchors = anchors if twin is not None else None

    def has_match(self, text: str, low: str | None = None) -> bool:
        """``self.regex.search(text) is not None``; ``low`` is ``text.lower()`` when given."""
        twin = self.twin
        if twin is None or not text.isascii():
            return has_match(self.regex, text)
        if low is None:
            low = text.lower()
        match = twin.match
        for end, back in self.anchors.iter(low):  # type: ignore[union-attr]  # noqa: SIM110
            if match(low, end - back) is not None:
                return True
        return False

    def search(self, text: str, low: str | None = None) -> re.Match[str] | None:
        """``self.regex.search(text)``; ``low`` is ``text.lower()`` when given.

        The leftmost match starts at the first leader position (in order) where the regex
        matches, and ``match`` there gives what ``search`` gives. A regex without a twin (one
        that is case-sensitive in part, such as ``(?i:case)\\s+([A-H])``) is matched itself at
        the leaders: lower-casing the text keeps every position of an ASCII text, so a leader
        (lower-cased) still starts wherever a match starts.
        """
        regex = self.regex
        anchors = self.anchors if self.twin is not None else self.own_anchors
        if anchors is None or not text.isascii():
            return regex.search(text)
        if low is None:
            low = text.lower()
        starts = _leader_starts(anchors.iter(low))
        twin = self.twin
        for start in starts:
            if twin is None:
                m = regex.match(text, start)
                if m is not None:
                    return m
                continue
            t = twin.match(low, start)
            if t is not None:
                real = regex.match(text, start)
                if real is None or real.end() != t.end():
                    return regex.search(text)
                return real
        return None

    def finditer(
        self, text: str, low: str | None = None, before: int | None = None
    ) -> list[re.Match[str]]:
        """``list(self.regex.finditer(text))``; ``low`` is ``text.lower()`` when given.

        ``before``: every match's leader ends at or before this offset (a caller that knows a
        literal every match has after its leader passes the literal's last position), so the
        leaders are looked for in ``low[:before]`` only.
        """
        twin = self.twin
        if twin is None or not text.isascii():
            return finditer_fast(self.regex, text)
        if low is None:
            low = text.lower()
        anchors = self.anchors
        found = anchors.iter(low) if before is None else anchors.iter(low, 0, before)  # type: ignore[union-attr]
        starts = _leader_starts(found)
        if not starts:
            return []
        out: list[re.Match[str]] = []
        pos = 0
        match = twin.match
        for start in starts:
            if start < pos:
                continue
            m = match(low, start)
            if m is not None:
                end = m.end()
                real = self.regex.match(text, start)
                if end == start or real is None or real.end() != end:
                    return list(self.regex.finditer(text))
                out.append(real)
                pos = end
        return out


class _Unset:
    """The type of :data:`_UNSET`: a :class:`Scanner` part not built yet (``None`` is a
    valid built value)."""


_UNSET = _Unset()


class Scanner:
    """Everything :func:`has_match` and :func:`finditer_fast` use of one regex, looked up once.

    The anchors (for ASCII and for any foldable text), the :class:`_Split`, whether the
    pattern starts with ``^``, the lowered twin, the :class:`WordList` and the trigger gate
    are each built once per regex object (:func:`anchors_of`, :func:`split_of`,
    :func:`twin_of` …); a scanner binds them, so a caller that keeps it (the screening rules
    keep one per rule) asks no ``id()``-keyed table per call. Its methods are
    :func:`has_match` and :func:`finditer_fast`.
    """

    __slots__ = (
        "_gate",
        "_split",
        "_twin",
        "after",
        "at_start",
        "for_any",
        "for_ascii",
        "regex",
        "words",
    )

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.for_ascii = anchors_of(regex, True)
        self.for_any = anchors_of(regex, False)  # made with for_ascii
        self.at_start = _starts_at_beginning(regex)
        self.words = word_list(regex)
        self.after = _after_literals(regex)
        # built on first use: a regex with anchors rarely needs its split or twin, and each is a
        # parse-tree walk that would only lengthen start-up (screening builds ~70 scanners)
        self._split: _Split | _Unset | None = _UNSET
        self._twin: re.Pattern[str] | _Unset | None = _UNSET
        self._gate: TriggerIndex | None = None

    @property
    def split(self) -> _Split | None:
        """:func:`split_of` the regex (made on first use)."""
        got = self._split
        if isinstance(got, _Unset):
            got = self._split = split_of(self.regex)
        return got

    @property
    def twin(self) -> re.Pattern[str] | None:
        """:func:`twin_of` the regex (made on first use)."""
        got = self._twin
        if isinstance(got, _Unset):
            got = self._twin = twin_of(self.regex)
        return got

    def has(self, text: str, low: str | None = None) -> bool:
        """``regex.search(text) is not None`` (see :func:`has_match`); for a regex that is a
        :class:`WordList`, on ASCII text, its tokens are looked up instead."""
        ascii = text.isascii()
        if ascii and self.words is not None:  # low, when given, is text.lower() here
            return self.words.has(text.lower() if low is None else low)
        anchors = self.for_ascii if ascii else self.for_any
        if anchors is None and self.split is not None:
            if low is None:
                low = text.lower() if ascii else folded(text)
            if low is not None:
                anchors = self.split.anchors(low, ascii)
        if anchors is not None:  # tried where a leading literal starts: no gate needed
            if low is None:
                low = text.lower() if ascii else folded(text)
            if low is not None:
                match = self.regex.match
                after, last = self.after, None  # last: see _after_literals, found on first use
                for end, back in anchors.iter(low):
                    if after:
                        if last is None:
                            last = max(map(low.rfind, after))
                        if end - back > last:
                            continue
                    if match(text, end - back) is not None:
                        return True
                return False
        regex = self.regex
        if self.at_start:  # "^…" without MULTILINE: search is match at 0
            twin = self.twin if ascii else None
            if twin is not None:  # low, when given, is text.lower() for ASCII text
                return twin.match(text.lower() if low is None else low) is not None
            return regex.match(text) is not None
        gate = self._gate
        if gate is None:
            gate = self._gate = TriggerIndex([regex])
        if not gate.may_match(regex, gate.hits(text, low)):
            return False
        if not ascii:
            return regex.search(text) is not None
        twin = self.twin
        if twin is None:
            return regex.search(text) is not None
        return twin.search(text.lower() if low is None else low) is not None

    def finditer(self, text: str, low: str | None = None) -> list[re.Match[str]]:
        """``list(regex.finditer(text))``, trying ``regex.match`` only where a leader starts.

        Every match starts with one of the regex's leaders, so the leftmost match at or after
        a position is the first leader position (in order) where ``regex.match`` succeeds;
        ``match(text, pos)`` sees the text before ``pos`` exactly as a scan does (``\\b``,
        lookbehinds). Text that must not be folded, and regexes without leaders, use
        :func:`finditer_lowered`.
        """
        ascii = text.isascii()
        if ascii:
            anchors = self.for_ascii
            if anchors is not None and low is None:
                low = text.lower()
        else:
            anchors = self.for_any
            if anchors is not None:
                low = folded(text)
                if low is None:
                    anchors = None
        if anchors is None and self.split is not None:
            if low is None:
                low = text.lower() if ascii else folded(text)
            if low is not None:
                anchors = self.split.anchors(low, ascii)
        regex = self.regex
        if anchors is None:
            return finditer_lowered(regex, self.twin, text, low)
        starts = _leader_starts(anchors.iter(low))
        if not starts:
            return []
        last = max(map(low.rfind, self.after)) if self.after else len(low)
        out: list[re.Match[str]] = []
        pos = 0
        match = regex.match
        for start in starts:
            if start > last:  # no match starts here or later (see _after_literals)
                break
            if start < pos:
                continue
            m = match(text, start)
            if m is not None:
                if m.end() == start:  # an empty match: leave the details to the real scan
                    return list(regex.finditer(text))
                out.append(m)
                pos = m.end()
        return out


def _after_literals(regex: re.Pattern[str]) -> tuple[str, ...]:
    """A literal set a match must hold after its start: of the :func:`_candidates` of the
    pattern's top-level concatenation but the first (the one nearest the start), the one with
    the fewest literals, when it has at most four, none under three characters.

    The set comes from a required part of the concatenation, so every match holds one of its
    literals (lower-cased, in the folded text: see :func:`triggers`) inside its own span, hence
    starting at or after the match's start. A position after the last start of every literal
    of the set (``max(map(low.rfind, literals))``, -1 when none occurs) therefore starts no
    match: ``"haematoma … in the epidural space"`` is not tried at a haematoma named after the
    last epidural word. Built once per scanner; empty when the pattern has no such set. One
    set only: each literal costs an ``rfind`` per call, and a second set cut too little to pay
    for its own.
    """
    if not isinstance(regex.pattern, str):
        return ()
    try:
        items = list(_sp.parse(regex.pattern, regex.flags))
    except (re.error, TypeError, ValueError):
        return ()
    while len(items) == 1 and items[0][0] is _c.SUBPATTERN:
        items = list(items[0][1][-1])
    found = [s for s in _candidates(items)[1:] if min(map(len, s)) >= 3 and len(s) <= 4]
    return tuple(sorted(min(found, key=len))) if found else ()


_SCANNERS: dict[int, Scanner] = {}


def scanner_of(regex: re.Pattern[str]) -> Scanner:
    """The :class:`Scanner` of ``regex``, built once per regex object (keyed by ``id()``; the
    scanner holds the regex, so a recycled id is recognised and rebuilt)."""
    scanner = _SCANNERS.get(id(regex))
    if scanner is None or scanner.regex is not regex:
        scanner = _SCANNERS[id(regex)] = Scanner(regex)
    return scanner
