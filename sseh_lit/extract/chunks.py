"""spaCy's tokenizer, with each whitespace-delimited chunk it has seen looked up instead of redone.

spaCy's ``Tokenizer`` cuts a text at whitespace into *chunks* and tokenizes every chunk on its
own (prefixes, suffixes, infixes, exceptions), then runs its special-case matcher over the whole
Doc. It reads the text character by character through Python-level calls, which costs more
than building the same Doc from token ids: :class:`ChunkTokenizer` keeps, for every chunk it
has met, the token ids spaCy gave it, and builds the Doc of a text whose chunks are all known
with ``Doc(vocab, words=ids, spaces=...)``, in about half of the tokenizer's time. The chunks
of a text it has not met go to spaCy in one call, joined by single spaces, and are remembered.

That learning has a price, so the memo pays where words come back: a text whose chunks are all
known takes about 0.05 ms instead of 0.10; with one unseen chunk it still saves about 0.02 ms,
with five it breaks even, with fifteen it costs about 0.05 ms more than spaCy alone. So after
a text with more than :data:`NOVEL` unseen chunks the next few go to spaCy directly: the first
few hundred abstracts of a fresh corpus (15–50 unseen chunks each) cost about 0.01–0.03 ms more
per abstract, texts seen before keep the full gain (``docs/performance.md`` has the figures).

The result is the Doc spaCy's tokenizer gives, token for token (text, offsets, trailing
spaces, lexemes, norms), because:

* spaCy tokenizes a chunk without looking at its neighbours, and the whitespace between chunks
  follows one rule (a single ``" "`` after a chunk is that chunk's trailing space; any other run
  of whitespace is a chunk of its own), reproduced here for texts whose only whitespace is
  single spaces inside lines and newlines between them; any other text goes to spaCy's
  tokenizer whole;
* its special-case matcher changes a match only when the match's text is an exception, and no
  exception holds whitespace but the one-character ones, so a match across chunks changes
  nothing, but it can still shadow a match inside a chunk. Such a match needs two chunks that
  touch with consecutive tokens of an exception's pattern, as the tokens are before exceptions
  apply (:class:`Exceptions` lists the possible ones generously); a text with two such chunks
  goes to spaCy's tokenizer whole, and so do chunks learnt together in one call;
* a chunk whose tokens carry a norm of their own (an exception like "Jan." → "January") is
  never looked up: a Doc built from ids would give the lexeme's norm.

``tests/test_extract_chunks.py`` compares the two on hand-made, random and real texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from itertools import chain, pairwise
from operator import itemgetter
from typing import Any

from spacy.attrs import IDX, LENGTH, NORM, ORTH, SPACY
from spacy.strings import get_string_id
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc

#: A text that brings more unseen chunks than this costs more through the memo than through
#: spaCy alone (learning them is dearer than the look-ups save); after one, the next
#: :data:`SKIP_AFTER_NOVEL` texts go to spaCy directly, so a fresh corpus pays for learning on
#: one text in eight until its words start coming back.
NOVEL = 5
SKIP_AFTER_NOVEL = 7
#: Chunks remembered per tokenizer before the memo starts afresh (a bound on memory; a corpus
#: of tens of thousands of abstracts has far fewer distinct chunks).
MAX_CHUNKS = 500_000


_NOTHING: frozenset[str] = frozenset()


class Exceptions:
    """What spaCy's special-case matcher may look for, from a tokenizer's exception rules.

    The matcher looks for each exception's *pattern* (its text tokenized without exceptions)
    among a Doc's tokens as they are before exceptions apply. ``follow`` maps each token text
    to the texts that follow it in some pattern; :meth:`edges` reads the first/last tokens of
    the patterns a chunk starts/ends with. Generous on purpose (each pattern is also taken as
    tokenized with exceptions and as the rule lists it): a pair here only sends a text to
    spaCy's tokenizer.
    """

    def __init__(self, tokenizer: Tokenizer) -> None:
        plain = Tokenizer(
            tokenizer.vocab,
            rules={},
            prefix_search=tokenizer.prefix_search,
            suffix_search=tokenizer.suffix_search,
            infix_finditer=tokenizer.infix_finditer,
            token_match=tokenizer.token_match,
            url_match=tokenizer.url_match,
        )
        follow: dict[str, set[str]] = {}
        first: dict[str, frozenset[str]] = {}  # exception -> first tokens of its patterns
        last: dict[str, frozenset[str]] = {}  # exception -> last tokens of its patterns
        for text, parts in tokenizer.rules.items():
            patterns = [
                [t.text for t in plain(text)],
                [t.text for t in tokenizer(text)],
                [_orth(p) for p in parts],
            ]
            patterns = [words for words in patterns if words]
            if not patterns:
                continue
            first[text] = frozenset(words[0] for words in patterns)
            last[text] = frozenset(words[-1] for words in patterns)
            for words in patterns:
                for x, y in pairwise(words):
                    follow.setdefault(x, set()).add(y)
        self.follow = {x: frozenset(ys) for x, ys in follow.items()}
        #: ids of the tokens an exception gives a norm (their own or not)
        self.normed = frozenset(
            get_string_id(_orth(p))
            for parts in tokenizer.rules.values()
            for p in parts
            if NORM in p or "NORM" in p
        )
        self.seconds = frozenset().union(*self.follow.values())
        # only the exceptions that can matter to edges(), and by their first / last character
        # the lengths to try, so that a chunk is tested against a few of them
        opening = {text: fs & self.seconds for text, fs in first.items()}
        self._opening = {text: fs for text, fs in opening.items() if fs}
        closing = {
            text: frozenset().union(*(self.follow.get(x, _NOTHING) for x in ls))
            for text, ls in last.items()
        }
        self._closing = {text: fs for text, fs in closing.items() if fs}
        self._open_lengths = _lengths_by(self._opening, 0)
        self._close_lengths = _lengths_by(self._closing, -1)

    def edges(self, chunk: str, first: str, last: str) -> tuple[frozenset[str], frozenset[str]]:
        """(texts that may follow ``chunk``'s last token in a pattern, those of its possible
        first tokens that may follow some token in one), given the first and last tokens spaCy
        gave ``chunk`` alone.

        Before exceptions apply, the first token was ``first``, unless an exception applied at
        the start: ``chunk`` then starts with that exception's text, and its pattern's first
        token was. Likewise at the end.
        """
        n = len(chunk)
        after = self.follow.get(last, _NOTHING)
        for k in self._close_lengths.get(chunk[-1], ()):
            if k <= n and (more := self._closing.get(chunk[-k:])) is not None:
                after = after | more
        opens = frozenset((first,)) if first in self.seconds else _NOTHING
        for k in self._open_lengths.get(chunk[0], ()):
            if k <= n and (more := self._opening.get(chunk[:k])) is not None:
                opens = opens | more
        return after, opens


def _orth(part: dict[Any, Any]) -> str:
    """The text of one token of an exception rule (keyed by the ``ORTH`` id or its name)."""
    return str(part.get(ORTH, part.get("ORTH", "")))


def _lengths_by(texts: dict[str, frozenset[str]], at: int) -> dict[str, tuple[int, ...]]:
    """The lengths of ``texts`` by their character at index ``at`` (0: first, -1: last)."""
    out: dict[str, set[int]] = {}
    for text in texts:
        out.setdefault(text[at], set()).add(len(text))
    return {c: tuple(sorted(lengths)) for c, lengths in out.items()}


class TokenizerWrapper:
    """A tokenizer in front of another one (``self.tokenizer``), whose other attributes it
    forwards (``explain``, ``rules``, ...)."""

    tokenizer: Any

    def __getattr__(self, name: str) -> Any:
        # only for attributes of the wrapped tokenizer: before ``__init__`` has run (copy,
        # pickle) there is none, and looking "tokenizer" up here would recurse without end
        if name == "tokenizer" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.tokenizer, name)


class ChunkTokenizer(TokenizerWrapper):
    """A drop-in for a spaCy ``Tokenizer`` (see the module doc); other attributes are the
    tokenizer's own. ``add_special_case`` goes to the tokenizer and forgets every chunk."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self.tokenizer = tokenizer
        self._vocab = tokenizer.vocab
        self._exceptions = Exceptions(tokenizer)
        self.novel = NOVEL  # (see NOVEL; tests set it higher to test every text's chunks)
        self._skip = 0  # texts still to hand to spaCy directly
        self._forget()

    def _forget(self) -> None:
        """Start the memo afresh (a call in another thread that finds the memo changed under it
        hands its text to spaCy whole: see :meth:`__call__`)."""
        # chunk -> its token ids, each followed by its trailing-space flag (True after the
        # last): one pass over a text's chunks gives both of Doc's lists
        self._entries: dict[str, tuple[int | bool, ...]] = {}
        # (Exceptions.edges) chunk -> the tokens that may not follow its last token; chunk ->
        # those of its possible first tokens that may follow another; chunk -> "r" (in the
        # first), "o" (in the second), "b" (both) or " " (neither), for a one-pass screen
        self._risky: dict[str, frozenset[str]] = {}
        self._opens: dict[str, frozenset[str]] = {}
        self._kinds: dict[str, str] = {}
        self._never: set[str] = set()  # chunks whose tokens carry norms of their own

    def add_special_case(self, string: str, substrings: Any) -> None:
        """spaCy's ``Tokenizer.add_special_case``; the remembered chunks are forgotten."""
        self.tokenizer.add_special_case(string, substrings)
        self._exceptions = Exceptions(self.tokenizer)
        self._forget()

    def __call__(self, text: str) -> Doc:
        if self._skip:
            self._skip -= 1
            return self.tokenizer(text)
        chunks = _chunks(text)
        if chunks is None:
            return self.tokenizer(text)
        seq = list(chain.from_iterable(chunks))
        try:
            both = self._interleaved(chunks)
            touching = self._touching(seq)
        except KeyError:  # a chunk not known yet
            if not self._learn(seq):
                return self.tokenizer(text)
            try:
                both = self._interleaved(chunks)
                touching = self._touching(seq)
            except KeyError:  # the memo started afresh meanwhile (another thread)
                return self.tokenizer(text)
        if touching:
            return self.tokenizer(text)
        return Doc(self._vocab, words=both[0::2], spaces=both[1::2])

    def _interleaved(self, chunks: list[list[str]]) -> list[int | bool]:
        """Token ids and trailing-space flags of ``chunks``, interleaved, nothing after the last
        token of a run (KeyError: a chunk is not known)."""
        entries = self._entries
        out: list[int | bool] = []
        for run in chunks:  # a line, or a run of newlines: nothing after its last token
            if len(run) == 1:
                out.extend(entries[run[0]])
            else:  # one C call for all the look-ups (itemgetter of several keys: a tuple)
                out.extend(chain.from_iterable(itemgetter(*run)(entries)))
            out[-1] = False
        return out

    def _touching(self, seq: list[str]) -> bool:
        """Whether two neighbouring chunks may touch with two consecutive tokens of an
        exception's pattern (:meth:`Exceptions.edges`): spaCy's special-case matcher might
        then match across them. A screen of the chunks' kinds finds the neighbours worth
        testing."""
        if len(seq) < 2:
            return False
        kinds = "".join(itemgetter(*seq)(self._kinds))
        for m in _NEIGHBOURS.finditer(kinds):
            i = m.start()
            if not self._risky[seq[i]].isdisjoint(self._opens[seq[i + 1]]):
                return True
        return False

    def _learn(self, seq: list[str]) -> bool:
        """Tokenize and remember every chunk of ``seq`` not known yet; False if one of them
        may not be looked up (the text then goes to spaCy's tokenizer whole).

        The new chunks go to spaCy in one call, joined by single spaces (a text of unseen
        chunks costs about what spaCy would spend on them in place); newline runs, and every
        chunk of a batch that :meth:`_remember` turns down, go one by one.
        """
        if len(self._entries) > MAX_CHUNKS:
            self._forget()
        entries = self._entries
        never = self._never
        new: dict[str, None] = {}
        for chunk in seq:
            if chunk not in entries:
                if chunk in never:
                    return False
                new[chunk] = None
        if len(new) > self.novel:
            self._skip = SKIP_AFTER_NOVEL
        words = [chunk for chunk in new if "\n" not in chunk]
        if len(words) > 1 and self._remember(words):
            new = {chunk: None for chunk in new if "\n" in chunk}
        for chunk in new:
            if not self._remember([chunk]):
                never.add(chunk)
                return False
        return True

    def _remember(self, new: list[str]) -> bool:
        """Tokenize the chunks ``new`` in one call, joined by single spaces, and remember each
        one's tokens. Nothing is remembered (False) when that may not be what spaCy gives a
        chunk alone: two neighbours may touch with an exception's pattern, or a token carries a
        norm of its own."""
        doc = self.tokenizer(" ".join(new))
        rows = doc.to_array([ORTH, NORM, IDX, LENGTH, SPACY]).tolist()
        exceptions = self._exceptions
        found: list[tuple[str, tuple[int, ...], frozenset[str], frozenset[str]]] = []
        i = offset = 0
        for chunk in new:
            end = offset + len(chunk)
            first = i
            while i < len(rows) and rows[i][2] < end:
                i += 1
            group = rows[first:i]
            if not group or group[0][2] != offset or group[-1][2] + group[-1][3] != end:
                return False
            for row in group[:-1]:
                if row[4]:
                    return False  # a space inside a chunk: not one of spaCy's chunks
            words = tuple([row[0] for row in group])
            if not exceptions.normed.isdisjoint(words) and any(
                norm != self._vocab[orth].norm for orth, norm, *_ in group
            ):
                return False
            # the tokens spell the chunk: the first and last tokens' texts are slices of it
            after, opens = exceptions.edges(
                chunk, chunk[: group[0][3]], chunk[len(chunk) - group[-1][3] :]
            )
            found.append((chunk, words, after, opens))
            offset = end + 1
        if i != len(rows):
            return False
        for (_a, _w, after, _o), (_b, _v, _f, opens) in pairwise(found):
            if after and opens and not after.isdisjoint(opens):
                return False
        # a chunk's entry goes in last: a chunk with an entry has all its facts (a reader in
        # another thread never sees half of them)
        for chunk, words, after, opens in found:
            if after:
                self._risky[chunk] = after
            if opens:
                self._opens[chunk] = opens
            self._kinds[chunk] = "b" if after and opens else "r" if after else "o" if opens else " "
            if len(words) == 1:
                self._entries[chunk] = (words[0], True)
            else:
                entry: list[int | bool] = []
                for word in words:
                    entry += (word, False)
                entry[-1] = True
                self._entries[chunk] = tuple(entry)
        return True


