"""NCBI E-utilities over HTTP: esearch and efetch, with NCBI's etiquette in one place.

* ``tool``, ``email`` (``$NCBI_EMAIL``) and ``api_key`` (``$NCBI_API_KEY``) go on every request.
* One rate limiter for the whole process (:data:`LIMITER`): requests are spaced at least
  ``1.1 / rate`` seconds apart (rate 3/s, or 10/s with an API key), so no window ``[t, t+1 s)``
  ever holds more than ``rate`` requests, even with a little network jitter.
* Transient failures are retried with exponential backoff and jitter: HTTP 429 (honouring
  ``Retry-After``), 5xx, timeouts, connections dropped while the body is read, and a 200 whose XML
  is cut off, is not XML, or carries a transient ``<ERROR>`` ("Search Backend failed", "Unable to
  obtain query"). After ``max_retries`` the call raises :class:`~sseh_lit.errors.NetworkError`.
* Permanent failures raise :class:`~sseh_lit.errors.EutilsError` at once: other 4xx, an unknown
  database, a malformed term. A search with no hits (``PhraseNotFound``) is an empty result.
* esearch returns at most 10,000 IDs; :meth:`EutilsClient.search_ids` splits a larger result into
  date windows (recursively halved) automatically.
"""

from __future__ import annotations

import email.utils
import http.client
import logging
import random
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.parsers.expat
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from .. import __version__
from ..config import TOOL_NAME, eutils_url, ncbi_api_key, ncbi_email
from ..errors import ConfigError, EutilsError, NetworkError

log = logging.getLogger(__name__)

#: esearch's hard limit on the IDs one search can return (retstart + retmax ≤ 10,000).
MAX_SEARCH_IDS = 10_000
#: IDs per efetch request above which the IDs are POSTed instead of put in the URL.
POST_THRESHOLD = 200
#: Spacing factor on top of 1/rate: 10 % slack absorbs jitter between sending and arrival.
RATE_MARGIN = 0.10
#: Date range used to split a search by publication date when no window was given.
EARLIEST_DATE = date(1700, 1, 1)

#: ``<ERROR>`` texts that will not go away on a retry (checked case-insensitively).
_PERMANENT_ERROR = re.compile(
    r"invalid db|unknown db|db name|not supported|malformed|syntax"
    r"|invalid (query|term|parameter|uid|id)\b|unrecognized|retstart|retmax",
    re.IGNORECASE,
)
_EMPTY_ID_LIST = re.compile(r"id list is empty|no correct ids", re.IGNORECASE)
_EMPTY_ARTICLE_SET = b'<?xml version="1.0" ?>\n<PubmedArticleSet></PubmedArticleSet>\n'


class RateLimiter:
    """Spaces requests so that no window of one second ever holds more than ``rate`` of them.

    Thread-safe; the process shares :data:`LIMITER`, so several clients (or threads) together
    still respect NCBI's per-IP limit.
    """

    def __init__(self, margin: float = RATE_MARGIN) -> None:
        self.margin = margin
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self, rate: float) -> None:
        """Block until the next request may be sent at ``rate`` requests per second."""
        interval = (1.0 / rate) * (1.0 + self.margin)
        with self._lock:
            now = time.monotonic()
            if now < self._next:
                time.sleep(self._next - now)
                now = time.monotonic()
            self._next = now + interval


#: The one limiter for the whole process.
LIMITER = RateLimiter()


