"""Analysis of the current dataset: descriptive tables, outcome by grade, the IPD regression.

Everything here is a pure function over a :class:`pandas.DataFrame` with one row per patient
(built by :func:`patients_frame` from :func:`sseh_lit.dataset.iter_patients` and a profile),
so it can be tested on simulated patients without a database. :func:`analyze` in
:mod:`sseh_lit.report` turns the results into CSV tables, PNG plots and ``report.html``.

The regression follows the reference IPD meta-analysis (Bakker et al., Neurology 2015): a
multivariable logistic model of good outcome (as the profile defines it) on the pre-operative
ASIA/Frankel grade (A–E as one ordinal scale), anticoagulant use, a 3–4-segment extent,
cauda-equina-only compression, region, age, sex and time to surgery. It is a complete-case
analysis: every patient lacking one of the model's inputs is dropped, and the first missing input
(in the order of :data:`FULL_MODEL`) is counted as the reason, so the counts add up to exactly
``n_input - n_used``. "Unknown is not No": a patient whose anticoagulant use is not reported is
dropped, never counted as not anticoagulated. Too few events, a term without variation among the
complete cases, or perfect separation raise :class:`InsufficientDataError` with a message that
says what is missing — never a crash and never a silently wrong estimate.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import sqlite_utils

from .errors import SsehLitError
from .fields import FIELD_BY_NAME, derive
from .profiles import Profile, get_profile, is_good_outcome, profile_matches

if TYPE_CHECKING:
    from .report import AnalysisSummary

#: ASIA/Frankel grades in order; one ordinal scale (A = complete injury … E = normal).
GRADES: tuple[str, ...] = ("A", "B", "C", "D", "E")
#: Scale names read as ASIA/Frankel (AIS is the ASIA Impairment Scale).
LETTER_SCALES = {"asia": "ASIA", "ais": "ASIA", "frankel": "Frankel"}
OUTCOMES: tuple[str, ...] = FIELD_BY_NAME["outcome"].allowed
#: Regions collapsed to three groups for the model (thoracic is the reference).
REGION_GROUP = {
    "cervical": "cervical",
    "cervicothoracic": "cervical",
    "cervicothoracolumbar": "cervical",
    "thoracic": "thoracic",
    "thoracolumbar": "thoracic",
    "lumbar": "lumbosacral",
    "lumbosacral": "lumbosacral",
    "sacral": "lumbosacral",
}

#: Columns of the frame :func:`frame_from_values` builds, in order.
COLUMNS: tuple[str, ...] = (
    "pmid",
    "patient",
    "age_years",
    "sex",
    "level_upper",
    "level_lower",
    "segments",
    "region",
    "compression",
    "location",
    "anticoagulant",
    "antiplatelet",
    "hypertension",
    "preop_scale",
    "preop_grade",
    "treatment",
    "time_to_surgery_hours",
    "outcome",
    "good_outcome",
)


class InsufficientDataError(SsehLitError):
    """The data cannot support the requested model (too few events, no variation, separation)."""


# --------------------------------------------------------------------------------------------
# The frame
# --------------------------------------------------------------------------------------------


def _grade(value: Any) -> tuple[str | None, str | None]:
    """``(scale, grade)`` of a ``{scale, grade}`` value; ASIA/AIS/Frankel letters upper-cased."""
    if not isinstance(value, Mapping):
        return None, None
    scale, grade = value.get("scale"), value.get("grade")
    if scale is None or grade is None or str(grade).strip() == "":
        return (str(scale) if scale else None), None
    letter = LETTER_SCALES.get(str(scale).strip().lower())
    if letter:
        return letter, str(grade).strip().upper()
    return str(scale), str(grade).strip()


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _number(value: Any) -> float:
    if isinstance(value, bool) or value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def frame_from_values(rows: Iterable[Mapping[str, Any]], profile: Profile) -> pd.DataFrame:
    """One row per patient from plain ``{field: value}`` dicts (plus ``pmid``/``patient``).

    Derived fields (segments, region, compression) are recomputed from the levels when absent;
    ``good_outcome`` is True/False/None by the profile's definition. Tri-state columns
    (anticoagulant, antiplatelet, hypertension, good_outcome) keep ``None`` for unknown.
    """
    records = []
    for values in rows:
        derived = derive(dict(values))
        scale, grade = _grade(values.get("preop_grade"))
        seg = values.get("segments")
        records.append(
            {
                "pmid": str(values.get("pmid") or ""),
                "patient": values.get("patient"),
                "age_years": _number(values.get("age_years")),
                "sex": _text(values.get("sex")),
                "level_upper": _text(values.get("level_upper")),
                "level_lower": _text(values.get("level_lower") or values.get("level_upper")),
                "segments": _number(seg if seg is not None else derived["segments"]),
                "region": _text(values.get("region") or derived["region"]),
                "compression": _text(values.get("compression") or derived["compression"]),
                "location": _text(values.get("location")),
                "anticoagulant": _bool(values.get("anticoagulant")),
                "antiplatelet": _bool(values.get("antiplatelet")),
                "hypertension": _bool(values.get("hypertension")),
                "preop_scale": scale,
                "preop_grade": grade,
                "treatment": _text(values.get("treatment")),
                "time_to_surgery_hours": _number(values.get("time_to_surgery_hours")),
                "outcome": _text(values.get("outcome")),
                "good_outcome": is_good_outcome(profile, values),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    for name in ("anticoagulant", "antiplatelet", "hypertension", "good_outcome"):
        frame[name] = pd.Series([r[name] for r in records], dtype=object, index=frame.index)
    for name in ("age_years", "segments", "time_to_surgery_hours"):
        frame[name] = frame[name].astype(float)
    frame.attrs["profile"] = profile.name
    return frame


def patients_frame(db: sqlite_utils.Database, profile: Profile | str = "all") -> pd.DataFrame:
    """The included, current patients of ``profile`` (name or :class:`Profile`) as a frame."""
    from .dataset import iter_patients

    chosen = get_profile(profile) if isinstance(profile, str) else profile

    def rows() -> Iterable[dict[str, Any]]:
        for view in iter_patients(db, included_only=True):
            if profile_matches(chosen, view):
                yield {**view.plain(), "pmid": view.pmid, "patient": view.patient}

    return frame_from_values(rows(), chosen)


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def _pct(count: int, of: int) -> str:
    return f"{count} ({100 * count / of:.1f}%)" if of else f"{count}"


def _known(series: pd.Series) -> pd.Series:
    return series.map(lambda v: v is not None and not (isinstance(v, float) and math.isnan(v)))


def descriptive_table(df: pd.DataFrame) -> pd.DataFrame:
    """The descriptive table: one row per statistic, each with how many patients reported it.

    Columns: ``variable``, ``statistic``, ``value`` (formatted), ``count`` (patients in the
    category, where that applies), ``reported`` (patients with the variable stated) and
    ``patients`` (all patients in the frame). Percentages are of those who reported it.
    """
    n = len(df)
    rows: list[dict[str, Any]] = []

    def add(variable: str, statistic: str, value: str, reported: int, count: Any = None) -> None:
        rows.append(
            {
                "variable": variable,
                "statistic": statistic,
                "value": value,
                "count": count,
                "reported": reported,
                "patients": n,
            }
        )

    add("Patients", "n", str(n), n, n)
    age = df["age_years"].dropna()
    if len(age):
        add(
            "Age (years)",
            "mean (SD)",
            f"{age.mean():.1f} ({age.std(ddof=1) if len(age) > 1 else 0:.1f})",
            len(age),
        )
        q1, q3 = age.quantile(0.25), age.quantile(0.75)
        add("Age (years)", "median (IQR)", f"{age.median():.1f} ({q1:.1f}–{q3:.1f})", len(age))
        add("Age (years)", "range", f"{age.min():.1f}–{age.max():.1f}", len(age))
    else:
        add("Age (years)", "mean (SD)", "not reported", 0)

    sex = df["sex"].dropna()
    males, females = int((sex == "male").sum()), int((sex == "female").sum())
    ratio = f"{males / females:.2f} : 1" if females else "n/a (no female patients)"
    add("Sex", "male : female", ratio, len(sex))
    _categories(add, "Sex", df["sex"], ("male", "female"))
    _categories(add, "Region", df["region"], FIELD_BY_NAME["region"].allowed)
    _categories(add, "Location", df["location"], FIELD_BY_NAME["location"].allowed)
    for column, label in (
        ("anticoagulant", "Anticoagulant use"),
        ("antiplatelet", "Antiplatelet use"),
        ("hypertension", "Hypertension"),
    ):
        known = df[column][_known(df[column])]
        yes = int((known == True).sum())  # noqa: E712 - tri-state object column
        add(label, "yes", _pct(yes, len(known)), len(known), yes)
    _categories(add, "Treatment", df["treatment"], FIELD_BY_NAME["treatment"].allowed)
    delay = df["time_to_surgery_hours"].dropna()
    if len(delay):
        q1, q3 = delay.quantile(0.25), delay.quantile(0.75)
        add(
            "Time to surgery (hours)",
            "median (IQR)",
            f"{delay.median():.1f} ({q1:.1f}–{q3:.1f})",
            len(delay),
        )
    _categories(add, "Outcome", df["outcome"], OUTCOMES)
    good = df["good_outcome"][_known(df["good_outcome"])]
    n_good = int((good == True).sum())  # noqa: E712
    add("Good outcome (profile)", "yes", _pct(n_good, len(good)), len(good), n_good)
    table = pd.DataFrame(
        rows, columns=["variable", "statistic", "value", "count", "reported", "patients"]
    )
    table["count"] = table["count"].astype("Int64")
    return table


def _categories(add: Any, variable: str, series: pd.Series, allowed: Sequence[str]) -> None:
    known = series.dropna()
    for category in allowed:
        count = int((known == category).sum())
        add(variable, category.replace("_", " "), _pct(count, len(known)), len(known), count)


def grade_group(scale: str | None, grade: str | None) -> str:
    """The row of the outcome-by-grade table: ``A``…``E``, ``other scale`` or ``not reported``."""
    if scale in ("ASIA", "Frankel") and grade in GRADES:
        return str(grade)
    if _text(scale) or _text(grade):  # a missing cell may be None or NaN
        return "other scale"
    return "not reported"


def outcome_by_grade(df: pd.DataFrame) -> pd.DataFrame:
    """Outcome by pre-operative grade (ASIA/Frankel A–E; other scales and unknown in own rows).

    Columns: ``grade``, ``n``, one per outcome category, ``outcome not reported``, ``good``
    (profile-defined good outcomes), ``good_known`` and ``good_percent`` (of ``good_known``).
    """
    groups = [grade_group(s, g) for s, g in zip(df["preop_scale"], df["preop_grade"], strict=True)]
    frame = df.assign(_group=groups)
    rows = []
    for group in (*GRADES, "other scale", "not reported"):
        part = frame[frame["_group"] == group]
        known = part["good_outcome"][_known(part["good_outcome"])]
        good = int((known == True).sum())  # noqa: E712
        row: dict[str, Any] = {"grade": group, "n": len(part)}
        for outcome in OUTCOMES:
            row[outcome] = int((part["outcome"] == outcome).sum())
        row["outcome not reported"] = int(part["outcome"].isna().sum())
        row["good"] = good
        row["good_known"] = len(known)
        row["good_percent"] = round(100 * good / len(known), 1) if len(known) else None
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# The regression
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    """One model input: the terms it adds and why a patient lacking it is dropped."""

    name: str
    terms: tuple[str, ...]
    missing_reason: str


GRADE = Variable("grade", ("preop_grade",), "pre-operative grade not reported")
ANTICOAGULANT = Variable("anticoagulant", ("anticoagulant",), "anticoagulant use not reported")
EXTENT = Variable("extent", ("extent_3_4_segments",), "haematoma levels not reported")
COMPRESSION = Variable("compression", ("cauda_equina_only",), "haematoma levels not reported")
REGION = Variable(
    "region", ("region_cervical", "region_lumbosacral"), "haematoma levels not reported"
)
AGE = Variable("age", ("age_per_10_years",), "age not reported")
SEX = Variable("sex", ("male",), "sex not reported")
DELAY = Variable("time_to_surgery", ("time_to_surgery_days",), "time to surgery not reported")

#: The full model of the issue, in the order missing inputs are attributed.
FULL_MODEL: tuple[Variable, ...] = (
    GRADE,
    ANTICOAGULANT,
    EXTENT,
    COMPRESSION,
    REGION,
    AGE,
    SEX,
    DELAY,
)
#: The four factors Bakker et al. found associated with good outcome (the labelled fallback).
REDUCED_MODEL: tuple[Variable, ...] = (GRADE, ANTICOAGULANT, EXTENT, COMPRESSION)

#: Human-readable term labels (report and CSV).
TERM_LABELS = {
    "const": "Intercept",
    "preop_grade": "Pre-operative grade (per step, A→E)",
    "anticoagulant": "Anticoagulant use",
    "extent_3_4_segments": "Extent 3–4 segments (vs other)",
    "cauda_equina_only": "Cauda equina only (vs cord)",
    "region_cervical": "Region cervical (vs thoracic)",
    "region_lumbosacral": "Region lumbosacral (vs thoracic)",
    "age_per_10_years": "Age (per 10 years)",
    "male": "Male sex",
    "time_to_surgery_days": "Time to surgery (per 24 h)",
}
OUTCOME_MISSING = "good outcome not determinable (outcome not reported)"
OTHER_SCALE = "pre-operative grade on another scale (not ASIA/Frankel A–E)"
NOT_OPERATED = "treated conservatively (no time to surgery)"


@dataclass
class Term:
    """One estimated coefficient."""

    term: str
    label: str
    coef: float
    se: float
    odds_ratio: float
    ci_low: float  # 95% CI of the odds ratio
    ci_high: float
    p_value: float


@dataclass
class ModelResult:
    """A fitted model, the n it used and every patient it dropped, with the reason."""

    label: str  # "full" or "reduced (…)"
    profile: str
    good_outcome: str  # the profile's definition, in words
    variables: list[str]
    n_input: int
    n_used: int
    events: int  # good outcomes among the patients used
    non_events: int
    dropped: dict[str, int]  # reason → patients (first missing input), sums to n_input - n_used
    dropped_terms: dict[str, str] = field(default_factory=dict)  # term → why it left the model
    terms: list[Term] = field(default_factory=list)
    converged: bool = True
    pseudo_r2: float | None = None
    llr_p_value: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """The coefficients as a table (one row per term, odds ratios with 95% CI)."""
        frame = pd.DataFrame([asdict(t) for t in self.terms])
        frame.insert(0, "model", self.label)
        return frame

    def to_dict(self) -> dict[str, Any]:
        """Everything as JSON-ready data."""
        return asdict(self)

    def coefficient(self, term: str) -> Term:
        """The :class:`Term` called ``term`` (KeyError if the model does not have it)."""
        for t in self.terms:
            if t.term == term:
                return t
        raise KeyError(term)


def _grade_score(scale: Any, grade: Any) -> float:
    if scale in ("ASIA", "Frankel") and grade in GRADES:
        return float(GRADES.index(grade) + 1)
    return math.nan


def design(
    df: pd.DataFrame, variables: Sequence[Variable] = FULL_MODEL
) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """``(X, y, reason)`` for every row of ``df``: the model terms, good outcome (1/0) and the
    first reason the row cannot be used (``None`` for a complete case)."""
    index = df.index
    reason = pd.Series([None] * len(df), index=index, dtype=object)

    def mark(mask: pd.Series, why: str) -> None:
        reason[mask & reason.isna()] = why

    good = df["good_outcome"]
    mark(~_known(good), OUTCOME_MISSING)
    columns: dict[str, pd.Series] = {}
    names = {v.name for v in variables}
    if "grade" in names:
        scale_known = df["preop_scale"].notna() | df["preop_grade"].notna()
        score = pd.Series(
            [_grade_score(s, g) for s, g in zip(df["preop_scale"], df["preop_grade"], strict=True)],
            index=index,
            dtype=float,
        )
        mark(~scale_known, GRADE.missing_reason)
        mark(scale_known & score.isna(), OTHER_SCALE)
        columns["preop_grade"] = score
    if "anticoagulant" in names:
        known = _known(df["anticoagulant"])
        mark(~known, ANTICOAGULANT.missing_reason)
        columns["anticoagulant"] = (
            df["anticoagulant"]
            .map(lambda v: float(v) if isinstance(v, bool) else math.nan)
            .astype(float)
        )
    if names & {"extent", "compression", "region"}:
        mark(df["segments"].isna() | df["compression"].isna(), EXTENT.missing_reason)
        if "extent" in names:
            columns["extent_3_4_segments"] = df["segments"].isin([3, 4]).astype(float)
        if "compression" in names:
            columns["cauda_equina_only"] = (df["compression"] == "cauda_equina").astype(float)
        if "region" in names:
            group = df["region"].map(lambda r: REGION_GROUP.get(r) if isinstance(r, str) else None)
            columns["region_cervical"] = (group == "cervical").astype(float)
            columns["region_lumbosacral"] = (group == "lumbosacral").astype(float)
    if "age" in names:
        mark(df["age_years"].isna(), AGE.missing_reason)
        columns["age_per_10_years"] = df["age_years"] / 10.0
    if "sex" in names:
        mark(~df["sex"].isin(["male", "female"]), SEX.missing_reason)
        columns["male"] = (df["sex"] == "male").astype(float)
    if "time_to_surgery" in names:
        no_delay = df["time_to_surgery_hours"].isna()
        mark(no_delay & (df["treatment"] == "conservative"), NOT_OPERATED)
        mark(no_delay, DELAY.missing_reason)
        columns["time_to_surgery_days"] = df["time_to_surgery_hours"] / 24.0
    order = [t for v in variables for t in v.terms]
    X = pd.DataFrame({t: columns[t] for t in order}, index=index)
    y = good.map(lambda v: float(v) if isinstance(v, bool) else math.nan).astype(float)
    return X, y, reason


def _definition(profile: Profile | None, df: pd.DataFrame) -> tuple[str, str]:
    if profile is None:
        return str(df.attrs.get("profile", "unknown")), "good_outcome column of the frame"
    good = profile.good_outcome
    return profile.name, f"{good.field} in {{{', '.join(map(str, good.values))}}}"


def fit_outcome_model(
    df: pd.DataFrame,
    profile: Profile | None = None,
    *,
    variables: Sequence[Variable] = FULL_MODEL,
    label: str = "full",
    events_per_term: int = 10,
    min_events: int = 10,
) -> ModelResult:
    """Multivariable logistic regression (statsmodels ``Logit``) of good outcome on ``variables``.

    Complete cases only; the dropped patients are counted by their first missing input. A term
    without variation among the complete cases (e.g. nobody with cauda-equina-only compression)
    is left out and named in ``dropped_terms``, and the model is then labelled ``reduced``.
    Raises :class:`InsufficientDataError` when fewer than ``events_per_term`` events per term (or
    fewer than ``min_events``) are available in the smaller outcome group, or the fit separates
    the outcome perfectly or does not converge.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    profile_name, definition = _definition(profile, df)
    X, y, reason = design(df, variables)
    complete = reason.isna()
    dropped = {str(k): int(v) for k, v in reason[~complete].value_counts(sort=False).items()}
    order = [OUTCOME_MISSING, GRADE.missing_reason, OTHER_SCALE]
    order += [v.missing_reason for v in FULL_MODEL[1:-1]] + [NOT_OPERATED, DELAY.missing_reason]
    dropped = {k: dropped[k] for k in dict.fromkeys(order) if k in dropped}
    X, y = X[complete], y[complete]
    result = ModelResult(
        label=label,
        profile=profile_name,
        good_outcome=definition,
        variables=[v.name for v in variables],
        n_input=len(df),
        n_used=len(y),
        events=int(y.sum()),
        non_events=int(len(y) - y.sum()),
        dropped=dropped,
    )
    smaller = min(result.events, result.non_events)
    if smaller >= min_events:  # below that the message is about events, not about terms
        for term in list(X.columns):
            if X[term].nunique() < 2:
                result.dropped_terms[term] = "no variation among the complete cases"
                X = X.drop(columns=term)
        if result.dropped_terms and not label.startswith("reduced"):
            result.label = f"reduced ({label} minus {', '.join(result.dropped_terms)})"
    needed = max(min_events, events_per_term * X.shape[1])
    if X.shape[1] == 0 or smaller < needed:
        raise InsufficientDataError(
            f"too few events for the {result.label} model: {result.n_used} of {result.n_input} "
            f"patients have every input ({_drops_text(dropped)}){_terms_text(result)}; "
            f"{result.events} good and {result.non_events} not good outcomes, so the smaller "
            f"group has {smaller} but {needed} are needed ({events_per_term} per term × "
            f"{X.shape[1]} terms, at least {min_events}). Report the descriptive tables "
            "instead, or review more records."
        )
    exog = sm.add_constant(X, has_constant="add")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PerfectSeparationWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            fit = sm.Logit(y, exog).fit(disp=0, maxiter=200)
    except (PerfectSeparationError, PerfectSeparationWarning) as e:
        raise InsufficientDataError(
            f"the {result.label} model cannot be estimated: perfect separation (a combination of "
            f"inputs predicts the outcome exactly) among {result.n_used} patients; {e}"
        ) from e
    except np.linalg.LinAlgError as e:
        raise InsufficientDataError(
            f"the {result.label} model cannot be estimated: its terms are collinear among the "
            f"{result.n_used} complete cases ({e})"
        ) from e
    params, bse, pvalues = fit.params, fit.bse, fit.pvalues
    converged = bool(fit.mle_retvals.get("converged", True))
    if not converged or not np.all(np.isfinite(bse)) or float(np.max(np.abs(params))) > 20:
        raise InsufficientDataError(
            f"the {result.label} model did not converge to finite estimates among "
            f"{result.n_used} patients (quasi-separation or too little data)"
        )
    result.converged = converged
    result.pseudo_r2 = float(fit.prsquared)
    result.llr_p_value = float(fit.llr_pvalue)
    for term in exog.columns:
        coef, se = float(params[term]), float(bse[term])
        result.terms.append(
            Term(
                term=term,
                label=TERM_LABELS.get(term, term),
                coef=coef,
                se=se,
                odds_ratio=math.exp(coef),
                ci_low=math.exp(coef - 1.959964 * se),
                ci_high=math.exp(coef + 1.959964 * se),
                p_value=float(pvalues[term]),
            )
        )
    return result


