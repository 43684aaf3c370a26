"""Analysis: the regression recovers known coefficients from simulated patients, says clearly when
the data cannot support it, the tables count what was reported, and ``analyze`` on the demo DB
writes the tables, plots and a self-contained report.

All patients here are SIMULATED (numpy RNG with a fixed seed) or come from the synthetic demo
corpus; no published text is used.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from sseh_lit import plots
from sseh_lit.analysis import (
    NOT_OPERATED,
    OTHER_SCALE,
    OUTCOME_MISSING,
    REGION_GROUP,
    InsufficientDataError,
    descriptive_table,
    fit_models,
    fit_outcome_model,
    frame_from_values,
    outcome_by_grade,
)
from sseh_lit.cli import cli
from sseh_lit.db import connect
from sseh_lit.demo import build_demo_corpus
from sseh_lit.extract.storage import extract_db
from sseh_lit.fields import LEVEL_INDEX, LEVELS, derive
from sseh_lit.profiles import get_profile
from sseh_lit.report import render_report
from sseh_lit.screen import screen_db

#: The coefficients the simulated outcomes are drawn from (log-odds of complete recovery).
TRUE = {
    "const": -1.0,
    "preop_grade": 0.7,  # per ASIA/Frankel step A → E
    "anticoagulant": -1.0,
    "extent_3_4_segments": 0.9,
    "cauda_equina_only": 1.2,
    "region_cervical": 0.0,
    "region_lumbosacral": 0.0,
    "age_per_10_years": -0.3,
    "male": 0.0,
    "time_to_surgery_days": -0.6,
}


def simulate(n: int, seed: int, coefficients: dict[str, float] = TRUE) -> list[dict[str, Any]]:
    """``n`` simulated patients as plain field values, outcome drawn from ``coefficients``."""
    rng = np.random.default_rng(seed)
    patients = []
    for i in range(n):
        grade = int(rng.integers(0, 5))
        draw = rng.random()
        if draw < 0.25:  # cauda equina only: the whole haematoma at L2 or below
            upper = int(rng.integers(LEVEL_INDEX["L2"], LEVEL_INDEX["S1"]))
        elif draw < 0.4:  # from the conus down: lumbar region, but cord compression
            upper = LEVEL_INDEX["L1"]
        else:
            upper = int(rng.integers(0, LEVEL_INDEX["L1"]))
        span = int(rng.choice([1, 2, 3, 3, 4, 4, 5, 6, 8]))
        lower = min(upper + span - 1, len(LEVELS) - 1)
        levels = {"level_upper": LEVELS[upper], "level_lower": LEVELS[lower]}
        derived = derive(levels)
        age = float(np.clip(rng.normal(58, 16), 1, 95))
        male = bool(rng.random() < 0.55)
        hours = float(rng.gamma(2.0, 14.0))
        anticoagulant = bool(rng.random() < 0.35)
        x = {
            "const": 1.0,
            "preop_grade": grade + 1,
            "anticoagulant": anticoagulant,
            "extent_3_4_segments": derived["segments"] in (3, 4),
            "cauda_equina_only": derived["compression"] == "cauda_equina",
            "region_cervical": REGION_GROUP[derived["region"]] == "cervical",
            "region_lumbosacral": REGION_GROUP[derived["region"]] == "lumbosacral",
            "age_per_10_years": age / 10,
            "male": male,
            "time_to_surgery_days": hours / 24,
        }
        eta = sum(coefficients[k] * float(v) for k, v in x.items())
        good = bool(rng.random() < 1 / (1 + math.exp(-eta)))
        patients.append(
            {
                "pmid": str(80_000_000 + i),
                "patient": 1,
                "age_years": round(age, 1),
                "sex": "male" if male else "female",
                **levels,
                "anticoagulant": anticoagulant,
                "preop_grade": {"scale": ("ASIA", "Frankel")[i % 2], "grade": "ABCDE"[grade]},
                "treatment": "surgical",
                "time_to_surgery_hours": round(hours, 1),
                "outcome": "complete_recovery" if good else "partial_recovery",
            }
        )
    return patients


@pytest.fixture(scope="module")
def profile_all():
    return get_profile("all")


def test_regression_recovers_known_coefficients(profile_all) -> None:
    df = frame_from_values(simulate(600, seed=7), profile_all)
    result = fit_outcome_model(df, profile_all)
    assert result.label == "full"
    assert (result.n_input, result.n_used, result.dropped) == (600, 600, {})
    assert result.events + result.non_events == 600
    for term, true in TRUE.items():
        estimate = result.coefficient(term)
        assert abs(estimate.coef - true) < 3 * estimate.se, (term, estimate.coef, true)
        if term != "const" and abs(true) >= 0.5:  # real effects: right sign, significant
            assert np.sign(estimate.coef) == np.sign(true), term
            assert estimate.p_value < 0.05, term


def test_dropped_patients_are_counted_by_their_first_missing_input(profile_all) -> None:
    patients = simulate(600, seed=11)
    for p in patients[:20]:
        p["outcome"] = None  # good outcome unknown
    for p in patients[20:50]:
        p["preop_grade"] = {"scale": "Nurick", "grade": "3"}
    for p in patients[50:75]:
        p["anticoagulant"] = None  # Unknown is not No: dropped, never counted as "no"
    for p in patients[75:85]:
        p["level_upper"] = p["level_lower"] = None
    for p in patients[85:90]:
        p["preop_grade"] = None
        p["age_years"] = None  # two inputs missing: counted once, under the first
    for p in patients[90:95]:
        p["treatment"], p["time_to_surgery_hours"] = "conservative", None
    for p in patients[95:98]:
        p["time_to_surgery_hours"] = None
    result = fit_outcome_model(frame_from_values(patients, profile_all), profile_all)
    assert result.dropped == {
        OUTCOME_MISSING: 20,
        "pre-operative grade not reported": 5,
        OTHER_SCALE: 30,
        "anticoagulant use not reported": 25,
        "haematoma levels not reported": 10,
        NOT_OPERATED: 5,
        "time to surgery not reported": 3,
    }
    assert list(result.dropped) == [OUTCOME_MISSING, "pre-operative grade not reported", OTHER_SCALE,
                                    "anticoagulant use not reported", "haematoma levels not reported",
                                    NOT_OPERATED, "time to surgery not reported"]  # fmt: skip
    assert result.n_used == 600 - 98 == result.n_input - sum(result.dropped.values())


def _separated(n: int) -> list[dict[str, Any]]:
    patients = simulate(n, seed=3)
    for p in patients:  # grade C or better always recovers, A/B never: perfect separation
        good = p["preop_grade"]["grade"] in "CDE"
        p["outcome"] = "complete_recovery" if good else "no_recovery"
    return patients


@pytest.mark.parametrize(
    ("patients", "message"),
    [
        pytest.param(
            lambda: simulate(40, seed=1), r"too few events for the full model", id="40 patients"
        ),
        pytest.param(
            lambda: simulate(0, seed=1), r"too few events .* 0 of 0 patients", id="no patients"
        ),
        pytest.param(
            lambda: _separated(500), r"perfect separation|did not converge", id="separation"
        ),
    ],
)
def test_too_little_data_gives_a_clear_message(profile_all, patients, message: str) -> None:
    df = frame_from_values(patients(), profile_all)
    with pytest.raises(InsufficientDataError, match=message):
        fit_outcome_model(df, profile_all)


def test_too_few_events_message_states_the_numbers(profile_all) -> None:
    df = frame_from_values(simulate(60, seed=5), profile_all)
    with pytest.raises(InsufficientDataError) as info:
        fit_outcome_model(df, profile_all)
    text = str(info.value)
    events = int(df["good_outcome"].sum())
    assert f"{events} good and {60 - events} not good outcomes" in text
    assert "90 are needed (10 per term × 9 terms" in text


def test_reduced_model_is_fitted_and_labelled_when_the_full_one_cannot_be(profile_all) -> None:
    df = frame_from_values(simulate(220, seed=2), profile_all)
    attempts = fit_models(df, profile_all)
    assert [a.result is None for a in attempts] == [True, False]
    assert "too few events for the full model" in (attempts[0].message or "")
    reduced = attempts[1].result
    assert reduced is not None and reduced.label.startswith("reduced")
    assert [t.term for t in reduced.terms] == [
        "const",
        "preop_grade",
        "anticoagulant",
        "extent_3_4_segments",
        "cauda_equina_only",
    ]


def test_term_without_variation_is_left_out_and_named(profile_all) -> None:
    patients = [
        p for p in simulate(900, seed=4) if LEVEL_INDEX[p["level_upper"]] < LEVEL_INDEX["L2"]
    ]
    result = fit_outcome_model(frame_from_values(patients, profile_all), profile_all)
    assert result.dropped_terms == {"cauda_equina_only": "no variation among the complete cases"}
    assert result.label == "reduced (full minus cauda_equina_only)"
    assert "cauda_equina_only" not in [t.term for t in result.terms]


def test_good_outcome_follows_the_profile(profile_all) -> None:
    rows = [
        {"outcome": "complete_recovery"},
        {"outcome": "partial_recovery"},
        {"outcome": None},
    ]
    assert frame_from_values(rows, profile_all)["good_outcome"].tolist() == [True, False, None]


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------

SMALL = [
    {"age_years": 40, "sex": "male", "anticoagulant": True, "level_upper": "C5", "level_lower": "C7",
     "preop_grade": {"scale": "ASIA", "grade": "b"}, "outcome": "complete_recovery"},
    {"age_years": 60, "sex": "female", "anticoagulant": False, "level_upper": "L3",
     "preop_grade": {"scale": "Frankel", "grade": "B"}, "outcome": "partial_recovery"},
    {"age_years": None, "sex": "male", "anticoagulant": None,
     "preop_grade": {"scale": "JOA", "grade": "9"}, "outcome": "death"},
    {"age_years": 80, "sex": None, "anticoagulant": True, "outcome": None},
]  # fmt: skip


def _row(table: pd.DataFrame, variable: str, statistic: str) -> dict[str, Any]:
    match = table[(table["variable"] == variable) & (table["statistic"] == statistic)]
    assert len(match) == 1, (variable, statistic)
    return match.iloc[0].to_dict()


@pytest.mark.parametrize(
    ("variable", "statistic", "value", "reported"),
    [
        ("Patients", "n", "4", 4),
        ("Age (years)", "mean (SD)", "60.0 (20.0)", 3),
        ("Age (years)", "median (IQR)", "60.0 (50.0–70.0)", 3),
        ("Sex", "male : female", "2.00 : 1", 3),
        ("Sex", "male", "2 (66.7%)", 3),
        ("Anticoagulant use", "yes", "2 (66.7%)", 3),  # the unknown one is not a "no"
        ("Antiplatelet use", "yes", "0", 0),
        ("Region", "cervical", "1 (50.0%)", 2),
        ("Region", "lumbar", "1 (50.0%)", 2),
        ("Outcome", "death", "1 (33.3%)", 3),
        ("Good outcome (profile)", "yes", "1 (33.3%)", 3),
    ],
)
def test_descriptive_table_counts_who_reported_each_field(
    profile_all, variable: str, statistic: str, value: str, reported: int
) -> None:
    table = descriptive_table(frame_from_values(SMALL, profile_all))
    row = _row(table, variable, statistic)
    assert (row["value"], row["reported"], row["patients"]) == (value, reported, 4)


def test_outcome_by_grade_merges_asia_and_frankel_and_keeps_other_scales_apart(profile_all) -> None:
    table = outcome_by_grade(frame_from_values(SMALL, profile_all)).set_index("grade")
    assert table.loc["B", ["n", "complete_recovery", "partial_recovery", "good"]].tolist() == [
        2,
        1,
        1,
        1,
    ]
    assert table.loc["B", "good_percent"] == 50.0
    assert table.loc["other scale", ["n", "death"]].tolist() == [1, 1]
    assert table.loc["not reported", ["n", "outcome not reported"]].tolist() == [1, 1]
    assert table["n"].sum() == 4


@pytest.mark.parametrize("plot", [plots.age_by_sex, plots.haematoma_span, plots.outcome_by_grade])
def test_plots_render_even_without_data(profile_all, tmp_path: Path, plot) -> None:
    path = plot(frame_from_values([], profile_all), tmp_path / "empty.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_escapes_all_text(tmp_path: Path, profile_all) -> None:
    df = frame_from_values(SMALL, profile_all)
    profile = {**profile_all.to_dict(), "description": '<script>alert("x")</script> & co'}
    html = render_report(
        profile=profile,
        patients=len(df),
        descriptive=descriptive_table(df),
        by_grade=outcome_by_grade(df),
        attempts=fit_models(df, profile_all),
        prisma={
            "identified": 1,
            "screened": 1,
            "excluded": 0,
            "included": 1,
            "included_patients": 4,
        },
        images={"age_by_sex.png": plots.age_by_sex(df, tmp_path / "a.png")},
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html
    assert html.count('src="data:image/png;base64,') == 1
    assert "Full model not fitted." in html


# --------------------------------------------------------------------------------------------
# analyze on the demo DB
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo_corpus(path)
    db = connect(path)
    screen_db(db)
    extract_db(db)
    db.conn.close()
    return path


PNG_PLOTS = ("prisma_flow.png", "age_by_sex.png", "haematoma_span.png", "outcome_by_grade.png")


@pytest.mark.parametrize("profile", ["all", "bakker2015"])
def test_analyze_on_the_demo_db_writes_tables_plots_and_report(
    demo_db: Path, tmp_path: Path, profile: str
) -> None:
    out = tmp_path / "analysis"
    result = CliRunner().invoke(
        cli, ["analyze", "--db", str(demo_db), "--profile", profile, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    pngs = sorted(p.name for p in out.glob("*.png"))
    assert set(PNG_PLOTS) <= set(pngs) and len(pngs) >= 4
    for name in pngs:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    descriptive = pd.read_csv(out / "descriptive.csv")
    n = int(descriptive.loc[descriptive["variable"] == "Patients", "value"].iloc[0])
    assert n > 0 and f"{n} patients in profile {profile}" in result.output
    by_grade = pd.read_csv(out / "outcome_by_grade.csv")
    assert by_grade["n"].sum() == n
    models = json.loads((out / "regression.json").read_text("utf-8"))
    assert models and all(m["fitted"] or "too few events" in m["message"] for m in models)
    assert "regression" in result.output.splitlines()[-1]
    html = (out / "report.html").read_text("utf-8")
    assert html.count('src="data:image/png;base64,') == len(pngs)
    assert "http://" not in html and "https://" not in html  # self-contained
    assert f"Profile <strong>{profile}</strong>" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--profile", "nosuch"], "unknown profile 'nosuch'; known profiles: all, bakker2015"),
        (["--db", "{tmp}/missing.db"], "no corpus database at"),
    ],
)
def test_analyze_errors_are_clear(
    demo_db: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    argv = ["analyze", "--db", str(demo_db), "--out", str(tmp_path / "o")]
    argv += [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 1
    assert message in result.output
    assert not (tmp_path / "o" / "report.html").exists()


def test_report_shows_a_fitted_model_with_n_drops_and_forest_plot(
    tmp_path: Path, profile_all
) -> None:
    patients = simulate(600, seed=7)
    for p in patients[:12]:
        p["preop_grade"] = {"scale": "JOA", "grade": "10"}
    df = frame_from_values(patients, profile_all)
    attempts = fit_models(df, profile_all)
    model = attempts[0].result
    assert model is not None and model.label == "full"
    html = render_report(
        profile=profile_all.to_dict(),
        patients=len(df),
        descriptive=descriptive_table(df),
        by_grade=outcome_by_grade(df),
        attempts=attempts,
        prisma={
            "identified": 1,
            "screened": 1,
            "excluded": 0,
            "included": 1,
            "included_patients": 600,
        },
        images={"forest.png": plots.forest(model, tmp_path / "forest.png")},
    )
    assert "<strong>Full model</strong>" in html
    assert "588 of 600 patients used" in html
    assert (
        'pre-operative grade on another scale (not ASIA/Frankel A–E)</td><td class="num">12' in html
    )
    assert html.count("<tr><td>") >= len(model.terms)
    assert 'data-plot="forest.png"' in html


def test_analysis_reads_current_values_with_reviewer_corrections(
    demo_db: Path, tmp_path: Path
) -> None:
    from sseh_lit.analysis import patients_frame
    from sseh_lit.review import corrections, reviewers

    copy = tmp_path / "copy.db"
    source = connect(demo_db)
    source.conn.backup(connect(copy).conn)
    source.conn.close()
    db = connect(copy)
    before = patients_frame(db, "all")
    partial = before[before["outcome"] == "partial_recovery"].iloc[0]
    other = before[before["pmid"] != partial["pmid"]].iloc[0]
    reviewers.add_reviewer(db, "ana", "synthetic-pass-1")
    corrections.correct(
        db, partial["pmid"], int(partial["patient"]), "outcome", "complete_recovery",
        reviewer="ana", reason="synthetic test correction",
    )  # fmt: skip
    corrections.remove_patient(
        db, other["pmid"], int(other["patient"]), reviewer="ana", reason="not a patient"
    )
    after = patients_frame(db, "all")
    assert len(after) == len(before) - 1
    assert int(after["good_outcome"].eq(True).sum()) == int(
        before["good_outcome"].eq(True).sum()
    ) + (0 if other["good_outcome"] is True else 1)
    row = after[(after["pmid"] == partial["pmid"]) & (after["patient"] == partial["patient"])]
    assert row["outcome"].tolist() == ["complete_recovery"] and row["good_outcome"].tolist() == [
        True
    ]
