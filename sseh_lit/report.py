"""``sseh-lit analyze``: tables, regression, plots and one self-contained ``report.html``.

:func:`analyze` reads the current dataset of one profile (one read snapshot of the DB), computes
the tables and the regression with :mod:`sseh_lit.analysis`, draws the plots with
:mod:`sseh_lit.plots` and the PRISMA flow with :func:`sseh_lit.prisma.render_png`, and writes
everything directly into the output folder:

* ``descriptive.csv``, ``outcome_by_grade.csv``, ``regression.csv`` (coefficients, odds ratios,
  95% CI; header only when no model could be fitted) and ``regression.json`` (every model tried:
  n used, events, what was dropped and why, or the message saying why it could not be fitted);
* ``age_by_sex.png``, ``haematoma_span.png``, ``outcome_by_grade.png``, ``prisma_flow.png`` and,
  when a model was fitted, ``forest.png``;
* ``report.html``: the tables, the regression and every plot, embedded as base64 data URIs so
  the file can be mailed or archived alone. All text goes through Jinja2 autoescaping.

Too little data for the regression is not an error here: the report says so, in the words of
:class:`~sseh_lit.analysis.InsufficientDataError`, and the rest is still written.
"""

from __future__ import annotations

import base64
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from . import __version__, plots
from .analysis import (
    ModelAttempt,
    ModelResult,
    descriptive_table,
    fit_models,
    outcome_by_grade,
    patients_frame,
)
from .db import connect, connect_existing, transaction, utcnow
from .errors import DatabaseError
from .profiles import get_profile

#: Plot files in report order, with their captions.
PLOTS: tuple[tuple[str, str], ...] = (
    ("prisma_flow.png", "PRISMA 2020 flow of records"),
    ("age_by_sex.png", "Age by sex"),
    ("haematoma_span.png", "Haematoma span of each patient along C1–S5"),
    ("outcome_by_grade.png", "Outcome by pre-operative grade"),
    ("forest.png", "Odds ratios of good outcome"),
)


@dataclass
class AnalysisSummary:
    """What :func:`analyze` wrote."""

    out_dir: Path
    profile: str
    patients: int
    files: dict[str, Path] = field(default_factory=dict)
    attempts: list[ModelAttempt] = field(default_factory=list)

    @property
    def model(self) -> ModelResult | None:
        """The fitted model (full, or the labelled reduced one), if any."""
        return next((a.result for a in self.attempts if a.result is not None), None)

    def model_line(self) -> str:
        """One line on the regression, for the CLI and the update summary."""
        model = self.model
        if model is not None:
            return (
                f"regression ({model.label} model): {model.n_used} of {model.n_input} patients "
                f"used, {model.events} good outcomes"
            )
        last = self.attempts[-1].message if self.attempts else "no model tried"
        return f"regression not fitted: {last}"


