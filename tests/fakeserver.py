"""A fake NCBI E-utilities server for tests and benchmarks (synthetic data, 127.0.0.1 only).

Usage::

    with FakeEutils(records=1200, fault_rate=0.15, seed=7) as server:
        os.environ["NCBI_EUTILS_URL"] = server.url
        ...                                  # run sseh-lit refresh against it
        assert server.max_requests_in_window(1.0) <= 3

It holds synthetic PubMed records (every title says "synthetic"), answers ``esearch.fcgi``
(history server, retstart/retmax paging with the 10,000 cap, mindate/maxdate/datetype on
pdat/mdat/edat) and ``efetch.fcgi`` (GET or POST, by ``id`` or ``WebEnv``/``query_key``). Between
runs a test can add, modify, delete or "unmatch" records. It can inject faults into a fraction
of requests (seeded), or exactly the ones queued with :meth:`FakeEutils.fail_next`: 429 with
``Retry-After``, 500/502/503, XML cut off mid-document, a transient ``<ERROR>`` (queue
``"error:<text>"`` for a given text), a connection
dropped while the body is sent, an HTML page instead of XML, or a slow answer (``slow``). Like NCBI it
answers 429 when more than ``rate_limit`` requests arrive within any window [t, t+1 s), and it logs
every request's arrival time so tests can check the client never exceeded the limit.

Permanent errors: ``db`` other than pubmed gives ``<ERROR>Invalid db name specified``; a term
with unbalanced parentheses or quotes gives HTTP 400.
"""

from __future__ import annotations

import random
import threading
import time
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

from sseh_lit.pubmed.eutils import EutilsClient, RateLimiter

FAULTS = ("429", "500", "502", "503", "cutoff", "error", "drop", "html")
SEARCH_CAP = 10_000


@dataclass
class FakeRecord:
    """One synthetic PubMed record."""

    pmid: str
    title: str
    abstract: str
    pdat: date
    mdat: date
    edat: date
    deleted: bool = False  # PubMed withdrew it: gone from esearch, efetch omits it
    matches: bool = True  # False: the query no longer finds it, but efetch still returns it

    def xml(self) -> str:
        """The record as a ``<PubmedArticle>`` element."""
        return (
            '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
            f'<PMID Version="1">{self.pmid}</PMID>'
            f"<DateRevised>{_date_xml(self.mdat)}</DateRevised>"
            '<Article PubModel="Print"><Journal><JournalIssue CitedMedium="Print">'
            f"<PubDate><Year>{self.pdat.year}</Year><Month>{self.pdat.month:02d}</Month></PubDate>"
            "</JournalIssue><Title>Journal of Synthetic Spine Reports</Title>"
            "<ISOAbbreviation>J Synth Spine Rep</ISOAbbreviation></Journal>"
            f"<ArticleTitle>{escape(self.title)}</ArticleTitle>"
            f"<Abstract><AbstractText>{escape(self.abstract)}</AbstractText></Abstract>"
            '<AuthorList><Author ValidYN="Y"><LastName>Fixture</LastName>'
            "<Initials>A</Initials></Author></AuthorList><Language>eng</Language>"
            '<PublicationTypeList><PublicationType UI="D002363">Case Reports</PublicationType>'
            "</PublicationTypeList></Article></MedlineCitation><PubmedData>"
            f'<ArticleIdList><ArticleId IdType="pubmed">{self.pmid}</ArticleId></ArticleIdList>'
            "</PubmedData></PubmedArticle>"
        )


def _date_xml(d: date) -> str:
    return f"<Year>{d.year}</Year><Month>{d.month:02d}</Month><Day>{d.day:02d}</Day>"


@dataclass
class RequestLog:
    """One request as the server saw it."""

    t: float  # time.monotonic() at arrival
    endpoint: str
    method: str
    params: dict[str, str]
    status: int = 200
    fault: str | None = None
    n_ids: int = 0


@dataclass
class _History:
    ids: list[str] = field(default_factory=list)