class _Transient(Exception):
    """A failure worth retrying; ``retry_after`` is the server's requested wait, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass
class SearchResult:
    """One esearch answer."""

    count: int
    ids: list[str]
    webenv: str | None = None
    query_key: str | None = None
    translation: str | None = None


@dataclass
class SearchIds:
    """Every ID a search matched, gathered over pages and date windows."""

    ids: list[str]
    count: int  # the count esearch reported for the whole search
    windows: list[tuple[str, str]] = field(default_factory=list)  # date windows when split


@dataclass
class _XmlInfo:
    root: str = ""
    errors: list[str] = field(default_factory=list)


def checked_base_url(url: str) -> str:
    """``url`` if it is an http(s) URL with a host and a valid port; ConfigError otherwise.

    Caught before the first request: a typo in ``NCBI_EUTILS_URL`` is a message, not a Python
    ValueError deep in urllib, nor nine retries against a scheme or port that cannot work.
    """
    problem = f"the E-utilities URL {url!r} (NCBI_EUTILS_URL) is not an http(s) URL with a host"
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port outside 0-65535
    except ValueError as e:
        raise ConfigError(f"{problem}: {e}") from e
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{problem}, e.g. https://eutils.ncbi.nlm.nih.gov/entrez/eutils/")
    return url


class EutilsClient:
    """A polite E-utilities client. Counts every HTTP request it sends in :attr:`requests`.

    Arguments beat the environment (``NCBI_EUTILS_URL``, ``NCBI_EMAIL``, ``NCBI_API_KEY``).
    ``sleep`` and ``rng`` are injectable so tests need not wait for real backoff.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        email: str | None = None,
        api_key: str | None = None,
        tool: str = TOOL_NAME,
        rate: float | None = None,
        timeout: float = 60.0,
        max_retries: int = 8,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        max_retry_after: float = 120.0,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.base_url = checked_base_url(eutils_url(base_url))
        self.email = ncbi_email(email)
        self.api_key = ncbi_api_key(api_key)
        self.tool = tool
        self.rate = rate if rate is not None else (10.0 if self.api_key else 3.0)
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_retry_after = max_retry_after
        self.limiter = limiter or LIMITER
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.requests = 0  # HTTP requests sent, retries included
        self.retries = 0

    # --- E-utilities ----------------------------------------------------------------------------

    def esearch(
        self,
        term: str,
        *,
        db: str = "pubmed",
        retstart: int = 0,
        retmax: int = MAX_SEARCH_IDS,
        mindate: str | date | None = None,
        maxdate: str | date | None = None,
        datetype: str | None = None,
        usehistory: bool = True,
    ) -> SearchResult:
        """One esearch call (history server on by default); zero hits is an empty result."""
        params: dict[str, str] = {
            "db": db,
            "term": term,
            "retstart": str(retstart),
            "retmax": str(min(retmax, MAX_SEARCH_IDS)),
        }
        if usehistory:
            params["usehistory"] = "y"
        if mindate or maxdate:
            params["mindate"] = _eutils_date(mindate or EARLIEST_DATE)
            params["maxdate"] = _eutils_date(maxdate or _latest_date())
            params["datetype"] = datetype or "pdat"
        body = self.call("esearch.fcgi", params, expect_root="eSearchResult")
        return _parse_esearch(body)

    def search_ids(
        self,
        term: str,
        *,
        db: str = "pubmed",
        mindate: str | date | None = None,
        maxdate: str | date | None = None,
        datetype: str | None = None,
    ) -> SearchIds:
        """Every ID ``term`` matches, paging and splitting into date windows past 10,000 hits.

        A window with more than 10,000 hits is halved (by ``datetype``, publication date by
        default) until each part fits; the parts are merged without duplicates.
        """
        datetype = datetype or "pdat"
        lo = _as_date(mindate) if mindate else None
        hi = _as_date(maxdate) if maxdate else None
        first = self.esearch(term, db=db, mindate=lo, maxdate=hi, datetype=datetype)
        result = SearchIds(ids=[], count=first.count)
        seen: set[str] = set()
        self._gather(term, db, datetype, lo, hi, first, result, seen)
        if len(result.ids) < first.count and not result.windows:
            log.warning("esearch reported %d hits but returned %d", first.count, len(result.ids))
        return result

    def _gather(
        self,
        term: str,
        db: str,
        datetype: str,
        lo: date | None,
        hi: date | None,
        found: SearchResult,
        result: SearchIds,
        seen: set[str],
    ) -> None:
        if found.count > MAX_SEARCH_IDS:
            lo = lo or EARLIEST_DATE
            hi = hi or _latest_date()
            if lo >= hi:
                raise EutilsError(
                    f"more than {MAX_SEARCH_IDS:,} records on {lo.isoformat()} ({datetype}); "
                    "esearch cannot list them: narrow the query"
                )
            mid = lo + (hi - lo) // 2
            log.info("%d hits: splitting %s..%s at %s", found.count, lo, hi, mid)
            halves = [(lo, mid), (mid + timedelta(days=1), hi)]
            parts = [
                self.esearch(term, db=db, mindate=a, maxdate=b, datetype=datetype)
                for a, b in halves
            ]
            if sum(p.count for p in parts) > found.count * 1.01 + 100:
                raise EutilsError(
                    f"date windows do not split the {found.count:,} hits (the server seems to "
                    f"ignore mindate/maxdate for datetype={datetype}); cannot list them all"
                )
            for (a, b), part in zip(halves, parts, strict=True):
                self._gather(term, db, datetype, a, b, part, result, seen)
            return
        if lo or hi:
            result.windows.append(
                ((lo or EARLIEST_DATE).isoformat(), (hi or _latest_date()).isoformat())
            )
        ids = list(found.ids)
        while len(ids) < found.count:  # a server that pages below 10,000
            page = self.esearch(
                term, db=db, retstart=len(ids), mindate=lo, maxdate=hi, datetype=datetype
            )
            if not page.ids:
                break
            ids.extend(page.ids)
        for pmid in ids:
            if pmid not in seen:
                seen.add(pmid)
                result.ids.append(pmid)

    def efetch(
        self,
        ids: Sequence[str] | None = None,
        *,
        webenv: str | None = None,
        query_key: str | None = None,
        retstart: int = 0,
        retmax: int | None = None,
        db: str = "pubmed",
    ) -> bytes:
        """Full PubMed XML for ``ids`` (POSTed when ≥ 200) or for a history-server result page.

        Returns well-formed ``<PubmedArticleSet>`` bytes; IDs PubMed no longer has are simply
        absent from it.
        """
        params: dict[str, str] = {"db": db, "retmode": "xml"}
        if ids is not None:
            if not ids:
                return _EMPTY_ARTICLE_SET
            params["id"] = ",".join(str(i) for i in ids)
            post = len(ids) >= POST_THRESHOLD
        elif webenv and query_key:
            params.update(WebEnv=webenv, query_key=str(query_key), retstart=str(retstart))
            if retmax is not None:
                params["retmax"] = str(retmax)
            post = False
        else:
            raise ValueError("efetch needs ids or webenv + query_key")
        return self.call("efetch.fcgi", params, post=post, expect_root="PubmedArticleSet")

    # --- transport ------------------------------------------------------------------------------

    def call(
        self, endpoint: str, params: dict[str, str], *, post: bool = False, expect_root: str
    ) -> bytes:
        """Send one E-utility request, retrying transient failures; the checked XML body."""
        params = {**params, "tool": self.tool}
        if self.email:
            params["email"] = self.email
        if self.api_key:
            params["api_key"] = self.api_key
        url = self.base_url + endpoint
        query = urllib.parse.urlencode(params)
        last = ""
        for attempt in range(self.max_retries + 1):
            if attempt:
                self.retries += 1
            try:
                body = self._send(url, query, post)
                return _check(body, endpoint, expect_root)
            except _Transient as e:
                last = str(e)
                if attempt == self.max_retries:
                    break
                delay = self._delay(attempt, e.retry_after)
                log.warning(
                    "%s: %s; retry %d/%d in %.1f s",
                    endpoint,
                    last,
                    attempt + 1,
                    self.max_retries,
                    delay,
                )
                self._sleep(delay)
        raise NetworkError(
            f"{endpoint} kept failing after {self.max_retries + 1} attempts (last: {last}); "
            f"check the network and {self.base_url}, then run again"
        )

    def _send(self, url: str, query: str, post: bool) -> bytes:
        self.limiter.wait(self.rate)
        self.requests += 1
        headers = {"User-Agent": f"{TOOL_NAME}/{__version__}"}
        if post:
            request = urllib.request.Request(url, data=query.encode(), headers=headers)
        else:
            request = urllib.request.Request(f"{url}?{query}", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as e:
            detail = _error_detail(e)
            if e.code == 429 or e.code >= 500:
                retry_after = _retry_after(e.headers.get("Retry-After")) if e.headers else None
                raise _Transient(f"HTTP {e.code} {detail}".strip(), retry_after) from e
            raise EutilsError(
                f"NCBI rejected the request to {url.rsplit('/', 1)[-1]} (HTTP {e.code}): "
                f"{detail or e.reason}"
            ) from e
        except TimeoutError as e:
            raise _Transient(f"timed out after {self.timeout:g} s") from e
        except urllib.error.URLError as e:
            raise _Transient(f"cannot connect: {e.reason}") from e
        except (http.client.HTTPException, ConnectionError, OSError) as e:
            raise _Transient(f"connection dropped: {type(e).__name__} {e}".strip()) from e

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Exponential backoff with jitter; never shorter than the server's ``Retry-After``."""
        delay = min(self.max_backoff, self.backoff * (2**attempt)) * self._rng.uniform(0.5, 1.0)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.max_retry_after))
        return delay