def analyze(
    db_path: str | Path, *, profile: str = "all", out_dir: str | Path = "outputs"
) -> AnalysisSummary:
    """Write the analysis tables, plots and ``report.html`` for ``profile`` into ``out_dir``.

    Raises :class:`NotFoundError` for a missing DB or unknown profile and
    :class:`DatabaseError` when the output folder cannot be written.
    """
    from .prisma import prisma_counts

    db_path = Path(db_path)
    connect_existing(db_path).conn.close()  # a mistyped path is an error, before any output
    chosen = get_profile(profile)
    out = Path(out_dir)
    db = connect(db_path)
    try:
        with transaction(db, immediate=False):  # one read snapshot for the frame and PRISMA
            frame = patients_frame(db, chosen)
            counts = prisma_counts(db)
    finally:
        db.conn.close()
    summary = AnalysisSummary(out_dir=out, profile=chosen.name, patients=len(frame))
    descriptive = descriptive_table(frame)
    by_grade = outcome_by_grade(frame)
    summary.attempts = fit_models(frame, chosen)
    try:
        out.mkdir(parents=True, exist_ok=True)
        files = summary.files
        files["descriptive.csv"] = _csv(descriptive, out / "descriptive.csv")
        files["outcome_by_grade.csv"] = _csv(by_grade, out / "outcome_by_grade.csv")
        model = summary.model
        coefficients = model.to_frame() if model else pd.DataFrame(columns=_COEF_COLUMNS)
        files["regression.csv"] = _csv(coefficients, out / "regression.csv")
        files["regression.json"] = out / "regression.json"
        files["regression.json"].write_text(
            json.dumps(_models_json(summary.attempts), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        from .prisma import render_png

        files["prisma_flow.png"] = render_png(counts, out / "prisma_flow.png")
        files["age_by_sex.png"] = plots.age_by_sex(frame, out / "age_by_sex.png")
        files["haematoma_span.png"] = plots.haematoma_span(frame, out / "haematoma_span.png")
        files["outcome_by_grade.png"] = plots.outcome_by_grade(frame, out / "outcome_by_grade.png")
        if model is not None:
            files["forest.png"] = plots.forest(model, out / "forest.png")
        else:
            (out / "forest.png").unlink(missing_ok=True)  # never leave a stale model's plot
        html = render_report(
            profile=chosen.to_dict(),
            patients=len(frame),
            descriptive=descriptive,
            by_grade=by_grade,
            attempts=summary.attempts,
            prisma=counts,
            images={name: files[name] for name, _ in PLOTS if name in files},
        )
        files["report.html"] = out / "report.html"
        files["report.html"].write_text(html, encoding="utf-8")
    except OSError as e:
        raise DatabaseError(f"cannot write the analysis to {out}: {e}") from e
    return summary


_COEF_COLUMNS = [
    "model",
    "term",
    "label",
    "coef",
    "se",
    "odds_ratio",
    "ci_low",
    "ci_high",
    "p_value",
]


def _csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False, lineterminator="\n")
    return path


def _models_json(attempts: list[ModelAttempt]) -> list[dict[str, Any]]:
    return [
        {
            "label": a.label,
            "fitted": a.result is not None,
            "message": a.message,
            **({"result": a.result.to_dict()} if a.result is not None else {}),
        }
        for a in attempts
    ]


# --------------------------------------------------------------------------------------------
# report.html
# --------------------------------------------------------------------------------------------

_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SSEH analysis — profile {{ profile.name }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem;
       color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 0.8rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f3f5f8; }
figure { margin: 1.2rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9rem; color: #555; }
.note { background: #fff8e5; border-left: 4px solid #e3a33b; padding: 0.5rem 0.8rem; }
.meta { color: #555; font-size: 0.9rem; }
</style>
</head>
<body>
<h1>Spontaneous spinal epidural haematoma — analysis</h1>
<p class="meta">Profile <strong>{{ profile.name }}</strong>: {{ profile.description }}<br>
Good outcome: {{ profile.good_outcome.field }} in {{ profile.good_outcome["in"] | join(", ") }}.<br>
{{ patients }} patients. Generated {{ generated }} by sseh-lit {{ version }}.
Machine-extracted values are shown unless a reviewer corrected them; review before citing.</p>

<h2 id="prisma">PRISMA flow</h2>
<p>Records identified {{ prisma.identified }}, screened {{ prisma.screened }}, excluded
{{ prisma.excluded }}, included {{ prisma.included }} ({{ prisma.included_patients }} patients).</p>
{{ figure("prisma_flow.png") }}

<h2 id="descriptive">Descriptive table</h2>
<table id="descriptive-table">
<thead><tr><th>Variable</th><th>Statistic</th><th class="num">Value</th>
<th class="num">Reported by</th></tr></thead>
<tbody>
{% for row in descriptive %}<tr><td>{{ row.variable }}</td><td>{{ row.statistic }}</td>
<td class="num">{{ row.value }}</td><td class="num">{{ row.reported }} / {{ row.patients }}</td></tr>
{% endfor %}</tbody>
</table>
{{ figure("age_by_sex.png") }}
{{ figure("haematoma_span.png") }}

<h2 id="grade">Outcome by pre-operative grade</h2>
<table id="grade-table">
<thead><tr>{% for col in by_grade_columns %}
<th{% if not loop.first %} class="num"{% endif %}>{{ col }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in by_grade %}<tr>{% for col in by_grade_columns %}
<td{% if not loop.first %} class="num"{% endif %}>{{ cell(row[col]) }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
{{ figure("outcome_by_grade.png") }}

<h2 id="regression">Logistic regression of good outcome</h2>
{% for attempt in attempts %}
{% if attempt.result %}{% set m = attempt.result %}
<p><strong>{{ m.label | capitalize }} model</strong>: {{ m.variables | join(", ") }}.
Good outcome: {{ m.good_outcome }}. {{ m.n_used }} of {{ m.n_input }} patients used
({{ m.events }} good, {{ m.non_events }} not good outcomes); McFadden pseudo-R²
{{ "%.3f" | format(m.pseudo_r2) }}, likelihood-ratio p {{ pvalue(m.llr_p_value) }}.</p>
<table id="regression-table">
<thead><tr><th>Term</th><th class="num">Coefficient</th><th class="num">SE</th>
<th class="num">Odds ratio (95% CI)</th><th class="num">p</th></tr></thead>
<tbody>
{% for t in m.terms %}<tr><td>{{ t.label }}</td><td class="num">{{ "%.3f" | format(t.coef) }}</td>
<td class="num">{{ "%.3f" | format(t.se) }}</td>
<td class="num">{{ "%.2f" | format(t.odds_ratio) }}
({{ "%.2f" | format(t.ci_low) }}–{{ "%.2f" | format(t.ci_high) }})</td>
<td class="num">{{ pvalue(t.p_value) }}</td></tr>
{% endfor %}</tbody>
</table>
{{ drops(m) }}
{% if m.dropped_terms %}<p>Terms left out:
{% for term, why in m.dropped_terms.items() %}{{ term }} ({{ why }}){% if not loop.last %}; {% endif %}
{% endfor %}</p>{% endif %}
{{ figure("forest.png") }}
{% else %}
<p class="note"><strong>{{ attempt.label | capitalize }} model not fitted.</strong> {{ attempt.message }}</p>
{% endif %}
{% endfor %}
<p class="meta">Complete-case analysis: a patient missing any model input is dropped and counted
under the first missing input. Pre-operative grade: ASIA and Frankel A–E read as one ordinal scale
(coefficient per grade step); other scales are dropped and counted. Region: cervical (incl.
cervicothoracic) and lumbosacral (lumbar, lumbosacral, sacral) against thoracic.</p>
</body>
</html>
"""

_DROPS = """{% if m.dropped %}<table class="drops"><thead><tr><th>Dropped because</th>
<th class="num">Patients</th></tr></thead><tbody>
{% for why, n in m.dropped.items() %}<tr><td>{{ why }}</td><td class="num">{{ n }}</td></tr>
{% endfor %}</tbody></table>{% else %}<p>No patient was dropped.</p>{% endif %}"""


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _pvalue(p: float | None) -> str:
    if p is None or math.isnan(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def render_report(
    *,
    profile: dict[str, Any],
    patients: int,
    descriptive: pd.DataFrame,
    by_grade: pd.DataFrame,
    attempts: list[ModelAttempt],
    prisma: dict[str, Any],
    images: dict[str, Path],
) -> str:
    """The report as one HTML string; every image inlined as a data URI, all text escaped."""
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    drops = env.from_string(_DROPS)

    def figure(name: str) -> Any:
        if name not in images:
            return ""
        return _markup(env, images[name], dict(PLOTS)[name], name)

    template = env.from_string(_TEMPLATE)
    return template.render(
        profile=profile,
        patients=patients,
        generated=utcnow(),
        version=__version__,
        prisma=prisma,
        descriptive=descriptive.to_dict("records"),
        by_grade=by_grade.to_dict("records"),
        by_grade_columns=list(by_grade.columns),
        attempts=attempts,
        figure=figure,
        drops=lambda m: _safe(drops.render(m=m)),
        cell=_cell,
        pvalue=_pvalue,
    )


def _safe(html: str) -> Any:
    from markupsafe import Markup

    return Markup(html)


def _markup(env: jinja2.Environment, path: Path, caption: str, name: str) -> Any:
    return _safe(
        env.from_string(
            '<figure><img src="{{ src }}" alt="{{ caption }}" data-plot="{{ name }}">'
            "<figcaption>{{ caption }}</figcaption></figure>"
        ).render(src=_data_uri(path), caption=caption, name=name)
    )
