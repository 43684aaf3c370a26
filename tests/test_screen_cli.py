"""``sseh-lit screen`` and ``screen --set``: storage, re-screening, and overrides that always win.

The articles are SYNTHETIC, written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sseh_lit.cli import cli
from sseh_lit.db import connect, utcnow
from sseh_lit.review import log
from sseh_lit.screen import RULES_VERSION, current_decision, included_pmids

ARTICLES = {
    "100": (
        "Spontaneous cervical epidural haematoma in a man taking warfarin",
        "A 66-year-old man on warfarin developed neck pain and tetraparesis. MRI showed a dorsal "
        "epidural haematoma at C4-C6, which was evacuated.",
    ),
    "101": (
        "Spinal subdural haematoma after a fall",
        "A 70-year-old woman fell and developed paraparesis; MRI showed a subdural haematoma.",
    ),
    "102": (
        "Epidural haematoma following lumbar puncture",
        "A 50-year-old man developed cauda equina syndrome after a lumbar puncture.",
    ),
    "103": (
        "Spinal epidural and subdural haematoma in an elderly woman",
        "An 81-year-old woman developed paraplegia; blood lay on both sides of the dura.",
    ),
    "104": ("Spontaneous spinal epidural haematoma in a runner", "A 30-year-old man ran."),
}


def _db(path: Path, deleted: tuple[str, ...] = ()) -> Path:
    db = connect(path)
    now = utcnow()
    db["articles"].insert_all(
        {
            "pmid": pmid,
            "title": title,
            "abstract": abstract,
            "publication_types": json.dumps(["Case Reports"]),
            "status": "deleted" if pmid in deleted else "active",
            "source": "demo",
            "first_seen": now,
        }
        for pmid, (title, abstract) in ARTICLES.items()
    )
    db.conn.close()
    return path


def _run(*args: str) -> object:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_screen_stores_one_row_per_active_record_and_skips_unchanged(db_path: Path) -> None:
    _db(db_path, deleted=("104",))
    result = _run("screen", "--db", str(db_path))
    assert result.exit_code == 0, result.output
    assert "screened 4 (0 unchanged)" in result.output
    db = connect(db_path)
    rows = {r["pmid"]: r for r in db["screening"].rows}
    assert set(rows) == {"100", "101", "102", "103"}
    assert rows["100"]["decision"] == "include" and rows["100"]["reason"] == "sseh_case"
    assert "anticoagulant" in json.loads(rows["100"]["flags"])
    assert rows["101"]["reason"] == "not_epidural"
    assert rows["102"]["reason"] == "iatrogenic"
    assert {r["rules_version"] for r in rows.values()} == {RULES_VERSION}
    assert all(r["content_hash"] and r["screened_at"] and r["detail"] for r in rows.values())

    again = _run("screen", "--db", str(db_path))
    assert "screened 0 (4 unchanged)" in again.output

    db["articles"].update("101", {"abstract": "MRI showed a dorsal epidural haematoma at T4."})
    changed = _run("screen", "--db", str(db_path))
    assert "screened 1 (3 unchanged)" in changed.output
    assert _run("screen", "--db", str(db_path), "--all").output.startswith("screened 4")


def test_doubtful_decision_is_queued_and_an_override_clears_it(db_path: Path) -> None:
    _db(db_path)
    _run("screen", "--db", str(db_path))
    db = connect(db_path)
    row = db["screening"].get("103")
    assert row["decision"] == "include" and row["needs_review"] == 1
    open_flags = list(db.query("select * from flags where pmid = '103' and cleared_at is null"))
    assert [f["kind"] for f in open_flags] == ["screening_doubtful"]

    result = _run(
        "screen", "--db", str(db_path), "--set", "103", "include",
        "--reason", "epidural clot confirmed", "--reviewer", "ann",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    cleared = db.execute("select cleared_by from flags where pmid = '103'").fetchone()
    assert cleared[0] == "ann"


def test_override_wins_over_screen_all_and_every_act_stays_in_the_log(db_path: Path) -> None:
    _db(db_path)
    _run("screen", "--db", str(db_path))
    db = connect(db_path)
    assert "100" in included_pmids(db)

    first = _run(
        "screen", "--db", str(db_path), "--set", "100", "exclude", "--code", "traumatic",
        "--reason", "full text: fell the day before", "--reviewer", "ann",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    assert _run("screen", "--db", str(db_path), "--all").exit_code == 0
    decision = current_decision(db, "100")
    assert decision is not None
    assert (decision.decision, decision.reason, decision.source) == (
        "exclude",
        "traumatic",
        "reviewer",
    )
    assert "100" not in included_pmids(db)
    assert db["screening"].get("100")["decision"] == "include"  # the rules' row is kept as is

    _run(
        "screen", "--db", str(db_path), "--set", "102", "include",
        "--reason", "puncture was a year earlier", "--reviewer", "bob",
    )  # fmt: skip
    _run(
        "screen", "--db", str(db_path), "--set", "100", "include",
        "--reason", "second look: no trauma", "--reviewer", "bob",
    )  # fmt: skip
    _run("screen", "--db", str(db_path), "--all")
    assert included_pmids(db) == {"100", "102", "103", "104"}
    acts = list(log.entries(db, "100", action="screen_override"))
    assert [a["new_value"] for a in acts] == [
        {"decision": "exclude", "code": "traumatic"},
        {"decision": "include", "code": "sseh_case"},
    ]
    assert acts[0]["old_value"] == {"decision": "include", "code": "sseh_case", "source": "rules"}
    assert acts[1]["old_value"]["source"] == "reviewer"
    assert [a["field"] for a in acts] == ["screening", "screening"]


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["--set", "100", "exclude", "--reason", "r", "--reviewer", "ann"], 1, "needs --code"),
        (
            ["--set", "100", "maybe", "--reason", "r", "--reviewer", "ann"],
            1,
            "include' or 'exclude",
        ),
        (["--set", "999", "include", "--reason", "r", "--reviewer", "ann"], 1, "no record 999"),
        (["--set", "100", "include", "--reviewer", "ann"], 2, "--reason"),
        (
            ["--set", "100", "exclude", "--code", "bogus", "--reason", "r", "--reviewer", "a"],
            2,
            "bogus",
        ),
        (["--reason", "r"], 2, "go with --set"),
        (["--all", "--set", "100", "include", "--reason", "r", "--reviewer", "a"], 2, "cannot"),
        (["--set", "100", "include", "--reason", "   ", "--reviewer", "ann"], 1, "non-empty"),
    ],
    ids=[
        "no-code",
        "bad-decision",
        "unknown-pmid",
        "no-reason",
        "bad-code",
        "stray",
        "all+set",
        "blank",
    ],
)
def test_bad_override_is_refused_and_nothing_is_logged(
    db_path: Path, args: list[str], exit_code: int, message: str
) -> None:
    _db(db_path)
    result = CliRunner().invoke(cli, ["screen", "--db", str(db_path), *args])
    assert result.exit_code == exit_code, result.output
    assert message in result.output
    assert list(log.entries(connect(db_path))) == []


def test_known_reviewers_are_required_once_accounts_exist(db_path: Path) -> None:
    _db(db_path)
    db = connect(db_path)
    db["reviewers"].insert({"name": "ann", "role": "reviewer", "active": 1, "created_at": utcnow()})
    args = ["screen", "--db", str(db_path), "--set", "100", "include", "--reason", "ok"]
    refused = CliRunner().invoke(cli, [*args, "--reviewer", "mallory"])
    assert refused.exit_code == 1 and "unknown or inactive reviewer" in refused.output
    assert CliRunner().invoke(cli, [*args, "--reviewer", "ann"]).exit_code == 0


def test_missing_database_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["screen", "--db", str(tmp_path / "nope.db")])
    assert result.exit_code == 1
    assert "sseh-lit demo" in result.output
    assert not (tmp_path / "nope.db").exists()


def test_prisma_command_prints_and_writes_files(db_path: Path, tmp_path: Path) -> None:
    _db(db_path, deleted=("104",))
    _run("screen", "--db", str(db_path))
    out = tmp_path / "prisma"
    result = CliRunner().invoke(cli, ["prisma", "--db", str(db_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["screened"] == 4 and counts["deleted"] == 1 and counts["invariant_holds"]
    assert {p.name for p in out.iterdir()} == {"prisma.json", "prisma.svg", "prisma.png"}
    md = CliRunner().invoke(
        cli, ["prisma", "--db", str(db_path), "--out", str(out), "--format", "md"]
    )
    assert md.exit_code == 0 and "| Records screened | 4 |" in md.stdout
    assert (out / "prisma.md").exists()