# --- response checks ------------------------------------------------------------------------


def _check(body: bytes, endpoint: str, expect_root: str) -> bytes:
    """Raise _Transient/EutilsError unless ``body`` is a complete answer with the expected root."""
    if not body.strip():
        raise _Transient("empty response body")
    info = _scan_xml(body)
    for message in info.errors:
        if _EMPTY_ID_LIST.search(message) and expect_root == "PubmedArticleSet":
            return _EMPTY_ARTICLE_SET
        if _PERMANENT_ERROR.search(message):
            raise EutilsError(f"NCBI {endpoint} error: {message}")
    if info.errors:
        raise _Transient(f"NCBI reported: {'; '.join(info.errors)}")
    if info.root != expect_root:
        raise _Transient(f"unexpected answer <{info.root}> (expected <{expect_root}>)")
    return body


def _scan_xml(body: bytes) -> _XmlInfo:
    """Root tag and non-empty top-level ``<ERROR>`` texts; _Transient if cut off or not XML."""
    info = _XmlInfo()
    depth = 0
    capture: list[str] | None = None

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal depth, capture
        depth += 1
        if depth == 1:
            info.root = name
        elif depth == 2 and name == "ERROR":
            capture = []

    def end(name: str) -> None:
        nonlocal depth, capture
        if depth == 2 and name == "ERROR" and capture is not None:
            text = " ".join("".join(capture).split())
            if text:
                info.errors.append(text)
            capture = None
        depth -= 1

    def chars(data: str) -> None:
        if capture is not None:
            capture.append(data)

    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(body, True)
    except xml.parsers.expat.ExpatError as e:
        head = body[:80].decode("utf-8", "replace").strip().lower()
        kind = "an HTML page" if "<html" in head or "<!doctype html" in head else "broken XML"
        raise _Transient(f"response is {kind} ({e})") from e
    return info