class FakeEutils:
    """The fake server; a context manager that runs it on 127.0.0.1 in a background thread."""

    def __init__(
        self,
        records: int = 0,
        *,
        seed: int = 0,
        fault_rate: float = 0.0,
        faults: Iterable[str] = FAULTS,
        rate_limit: float | None = 3.0,
        retry_after: int | str = 1,
        delete_style: str = "vanish",
        search_cap: int = SEARCH_CAP,
        slow_seconds: float = 0.0,
        ignore_dates: bool = False,
        first_pmid: int = 30_000_000,
        start_date: date = date(1995, 1, 1),
    ) -> None:
        self.records: dict[str, FakeRecord] = {}
        self.fault_rate = fault_rate
        self.faults = tuple(faults)
        self.rate_limit = rate_limit
        self.retry_after = retry_after
        self.delete_style = delete_style  # "vanish" or "citation" (a <DeleteCitation> block)
        self.search_cap = search_cap
        self.slow_seconds = slow_seconds
        self.ignore_dates = ignore_dates  # a broken server: mindate/maxdate have no effect
        self.log: list[RequestLog] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._history: dict[str, _History] = {}
        self._queued: list[str] = []
        self._next_pmid = first_pmid
        self._start_date = start_date
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add_records(records)

    # --- data -----------------------------------------------------------------------------------

    def add_records(self, n: int, *, mdat: date | None = None) -> list[str]:
        """Add ``n`` synthetic records spread over publication dates; their new PMIDs."""
        pmids = []
        for _ in range(n):
            pmid = str(self._next_pmid)
            self._next_pmid += 1
            k = len(self.records)
            pdat = self._start_date + timedelta(days=(k * 3) % 9000)
            self.records[pmid] = FakeRecord(
                pmid=pmid,
                title=f"Synthetic spinal epidural haematoma report {pmid} (test fixture)",
                abstract=(
                    f"Synthetic abstract {pmid}: a {20 + k % 60}-year-old patient had a spinal "
                    "epidural haematoma at C5-C7 and recovered after laminectomy."
                ),
                pdat=pdat,
                mdat=mdat or (pdat + timedelta(days=30)),
                edat=pdat,
            )
            pmids.append(pmid)
        return pmids

    def modify(self, pmid: str, *, title: str | None = None, abstract: str | None = None) -> None:
        """Change a record as PubMed would on revision: new content, modification date today."""
        rec = self.records[pmid]
        if title is not None:
            rec.title = title
        if abstract is not None:
            rec.abstract = abstract
        rec.mdat = date.today()

    def delete(self, pmid: str) -> None:
        """Withdraw a record (DeleteCitation)."""
        self.records[pmid].deleted = True

    def fail_next(self, *faults: str) -> None:
        """Inject exactly these faults (in order) into the next requests, whatever the rate."""
        with self._lock:
            self._queued.extend(faults)

    def unmatch(self, pmid: str) -> None:
        """Make the query stop matching a record that still exists."""
        self.records[pmid].matches = False

    # --- server lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeEutils:
        """Start serving on an ephemeral port of 127.0.0.1."""
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> FakeEutils:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """Base URL, ending in ``/`` (what ``NCBI_EUTILS_URL`` should be set to)."""
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/"

    # --- observations ---------------------------------------------------------------------------

    def max_requests_in_window(self, window: float = 1.0) -> int:
        """Most requests that arrived within any half-open window [t, t + window)."""
        times = sorted(r.t for r in self.log)
        best, j = 0, 0
        for i, t in enumerate(times):
            j = max(j, i)
            while j < len(times) and times[j] < t + window:
                j += 1
            best = max(best, j - i)
        return best

    def requests(self, endpoint: str | None = None) -> list[RequestLog]:
        """Logged requests, optionally for one endpoint (``esearch``/``efetch``)."""
        return [r for r in self.log if endpoint is None or r.endpoint == endpoint]

    # --- request handling (called from the handler thread) --------------------------------------

    def _arrive(self, entry: RequestLog) -> str | None:
        """Log the arrival; decide rate-limit 429 or an injected fault (None: answer normally)."""
        with self._lock:
            self.log.append(entry)
            if self._queued:
                return self._queued.pop(0)
            if self.rate_limit is not None:
                recent = sum(1 for r in self.log if entry.t - r.t < 1.0)
                if recent > self.rate_limit:
                    return "ratelimit"
            if self.fault_rate and self._rng.random() < self.fault_rate:
                return self._rng.choice(self.faults)
            if self.slow_seconds:
                return "slow"
        return None

    def _search(self, params: dict[str, str]) -> tuple[int, str]:
        db = params.get("db", "")
        if db != "pubmed":
            return (
                200,
                f"<eSearchResult><ERROR>Invalid db name specified: {escape(db)}</ERROR></eSearchResult>",
            )
        term = params.get("term", "")
        if term.count("(") != term.count(")") or term.count('"') % 2:
            return (
                400,
                f"<eSearchResult><ERROR>Term is malformed: {escape(term)}</ERROR></eSearchResult>",
            )
        retstart = int(params.get("retstart", "0") or 0)
        retmax = min(int(params.get("retmax", "20") or 20), self.search_cap)
        if retstart >= self.search_cap:
            return 200, (
                "<eSearchResult><ERROR>Search Backend failed: retstart cannot be larger than "
                f"{self.search_cap - 1}</ERROR></eSearchResult>"
            )
        with self._lock:
            hits = [r for r in self.records.values() if r.matches and not r.deleted]
        datetype = params.get("datetype", "pdat")
        if ("mindate" in params or "maxdate" in params) and not self.ignore_dates:
            lo = _parse_date(params.get("mindate", "1000/01/01"))
            hi = _parse_date(params.get("maxdate", "3000/12/31"), end=True)
            hits = [r for r in hits if lo <= getattr(r, datetype, r.pdat) <= hi]
        ids = sorted((r.pmid for r in hits), key=int, reverse=True)
        page = ids[retstart : retstart + retmax]
        history = ""
        if params.get("usehistory") == "y":
            webenv = f"MCID_{self._rng.randrange(10**12):012d}"
            self._history[webenv] = _History(ids)
            history = f"<QueryKey>1</QueryKey><WebEnv>{webenv}</WebEnv>"
        if not ids:
            return 200, (
                "<eSearchResult><Count>0</Count><RetMax>0</RetMax><RetStart>0</RetStart>"
                f"{history}<IdList/><TranslationSet/><QueryTranslation/>"
                f"<ErrorList><PhraseNotFound>{escape(term)}</PhraseNotFound></ErrorList>"
                "<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>"
                "</eSearchResult>"
            )
        id_xml = "".join(f"<Id>{i}</Id>" for i in page)
        return 200, (
            f"<eSearchResult><Count>{len(ids)}</Count><RetMax>{len(page)}</RetMax>"
            f"<RetStart>{retstart}</RetStart>{history}<IdList>{id_xml}</IdList>"
            f"<TranslationSet/><QueryTranslation>{escape(term)}</QueryTranslation></eSearchResult>"
        )

    def _fetch(self, params: dict[str, str]) -> tuple[int, str, int]:
        db = params.get("db", "")
        if db != "pubmed":
            return (
                200,
                f"<eFetchResult><ERROR>Invalid db name specified: {escape(db)}</ERROR></eFetchResult>",
                0,
            )
        if "id" in params:
            ids = [i.strip() for i in params["id"].split(",") if i.strip()]
        elif params.get("WebEnv") in self._history:
            all_ids = self._history[params["WebEnv"]].ids
            start = int(params.get("retstart", "0") or 0)
            ids = all_ids[start : start + int(params.get("retmax", "20") or 20)]
        else:
            return 200, "<eFetchResult><ERROR>Unable to obtain query #1</ERROR></eFetchResult>", 0
        parts, deleted = [], []
        with self._lock:
            for pmid in ids:
                rec = self.records.get(pmid)
                if rec is None:
                    continue
                if rec.deleted:
                    deleted.append(pmid)
                else:
                    parts.append(rec.xml())
        if not parts and not (deleted and self.delete_style == "citation"):
            return (
                200,
                (
                    "<eFetchResult><ERROR>ID list is empty! Possibly it has no correct IDs."
                    "</ERROR></eFetchResult>"
                ),
                len(ids),
            )
        if deleted and self.delete_style == "citation":
            pmids = "".join(f'<PMID Version="1">{p}</PMID>' for p in deleted)
            parts.append(f"<DeleteCitation>{pmids}</DeleteCitation>")
        body = (
            '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle,'
            ' 1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
            "<PubmedArticleSet>\n" + "\n".join(parts) + "\n</PubmedArticleSet>\n"
        )
        return 200, body, len(ids)