def _terms_text(result: ModelResult) -> str:
    if not result.dropped_terms:
        return ""
    return "; left out: " + ", ".join(f"{t} ({why})" for t, why in result.dropped_terms.items())


def _drops_text(dropped: Mapping[str, int]) -> str:
    if not dropped:
        return "none dropped"
    return "dropped: " + "; ".join(f"{reason} {n}" for reason, n in dropped.items())


@dataclass
class ModelAttempt:
    """One model tried by :func:`fit_models`: the result, or why it could not be fitted."""

    label: str
    result: ModelResult | None
    message: str | None


def fit_models(df: pd.DataFrame, profile: Profile | None = None) -> list[ModelAttempt]:
    """Try the full model; when the data cannot support it, try the clearly labelled reduced
    model (Bakker's four factors). Returns every attempt, in order; never raises for lack of data."""
    attempts = []
    for label, variables in (
        ("full", FULL_MODEL),
        ("reduced (grade, anticoagulant, extent, compression)", REDUCED_MODEL),
    ):
        try:
            result = fit_outcome_model(df, profile, variables=variables, label=label)
        except InsufficientDataError as e:
            attempts.append(ModelAttempt(label, None, str(e)))
            continue
        attempts.append(ModelAttempt(result.label, result, None))
        break
    return attempts


def analyze(
    db_path: str | Path, *, profile: str = "all", out_dir: str | Path = "outputs"
) -> AnalysisSummary:
    """Write every table, plot and ``report.html`` for ``profile`` into ``out_dir`` (one call, for
    ``sseh-lit demo`` and ``update``); see :func:`sseh_lit.report.analyze`, which it calls."""
    from .report import analyze as write_analysis

    return write_analysis(db_path, profile=profile, out_dir=out_dir)