def _parse_esearch(body: bytes) -> SearchResult:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(body)
    count_text = (root.findtext("Count") or "0").strip()
    return SearchResult(
        count=int(count_text) if count_text.isdigit() else 0,
        ids=[(e.text or "").strip() for e in root.findall("IdList/Id") if (e.text or "").strip()],
        webenv=(root.findtext("WebEnv") or "").strip() or None,
        query_key=(root.findtext("QueryKey") or "").strip() or None,
        translation=(root.findtext("QueryTranslation") or "").strip() or None,
    )


def _error_detail(e: urllib.error.HTTPError) -> str:
    try:
        raw = e.read(2000)
    except (OSError, http.client.HTTPException):
        return ""
    text = raw.decode("utf-8", "replace")
    match = re.search(r"<ERROR>(.*?)</ERROR>", text, re.S) or re.search(
        r'"error"\s*:\s*"([^"]*)"', text
    )
    return " ".join((match.group(1) if match else "").split())


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


# --- dates ----------------------------------------------------------------------------------


def _latest_date() -> date:
    """Upper end of an open date window: ahead-of-print records carry future publication dates."""
    return datetime.now(UTC).date() + timedelta(days=730)


def _as_date(value: str | date) -> date:
    if isinstance(value, date):
        return value
    text = value.strip().replace("/", "-")
    parts = text.split("-")
    try:
        if len(parts) == 1:
            return date(int(parts[0]), 1, 1)
        if len(parts) == 2:
            return date(int(parts[0]), int(parts[1]), 1)
        return date.fromisoformat(text)
    except ValueError as e:
        raise EutilsError(f"not a date: {value!r} (use YYYY-MM-DD)") from e


def _eutils_date(value: str | date) -> str:
    return _as_date(value).strftime("%Y/%m/%d")
