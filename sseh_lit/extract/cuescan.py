"""Cue phrase lists matched by one Aho-Corasick pass per sentence (exact, same matches).

:class:`CueScanner` finds where a phrase of a ``\\b(?:p1|p2|…)\\b``-shaped pattern starts and
tries there only the pattern with the phrases found at that place; :class:`CueIndex` lets every
scanner read in a sentence share one automaton pass, skipped when the sentence's words rule
out every phrase. Used by the clinical and level extractors (the :class:`Cues` lists of
:mod:`sseh_lit.extract.pipeline` are the phrase lists they scan).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import ahocorasick

from ..regex_gate import finditer_lowered, folded, twin_of
from .patients import SentInfo
from .pipeline import Cues, alternation

_ONE_WORD = re.compile(r"[a-z0-9]+")


#: Zero-width starts a :class:`CueScanner` pattern may have before its phrase group.
_LEADS = ("", r"\b", "(?<![A-Za-z])")


def _leads_with(regex: re.Pattern[str], alt: str) -> bool:
    """Does every match of ``regex`` start with one of the phrases of the alternation ``alt``?

    True when the pattern is one of :data:`_LEADS`, then ``(?:alt)`` or ``(alt)``, then a rest
    that neither quantifies that group nor has a ``|`` outside brackets (which would make the
    group one side of a top-level alternative).
    """
    return _around(regex, alt) is not None


def _around(regex: re.Pattern[str], alt: str) -> tuple[str, str] | None:
    """The pattern before and after ``alt`` when :func:`_leads_with` holds, else None."""
    pattern = regex.pattern
    for lead in _LEADS:
        for opening in ("(?:", "("):
            head = lead + opening
            if pattern.startswith(f"{head}{alt})"):
                tail = pattern[len(head) + len(alt) :]
                return (head, tail) if _plain_rest(tail[1:]) else None
    return None


def _plain_rest(rest: str) -> bool:
    """No leading quantifier and no ``|`` at bracket depth 0 in ``rest`` (see _leads_with)."""
    if rest[:1] in ("?", "*", "+", "{"):
        return False
    depth = 0
    i = 0
    while i < len(rest):
        c = rest[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":  # a character class: up to its closing "]" (a first "]" is literal)
            j = i + 1
            if rest[j : j + 1] == "^":
                j += 1
            if rest[j : j + 1] == "]":
                j += 1
            while j < len(rest) and rest[j] != "]":
                j += 2 if rest[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return False
        i += 1
    return True


#: trigger word → the word sets of the phrases it stands for
_Needs = dict[str, tuple[frozenset[str], ...]]

#: A sentence's :meth:`CueIndex.hits`: scanner slot → (start, length) of its phrases' occurrences
Hits = dict[int, list[tuple[int, int]]]


def _grouped(starts: list[tuple[int, int]]) -> list[tuple[int, list[int]]]:
    """(start, phrase lengths there) in the order of the starts."""
    out: list[tuple[int, list[int]]] = []
    for start, n in sorted(starts):
        if out and out[-1][0] == start:
            if n not in out[-1][1]:
                out[-1][1].append(n)
        else:
            out.append((start, [n]))
    return out


def _needs(phrases: Sequence[str], preferred: frozenset[str]) -> _Needs | None:
    """Each lower-cased phrase's word set (its ``[a-z0-9]+`` runs), filed under one of its words
    (one of ``preferred`` when it has one — a :class:`Cues` list's rarer triggers — else its
    longest); ``None`` when a phrase has no word.

    For a ``\\b(?:p1|p2|…)\\b`` pattern of ASCII phrases and an ASCII text, every word of a
    matched phrase is a whole word of the text's :func:`words_of`: inside the phrase a word ends
    at the phrase's own non-alphanumeric characters, and at its edges the ``\\b`` puts a
    non-word character (or the text's end) next to a phrase that starts or ends with a letter or
    digit. So a sentence none of whose phrases has all its words present cannot match
    (:class:`_WordGate`).
    """
    out: dict[str, list[frozenset[str]]] = {}
    for phrase in phrases:
        ws = _ONE_WORD.findall(phrase)
        if not ws:
            return None
        key = max(ws, key=lambda w: (w in preferred, len(w)))
        out.setdefault(key, []).append(frozenset(ws))
    return {key: tuple(sets) for key, sets in out.items()}


class _WordGate:
    """Could a phrase of ``needs`` occur in an ASCII sentence with these :func:`words_of`?

    True when all words of some phrase are among the sentence's words (see :func:`_needs`).
    A key that is a phrase by itself (``sure``) answers at once; for the other keys, one
    further word of each of the key's phrases (``seconds``) must be present before their word
    sets are tested.
    """

    __slots__ = ("keys", "sure", "table")

    def __init__(self, needs: _Needs) -> None:
        #: all keys
        self.keys = frozenset(needs)
        #: the keys that are one-word phrases themselves
        self.sure = frozenset(k for k, sets in needs.items() if any(len(s) == 1 for s in sets))
        #: other key → (a word of each of its phrases besides the key, the phrases' word sets)
        self.table: dict[str, tuple[frozenset[str], tuple[frozenset[str], ...]]] = {
            key: (frozenset(max(sorted(need - {key}), key=len) for need in sets), sets)
            for key, sets in needs.items()
            if key not in self.sure
        }

    def may_occur(self, words: frozenset[str]) -> bool:
        present = self.keys.intersection(words)  # (one pass over the words; usually empty)
        if not present:
            return False
        if not self.sure.isdisjoint(present):
            return True
        table = self.table
        for key in present:
            seconds, sets = table[key]
            if not seconds.isdisjoint(words) and any(map(words.issuperset, sets)):
                return True
        return False


#: Up to this many phrases, :meth:`CueScanner.occurs` tests each as a substring.
_FEW = 12


class CueScanner:
    """A phrase list matched with an Aho-Corasick automaton instead of its long alternation.

    Python's ``re`` tries every phrase of ``\\b(?:p1|p2|…)\\b`` at every position of a
    sentence, which costs tens of microseconds for the 200 outcome phrases. The scanner instead
    lists where a phrase starts in the lower-cased text (one automaton pass; for a sentence, one
    pass of a :class:`CueIndex` serves all its scanners) and tries the regex only there, and
    only with the phrases that start there (:meth:`_at`).

    Exactness: the regex starts with ``(?:p1|…)`` or ``(p1|…)``, unquantified and not inside a
    top-level ``|``, after at most a zero-width ``\\b`` or ``(?<![A-Za-z])``; so every match
    starts with a phrase, whatever follows (``\\b``, more pattern). On a text
    without the four characters that ``re.IGNORECASE`` folds to ASCII letters
    (:func:`sseh_lit.regex_gate.folded`), an ASCII phrase can only match where the lower-cased
    phrase occurs in the lower-cased text (same length: only "İ" grows when lower-cased). The
    first such position where ``regex.match`` succeeds is therefore where ``regex.search``
    stops, with the very same Match; going on from each match's end gives ``regex.finditer``.
    Any other text, a non-ASCII phrase or a pattern of another shape takes the original path.
    With a sentence's words, a ``\\b(?:…)\\b`` list is not scanned at all when no phrase has
    all its words there (:func:`_needs`).
    """

    def __init__(
        self, regex: re.Pattern[str], phrases: Sequence[str], cues: Cues | None = None
    ) -> None:
        self.regex = regex
        self.cues = cues
        self.slot = -1  # position in its CueIndex (see there)
        self.index: CueIndex | None = None
        alt = alternation(list(phrases))
        self.phrases: tuple[str, ...] = ()
        self.automaton: ahocorasick.Automaton | None = None
        #: the lower-cased phrases when each is one word between ``\b``s (see :meth:`found`)
        self.single: frozenset[str] | None = None
        #: trigger word → the word sets of the phrases it stands for (see :func:`_needs`)
        self.needs: _Needs | None = None
        self.gate: _WordGate | None = None  # the test of :attr:`needs`
        self.bare = False
        around = _around(regex, alt)
        if around is None or not all(p and p.isascii() for p in phrases):
            return
        self.phrases = tuple(p.lower() for p in phrases)
        #: the pattern around the alternation, for the one-phrase patterns (see :meth:`_at`)
        self.around = around
        #: the pattern is the bare alternation ``(?:p1|…)`` (see :meth:`occurs`)
        self.bare = around == ("(?:", ")")
        #: each escaped phrase's place in the alternation (``alternation``'s order)
        self.rank: dict[str, int] = {}
        #: lower-cased phrase → its escaped forms (case variants), in alternation order
        self.variants: dict[str, tuple[str, ...]] = {}
        for esc, low in sorted(
            ((re.escape(p), p.lower()) for p in phrases), key=lambda t: len(t[0]), reverse=True
        ):
            if esc not in self.rank:
                self.rank[esc] = len(self.rank)
                self.variants[low] = (*self.variants.get(low, ()), esc)
        #: lower-cased phrase → its one-phrase patterns (see :meth:`_patterns`)
        self.one: dict[str, tuple[re.Pattern[str], ...]] = {}
        #: the same for several phrases that start at one place (see :meth:`_at`)
        self.merged: dict[tuple[str, ...], tuple[re.Pattern[str], ...]] = {}
        automaton = ahocorasick.Automaton()
        for low in self.phrases:
            automaton.add_word(low, len(low))
        automaton.make_automaton()
        self.automaton = automaton
        if regex.pattern == rf"\b(?:{alt})\b" and all(_ONE_WORD.fullmatch(w) for w in self.phrases):
            self.single = frozenset(self.phrases)
        if regex.pattern in (rf"\b(?:{alt})\b", rf"\b({alt})\b"):
            self.needs = _needs(self.phrases, cues.triggers if cues is not None else frozenset())
            self.gate = None if self.needs is None else _WordGate(self.needs)

    @classmethod
    def of(cls, cues: Cues) -> CueScanner:
        """The scanner of a :class:`Cues` list (its regex and phrases)."""
        return cls(cues.regex, cues.phrases, cues)

    def may_match(self, words: frozenset[str]) -> bool:
        """:meth:`Cues.may_match`: could a sentence with these words match at all?"""
        return self.cues is None or self.cues.may_match(words)

    def _patterns(self, low: str) -> tuple[re.Pattern[str], ...]:
        """The one-phrase patterns of the phrases that lower-case to ``low``, in alternation
        order (compiled on first use; see :meth:`_at`)."""
        got = self.one.get(low)
        if got is None:
            escs = self.variants.get(low)
            if escs is None:  # (not expected: ``low`` was found in the lower-cased text)
                return (self.regex,)
            head, tail = self.around
            got = self.one[low] = tuple(
                re.compile(head + esc + tail, self.regex.flags) for esc in escs
            )
        return got

    def _at(self, text: str, start: int, lengths: Sequence[int]) -> re.Match[str] | None:
        """``regex.match(text, start)``, where the phrases of these lengths start at ``start``.

        The regex tries its alternatives in order, each followed by the rest of the pattern;
        only those whose phrase occurs at ``start`` can match, so the first of them with which
        the pattern matches (the pattern with that phrase as its only alternative: same groups,
        same flags) gives the regex's Match span and groups. A one-phrase pattern is much
        cheaper than trying all the alternatives, each lower-casing the text as it goes.
        """
        if len(lengths) == 1:
            patterns = self._patterns(text[start : start + lengths[0]].lower())
        else:  # several phrases start here: theirs merged in alternation order
            lows = tuple(sorted({text[start : start + n].lower() for n in lengths}))
            patterns = self.merged.get(lows)  # type: ignore[assignment]
            if patterns is None:
                if any(low not in self.variants for low in lows):
                    patterns = (self.regex,)  # (not expected, as in _patterns)
                else:
                    by_esc: dict[str, re.Pattern[str]] = {}
                    for low in lows:
                        by_esc.update(zip(self.variants[low], self._patterns(low), strict=True))
                    patterns = tuple(by_esc[e] for e in sorted(by_esc, key=self.rank.__getitem__))
                self.merged[lows] = patterns
        for pattern in patterns:
            m = pattern.match(text, start)
            if m is not None:
                return m
        return None

    def _first(self, text: str, starts: list[tuple[int, int]]) -> re.Match[str] | None:
        """The first match at one of these (start, phrase length) places."""
        if len(starts) == 1:  # the common case, inlined
            start, n = starts[0]
            patterns = self.one.get(text[start : start + n].lower())
            if patterns is None:
                patterns = self._patterns(text[start : start + n].lower())
            for pattern in patterns:
                m = pattern.match(text, start)
                if m is not None:
                    return m
            return None
        for start, lengths in _grouped(starts):
            m = self._at(text, start, lengths)
            if m is not None:
                return m
        return None

    def _all(self, text: str, starts: list[tuple[int, int]]) -> list[re.Match[str]]:
        """The matches ``finditer`` finds, tried at these (start, phrase length) places."""
        if len(starts) == 1:
            m = self._first(text, starts)
            return [] if m is None else [m]
        out: list[re.Match[str]] = []
        pos = 0
        for start, lengths in _grouped(starts):
            if start < pos:
                continue
            m = self._at(text, start, lengths)
            if m is not None:
                out.append(m)
                pos = m.end()  # a phrase is never empty: finditer goes on from here
        return out

    def _starts(self, text: str) -> list[tuple[int, int]] | None:
        """Where a phrase starts in ``text``, with its length (``None``: the text must take the
        original path)."""
        if self.automaton is None:
            return None
        low = folded(text)
        if low is None:
            return None
        return [(end - n + 1, n) for end, n in self.automaton.iter(low)]

    def search(self, text: str, words: frozenset[str] | None = None) -> re.Match[str] | None:
        """``regex.search(text)``; for a :class:`Cues` list ``cues.search(text, words)``."""
        if words is not None and not self.may_match(words):
            return None
        starts = self._starts(text)
        if starts is None:
            return self.regex.search(text) if self.cues is None else self.cues.search(text, words)
        return self._first(text, starts) if starts else None

    def finditer(self, text: str, words: frozenset[str] | None = None) -> list[re.Match[str]]:
        """``list(regex.finditer(text))``; for a :class:`Cues` list ``cues.finditer(text, words)``."""
        if words is not None and not self.may_match(words):
            return []
        starts = self._starts(text)
        if starts is None:
            if self.cues is None:
                return finditer_lowered(self.regex, twin_of(self.regex), text)
            return list(self.cues.finditer(text, words))
        return self._all(text, starts) if starts else []

    def absent(self, info: SentInfo) -> bool:
        """Do the sentence's words prove that no phrase occurs in it (see :func:`_needs`)?"""
        gate = self.gate
        return gate is not None and info.text.isascii() and not gate.may_occur(info.words)

    def search_in(self, info: SentInfo) -> re.Match[str] | None:
        """:meth:`search` of a sentence with its words, through the sentence's index."""
        hits = self.index.hits(info) if self.index is not None else None
        if hits is None:
            if self.absent(info):
                return None
            return self.search(info.text, info.words)
        starts = hits.get(self.slot)
        return self._first(info.text, starts) if starts else None

    def search_hit(self, info: SentInfo, hits: Hits | None) -> re.Match[str] | None:
        """:meth:`search_in` with ``hits = self.index.hits(info)`` already read by the caller."""
        if hits is None:
            return None if self.absent(info) else self.search(info.text, info.words)
        starts = hits.get(self.slot)
        return self._first(info.text, starts) if starts else None

    def finditer_hit(self, info: SentInfo, hits: Hits | None) -> list[re.Match[str]]:
        """:meth:`finditer_in` with ``hits = self.index.hits(info)`` already read by the caller."""
        if hits is None:
            return [] if self.absent(info) else self.finditer(info.text, info.words)
        starts = hits.get(self.slot)
        return self._all(info.text, starts) if starts else []

    def finditer_in(self, info: SentInfo) -> list[re.Match[str]]:
        """:meth:`finditer` of a sentence with its words, through the sentence's index."""
        hits = self.index.hits(info) if self.index is not None else None
        if hits is None:
            if self.absent(info):
                return []
            return self.finditer(info.text, info.words)
        starts = hits.get(self.slot)
        return self._all(info.text, starts) if starts else []

    def occurs(self, text: str) -> bool:
        """``search(text) is not None``.

        A pattern that is only ``(?:p1|p2|…)`` matches wherever a phrase occurs, so on text
        :func:`folded` accepts it is a substring test of the lower-cased text per phrase
        (cheaper than the automaton pass for a short list).
        """
        if self.bare and len(self.phrases) <= _FEW:
            low = folded(text)
            if low is not None:
                return any(map(low.__contains__, self.phrases))
        return self.search(text) is not None

    def found(self, info: SentInfo) -> bool:
        """Does the cue occur in the sentence (``search_in(info) is not None``)?

        When every phrase is one word between ``\\b``s and the sentence is ASCII without an
        underscore (the only ASCII word character :func:`words_of` splits on), a match is
        exactly one of the phrases among the sentence's words: no regex runs at all.
        """
        text = info.text
        if self.single is not None and text.isascii() and "_" not in text:
            return not self.single.isdisjoint(info.words)
        return self.search_in(info) is not None


class CueIndex:
    """One automaton of the phrases of several :class:`CueScanner` s, read once per sentence.

    ``hits(info)`` maps each scanner's slot to the positions where one of its phrases starts in
    the lower-cased sentence (kept in ``info.memo``); a scanner without an entry cannot match.
    A sentence whose words include no trigger of any scanner (see :meth:`Cues.may_match`), or,
    when ASCII, not all words of any one phrase (see :func:`_needs`), is not even read: none of
    them can match it.
    """

    def __init__(self, key: str, scanners: Sequence[CueScanner]) -> None:
        self.key = key  # the info.memo key of a sentence's hits
        slots: dict[str, list[int]] = {}
        triggers: set[str] | None = set()
        needs: dict[str, list[frozenset[str]]] | None = {}
        for k, scanner in enumerate(scanners):
            if scanner.automaton is None:
                continue  # it takes its own path
            scanner.slot, scanner.index = k, self
            for low in scanner.phrases:
                slots.setdefault(low, []).append(k)
            own = _triggers(scanner)
            triggers = None if own is None or triggers is None else triggers | own
            if scanner.needs is None or needs is None:
                needs = None
            else:
                for key, sets in scanner.needs.items():
                    needs.setdefault(key, []).extend(sets)
        #: a word of every phrase of every scanner, or None (no such pre-check)
        self.triggers = None if triggers is None else frozenset(triggers)
        #: the test of every scanner's :attr:`CueScanner.needs` together, or None (not all have
        #: them)
        self.gate = (
            None if needs is None else _WordGate({k: tuple(sets) for k, sets in needs.items()})
        )
        automaton = ahocorasick.Automaton()
        for low, ks in slots.items():
            automaton.add_word(low, (len(low), tuple(sorted(set(ks)))))
        if slots:
            automaton.make_automaton()
        self.automaton = automaton

    def hits(self, info: SentInfo) -> Hits | None:
        """Slot → phrase starts in ``info.text``; ``None`` when the text must not be indexed."""
        got = info.memo.get(self.key)
        if got is None:
            text = info.text
            if self.gate is not None and text.isascii():
                # (a phrase with all its words present has its trigger present too)
                absent = not self.gate.may_occur(info.words)
            else:
                absent = self.triggers is not None and self.triggers.isdisjoint(info.words)
            if absent:
                got = {}  # no scanner can match
            elif (low := folded(text)) is None:
                got = False
            else:
                got = {}
                for end, (n, ks) in self.automaton.iter(low):
                    place = (end - n + 1, n)
                    for k in ks:
                        starts = got.get(k)
                        if starts is None:
                            got[k] = [place]
                        else:
                            starts.append(place)
            info.memo[self.key] = got
        return got if got is not False else None  # type: ignore[return-value]

    def empty(self, info: SentInfo) -> bool:
        """True when no scanner of the index can match the sentence."""
        return self.hits(info) == {}


_PHRASE_WORDS = re.compile(r"[a-z0-9]+(?:[^a-z0-9]+[a-z0-9]+)*")


def _triggers(scanner: CueScanner) -> frozenset[str] | None:
    """Words of which every match of ``scanner`` contains one as a whole word, or None.

    A :class:`Cues` list has its triggers. A ``\\b(p1|…)\\b`` pattern whose phrases start and
    end with a letter or digit has every word of the matched phrase as a whole word of the
    text, so the longest word of each phrase serves.
    """
    cues = scanner.cues
    if cues is not None:
        return None if cues.always else cues.triggers
    alt = alternation(list(scanner.phrases))
    if scanner.regex.pattern not in (rf"\b({alt})\b", rf"\b(?:{alt})\b"):
        return None
    if not all(_PHRASE_WORDS.fullmatch(p) for p in scanner.phrases):
        return None
    return frozenset(max(_ONE_WORD.findall(p), key=len) for p in scanner.phrases)