def _parse_date(text: str, *, end: bool = False) -> date:
    parts = [int(p) for p in text.replace("-", "/").split("/") if p]
    if len(parts) == 1:
        return date(parts[0], 12, 31) if end else date(parts[0], 1, 1)
    if len(parts) == 2:
        if end:
            nxt = date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
            return nxt - timedelta(days=1)
        return date(parts[0], parts[1], 1)
    return date(parts[0], parts[1], parts[2])


class _Handler(BaseHTTPRequestHandler):
    fake: FakeEutils
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        self._handle(parsed.path, dict(urllib.parse.parse_qsl(parsed.query)), "GET")

    def do_POST(self) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        params = dict(urllib.parse.parse_qsl(parsed.query))
        params.update(urllib.parse.parse_qsl(body))
        self._handle(parsed.path, params, "POST")

    def _handle(self, path: str, params: dict[str, str], method: str) -> None:
        endpoint = path.rsplit("/", 1)[-1].removesuffix(".fcgi")
        entry = RequestLog(time.monotonic(), endpoint, method, params)
        fault = self.fake._arrive(entry)
        entry.fault = fault
        if fault == "ratelimit" or fault == "429":
            entry.status = 429
            self._send(
                429,
                b'{"error":"API rate limit exceeded"}',
                {"Retry-After": str(self.fake.retry_after)},
            )
            return
        if fault in ("500", "502", "503"):
            entry.status = int(fault)
            self._send(int(fault), b"<html><body>Service unavailable</body></html>")
            return
        if fault == "slow":
            time.sleep(self.fake.slow_seconds or 2.0)
        if endpoint == "esearch":
            status, text = self.fake._search(params)
        elif endpoint == "efetch":
            status, text, entry.n_ids = self.fake._fetch(params)
        else:
            status, text = 404, "<ERROR>unknown endpoint</ERROR>"
        entry.status = status
        body = text.encode()
        if status == 200 and fault and fault.startswith("error"):
            root = "eSearchResult" if endpoint == "esearch" else "eFetchResult"
            text = fault.partition(":")[2] or "Search Backend failed: temporary failure"
            body = f"<{root}><ERROR>{escape(text)}</ERROR></{root}>".encode()
        elif status == 200 and fault == "html":
            body = b"<!DOCTYPE html><html><body><h1>Server busy</h1><p>try later</body></html>"
        elif status == 200 and fault == "cutoff":
            body = body[: max(1, len(body) // 2)]
        elif status == 200 and fault == "drop":
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(status, body)

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


def fast_client(url: str, **options: Any) -> EutilsClient:
    """A client for tests against a server started with ``rate_limit=None``: its own limiter at
    200 requests/s and no real backoff sleeping, so fault-heavy tests stay quick."""
    settings: dict[str, Any] = {
        "rate": 200.0,
        "limiter": RateLimiter(),
        "sleep": lambda seconds: None,
        "rng": random.Random(0),
        "max_retries": 6,
    }
    settings.update(options)
    return EutilsClient(url, **settings)
