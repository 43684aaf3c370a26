"""The analysis plots as PNG files (matplotlib, Agg backend: no display needed, safe under cron).

Each function takes the patient frame of :mod:`sseh_lit.analysis` (or its results) and a path,
draws one figure, writes it and returns the path. A plot whose data are absent still renders, with
a note saying what was not reported, so the report never has a missing image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .analysis import GRADES, OUTCOMES, ModelResult, grade_group
from .fields import LEVEL_INDEX, LEVELS, normalise_level

DPI = 100
_SEX_COLOURS = {"male": "#3b6ea5", "female": "#c0504d", "not reported": "#999999"}
_OUTCOME_COLOURS = {
    "complete_recovery": "#4a9a5b",
    "partial_recovery": "#a8c66c",
    "no_recovery": "#e3a33b",
    "death": "#7f3b3b",
    "not reported": "#cccccc",
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    return plt


def _save(fig: Any, path: str | Path) -> Path:
    plt = _pyplot()
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=DPI, facecolor="white", bbox_inches="tight")
    plt.close(fig)
    return target


def _empty(ax: Any, message: str) -> None:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="#555")
    ax.set_xticks([])
    ax.set_yticks([])


def age_by_sex(df: pd.DataFrame, path: str | Path) -> Path:
    """Box plot of age by sex with every patient as a jittered point; n per group in the labels."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4.5))
    sexes = df["sex"].map(lambda s: s if s in ("male", "female") else "not reported")
    groups = [
        (sex, df.loc[(sexes == sex) & df["age_years"].notna(), "age_years"].to_numpy(float))
        for sex in ("male", "female", "not reported")
    ]
    groups = [(s, a) for s, a in groups if len(a)]
    if not groups:
        _empty(ax, "No patient has a reported age")
    else:
        rng = np.random.default_rng(0)
        ax.boxplot([a for _, a in groups], showfliers=False, widths=0.5)
        for i, (sex, ages) in enumerate(groups, start=1):
            x = i + rng.uniform(-0.15, 0.15, len(ages))
            ax.scatter(x, ages, s=14, alpha=0.7, color=_SEX_COLOURS[sex], zorder=3)
        ax.set_xticks(range(1, len(groups) + 1), [f"{s}\n(n = {len(a)})" for s, a in groups])
        ax.set_ylabel("Age (years)")
    ax.set_title("Age by sex")
    return _save(fig, path)


def haematoma_span(df: pd.DataFrame, path: str | Path) -> Path:
    """One vertical bar per patient from its upper to its lower level along C1–S5, sorted by the
    upper level; cauda-equina-only haematomas in a second colour."""
    plt = _pyplot()
    spans = []
    for upper, lower, comp in zip(
        df["level_upper"], df["level_lower"], df["compression"], strict=True
    ):
        u, lo = normalise_level(upper), normalise_level(lower or upper)
        if u is None or lo is None:
            continue
        a, b = sorted((LEVEL_INDEX[u], LEVEL_INDEX[lo]))
        spans.append((a, b, comp))
    spans.sort(key=lambda s: (s[0], s[1]))
    width = min(14.0, max(6.0, 0.08 * len(spans) + 3))
    fig, ax = plt.subplots(figsize=(width, 6))
    if not spans:
        _empty(ax, "No patient has reported haematoma levels")
    else:
        lows = np.array([a for a, _, _ in spans], dtype=float)
        highs = np.array([b for _, b, _ in spans], dtype=float)
        colours = ["#c0504d" if comp == "cauda_equina" else "#3b6ea5" for _, _, comp in spans]
        # One LineCollection for every patient: stays quick with tens of thousands of spans.
        line_width = max(0.1, 0.8 * width * 72 * 0.75 / len(spans))
        ax.vlines(
            np.arange(len(spans)) + 0.5, lows - 0.4, highs + 0.4, colors=colours,
            linewidth=line_width,
        )  # fmt: skip
        ax.set_xlim(0, len(spans))
        ax.set_ylim(len(LEVELS) - 0.5, -0.5)
        ax.set_yticks(range(len(LEVELS)), LEVELS, fontsize=7)
        for boundary in (6.5, 18.5, 23.5):  # C7|T1, T12|L1, L5|S1
            ax.axhline(boundary, color="#bbb", linewidth=0.8, linestyle="--")
        ax.set_xlabel(f"Patients with reported levels (n = {len(spans)}), sorted by upper level")
        ax.set_ylabel("Vertebral level")
        handles = [
            plt.Rectangle((0, 0), 1, 1, color="#3b6ea5"),
            plt.Rectangle((0, 0), 1, 1, color="#c0504d"),
        ]
        ax.legend(handles, ["cord", "cauda equina only"], loc="lower right", fontsize=8)
    ax.set_title("Haematoma span along C1–S5")
    return _save(fig, path)


def outcome_by_grade(df: pd.DataFrame, path: str | Path) -> Path:
    """Stacked bars: outcome distribution per pre-operative ASIA/Frankel grade (n on each bar)."""
    plt = _pyplot()
    groups = [grade_group(s, g) for s, g in zip(df["preop_scale"], df["preop_grade"], strict=True)]
    frame = df.assign(_group=groups)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    rows = [g for g in (*GRADES, "other scale") if (frame["_group"] == g).any()]
    if not rows:
        _empty(ax, "No patient has a reported pre-operative grade")
    else:
        bottom = np.zeros(len(rows))
        for outcome in (*OUTCOMES, "not reported"):
            counts = []
            for g in rows:
                part = frame.loc[frame["_group"] == g, "outcome"]
                n = part.isna().sum() if outcome == "not reported" else (part == outcome).sum()
                counts.append(100 * n / len(part))
            values = np.array(counts)
            ax.bar(rows, values, bottom=bottom, color=_OUTCOME_COLOURS[outcome],
                   label=outcome.replace("_", " "))  # fmt: skip
            bottom += values
        for i, g in enumerate(rows):
            ax.text(i, 101, f"n={int((frame['_group'] == g).sum())}", ha="center", fontsize=8)
        ax.set_ylim(0, 110)
        ax.set_ylabel("Patients (%)")
        ax.set_xlabel("Pre-operative grade (ASIA/Frankel)")
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title("Outcome by pre-operative grade")
    return _save(fig, path)


def forest(result: ModelResult, path: str | Path) -> Path:
    """Odds ratios with 95% CI of a fitted model (log scale), intercept left out."""
    plt = _pyplot()
    terms = [t for t in result.terms if t.term != "const"]
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(terms) + 1.5))
    y = np.arange(len(terms))[::-1]
    ax.errorbar(
        [t.odds_ratio for t in terms],
        y,
        xerr=[
            [t.odds_ratio - t.ci_low for t in terms],
            [t.ci_high - t.odds_ratio for t in terms],
        ],
        fmt="o",
        color="#3b6ea5",
        capsize=3,
    )
    ax.axvline(1.0, color="#888", linestyle="--", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yticks(y, [t.label for t in terms], fontsize=8)
    ax.set_xlabel("Odds ratio of good outcome (95% CI)")
    ax.set_title(f"Logistic regression, {result.label} model (n = {result.n_used})")
    return _save(fig, path)