#: Two neighbouring chunks (one letter each in :meth:`ChunkTokenizer._touching`'s string) that
#: might touch with an exception's pattern: the first may end with a pattern's token, the
#: second start with the next one.
_NEIGHBOURS = re.compile(r"[rb](?=[ob])")


def _chunks(text: str) -> list[list[str]] | None:
    """The chunks of ``text`` as spaCy's tokenizer cuts them, grouped in runs after whose last
    chunk no space follows (a line; a run of newlines, itself one chunk), or ``None`` when the
    text has whitespace other than single spaces inside lines and newlines between them, or
    starts or ends with whitespace (spaCy's tokenizer then takes the text whole)."""
    if not text:
        return None
    out: list[list[str]] = []
    newlines = 0
    for line in text.split("\n"):
        if not line:
            newlines += 1
            continue
        if not line.isprintable() or "  " in line or line[0] == " " or line[-1] == " ":
            return None  # other whitespace (printable excludes all but " "), or a space run
        if out:
            out.append(["\n" * (newlines + 1)])
        elif newlines:
            return None  # the text starts with a newline
        newlines = 0
        out.append(line.split(" "))
    if newlines or not out:
        return None  # the text ends with a newline
    return out


def chunk_tokenizer(tokenizer: Callable[[str], Doc]) -> Callable[[str], Doc]:
    """``tokenizer`` wrapped in a :class:`ChunkTokenizer` when it is a spaCy ``Tokenizer``."""
    return ChunkTokenizer(tokenizer) if isinstance(tokenizer, Tokenizer) else tokenizer
