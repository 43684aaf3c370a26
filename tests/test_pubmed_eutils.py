"""The E-utilities client over real HTTP against the fake server on 127.0.0.1."""

from __future__ import annotations

import email.utils
import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fakeserver import FAULTS, FakeEutils

from sseh_lit.errors import ConfigError, EutilsError, NetworkError
from sseh_lit.pubmed.eutils import EutilsClient, RateLimiter
from sseh_lit.pubmed.parse import parse_pubmed


class SleepRecorder:
    """Stands in for time.sleep in backoff: records the requested waits, returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def server() -> Iterator[FakeEutils]:
    with FakeEutils(30, rate_limit=None, seed=1) as fake:
        yield fake


def fast_client(url: str, **kwargs: object) -> EutilsClient:
    """A client with its own limiter at 100 req/s and no real backoff sleeping."""
    options: dict[str, object] = {
        "rate": 100.0,
        "limiter": RateLimiter(),
        "sleep": SleepRecorder(),
        "rng": random.Random(0),
        "max_retries": 4,
    }
    options.update(kwargs)
    return EutilsClient(url, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("fault", [*FAULTS, "slow"])
def test_transient_fault_is_retried(server: FakeEutils, fault: str) -> None:
    client = fast_client(server.url, timeout=0.5)
    server.fail_next(fault)
    ids = sorted(server.records)[:5]
    result = parse_pubmed(client.efetch(ids))
    assert sorted(a.pmid for a in result.articles) == ids
    assert client.retries == 1 and client.requests == 2
    assert server.log[0].fault == fault


@pytest.mark.parametrize("fault", ["cutoff", "error", "drop", "503", "html"])
def test_search_survives_faults(server: FakeEutils, fault: str) -> None:
    client = fast_client(server.url)
    server.fail_next(fault, fault)
    assert sorted(client.search_ids("spinal epidural hematoma").ids) == sorted(server.records)
    assert client.retries == 2


def test_retry_after_is_honoured(server: FakeEutils) -> None:
    server.retry_after = 7
    sleep = SleepRecorder()
    client = fast_client(server.url, sleep=sleep)
    server.fail_next("429")
    client.esearch("hematoma")
    assert len(sleep.waits) == 1 and sleep.waits[0] >= 7


def test_retry_after_as_an_http_date(server: FakeEutils) -> None:
    when = datetime.now(UTC) + timedelta(seconds=30)
    server.retry_after = email.utils.format_datetime(when, usegmt=True)
    sleep = SleepRecorder()
    client = fast_client(server.url, sleep=sleep)
    server.fail_next("429")
    client.esearch("hematoma")
    assert len(sleep.waits) == 1 and 20 <= sleep.waits[0] <= 31


@pytest.mark.parametrize(
    ("text", "permanent"),
    [
        ("Search Backend failed: Database is not available", False),
        ("Unable to obtain query #1", False),
        ("Cannot retrieve history data", False),
        ("Invalid db name specified: pubmd", True),
        ("Term is malformed near AND", True),
        ("Search Backend failed: retstart cannot be larger than 9998", True),
    ],
)
def test_error_element_is_classified(server: FakeEutils, text: str, permanent: bool) -> None:
    client = fast_client(server.url)
    server.fail_next(f"error:{text}")
    if permanent:
        with pytest.raises(EutilsError, match=text.split(":")[0]):
            client.esearch("hematoma")
        assert len(server.log) == 1
    else:
        assert client.esearch("hematoma").count == 30
        assert len(server.log) == 2


def test_backoff_grows_exponentially_with_jitter(server: FakeEutils) -> None:
    sleep = SleepRecorder()
    client = fast_client(server.url, sleep=sleep, backoff=1.0, max_backoff=100.0)
    server.fail_next("500", "500", "500", "500")
    client.esearch("hematoma")
    for attempt, wait in enumerate(sleep.waits):
        assert 0.5 * 2**attempt <= wait <= 2**attempt


def test_gives_up_with_network_error_after_max_retries(server: FakeEutils) -> None:
    client = fast_client(server.url, max_retries=3)
    server.fail_next("502", "502", "502", "502", "502")
    with pytest.raises(NetworkError, match=r"kept failing after 4 attempts.*HTTP 502"):
        client.esearch("hematoma")
    assert len(server.log) == 4


def test_unreachable_server_is_a_network_error() -> None:
    client = fast_client("http://127.0.0.1:9/", max_retries=1)
    with pytest.raises(NetworkError, match="cannot connect"):
        client.esearch("hematoma")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.esearch("hematoma", db="nosuchdb"), "Invalid db name specified: nosuchdb"),
        (lambda c: c.efetch(["1"], db="nosuchdb"), "Invalid db name specified"),
        (lambda c: c.esearch('(spinal AND "epidural'), "HTTP 400.*malformed"),
    ],
    ids=["esearch-db", "efetch-db", "malformed-term"],
)
def test_permanent_errors_fail_fast(server: FakeEutils, call: object, message: str) -> None:
    client = fast_client(server.url)
    with pytest.raises(EutilsError, match=message):
        call(client)  # type: ignore[operator]
    assert len(server.log) == 1 and client.retries == 0


def test_zero_hits_is_an_empty_result(server: FakeEutils) -> None:
    server.records.clear()
    client = fast_client(server.url)
    result = client.esearch("nothing matches this")
    assert (result.count, result.ids) == (0, [])
    assert client.search_ids("nothing matches this").ids == []


def test_identity_on_every_request(server: FakeEutils) -> None:
    client = fast_client(server.url, email="curator@example.invalid", api_key="k3y")
    client.search_ids("hematoma")
    client.efetch(sorted(server.records)[:3])
    assert len(server.log) == 2
    for entry in server.log:
        assert entry.params["tool"] == "sseh-lit"
        assert entry.params["email"] == "curator@example.invalid"
        assert entry.params["api_key"] == "k3y"


def test_api_key_raises_the_rate_to_ten() -> None:
    assert EutilsClient("http://127.0.0.1:9/").rate == 3.0
    assert EutilsClient("http://127.0.0.1:9/", api_key="k").rate == 10.0


@pytest.mark.parametrize(("n", "method"), [(199, "GET"), (200, "POST"), (250, "POST")])
def test_long_id_lists_are_posted(n: int, method: str) -> None:
    with FakeEutils(n, rate_limit=None) as fake:
        client = fast_client(fake.url)
        articles = parse_pubmed(client.efetch(sorted(fake.records))).articles
        assert len(articles) == n
        assert fake.log[0].method == method and fake.log[0].n_ids == n


def test_efetch_by_history_server(server: FakeEutils) -> None:
    client = fast_client(server.url)
    found = client.esearch("hematoma", retmax=0)
    assert found.webenv and found.query_key and found.count == 30
    pages = [
        parse_pubmed(
            client.efetch(webenv=found.webenv, query_key=found.query_key, retstart=s, retmax=12)
        ).articles
        for s in (0, 12, 24)
    ]
    assert [len(p) for p in pages] == [12, 12, 6]
    assert sorted(a.pmid for p in pages for a in p) == sorted(server.records)


def test_efetch_of_withdrawn_ids_is_empty_not_an_error(server: FakeEutils) -> None:
    client = fast_client(server.url)
    assert parse_pubmed(client.efetch(["99999999"])).articles == []


def test_more_than_10000_hits_are_split_by_date_window() -> None:
    with FakeEutils(25_000, rate_limit=None) as fake:
        client = fast_client(fake.url)
        result = client.search_ids("spinal epidural hematoma")
        assert result.count == 25_000
        assert len(result.ids) == 25_000 and set(result.ids) == set(fake.records)
        assert len(result.windows) >= 3
        assert all("mindate" in r.params for r in fake.log[1:])
        assert all(len(r.params) and int(r.params["retmax"]) <= 10_000 for r in fake.log)


def test_split_that_does_not_narrow_fails_instead_of_looping() -> None:
    with FakeEutils(10_050, rate_limit=None, ignore_dates=True) as fake:
        client = fast_client(fake.url)
        with pytest.raises(EutilsError, match="do not split the 10,050 hits"):
            client.search_ids("hematoma")
        assert len(fake.log) == 3


def test_modification_date_window(server: FakeEutils) -> None:
    changed = sorted(server.records)[:2]
    for pmid in changed:
        server.modify(pmid, title="Synthetic revised title")
    client = fast_client(server.url)
    from datetime import date

    result = client.search_ids("hematoma", mindate=date.today(), datetype="mdat")
    assert sorted(result.ids) == changed


def test_shared_limiter_never_exceeds_three_per_second_across_threads() -> None:
    """The real limit: 3 threads, 9 requests, the server answers 429 above 3 per second."""
    with FakeEutils(5, rate_limit=3.0) as fake:
        limiter = RateLimiter()
        errors: list[BaseException] = []

        def work() -> None:
            client = EutilsClient(fake.url, limiter=limiter, max_retries=0)
            try:
                for _ in range(3):
                    client.esearch("hematoma")
            except BaseException as e:  # collected and re-raised in the test thread
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        assert len(fake.log) == 9
        assert fake.max_requests_in_window(1.0) <= 3
        assert all(r.status == 200 for r in fake.log)


BAD_URLS = ["not a url", "ftp://127.0.0.1/", "http://[::1", "http://127.0.0.1:99999/", "http:///x"]


@pytest.mark.parametrize("url", BAD_URLS)
def test_a_malformed_base_url_is_a_config_error_before_any_request(url: str) -> None:
    with pytest.raises(ConfigError, match="is not an http\\(s\\) URL with a host"):
        EutilsClient(url)


@pytest.mark.parametrize("url", BAD_URLS)
def test_refresh_with_a_malformed_url_exits_1_and_records_no_run(
    url: str, tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from sseh_lit.cli import cli
    from sseh_lit.db import connect

    monkeypatch.setenv("NCBI_EUTILS_URL", url)
    db_path = tmp_path / "c.db"
    result = CliRunner().invoke(cli, ["refresh", "--db", str(db_path)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "(NCBI_EUTILS_URL) is not an http(s) URL" in result.output.strip().splitlines()[-1]
    assert list(connect(db_path)["refresh_runs"].rows) == []
