"""Score predictions against a gold JSONL, exactly as ``gold/SCHEMA.md`` ("How predictions are
scored") says.

* Screening over all records: sensitivity and specificity of include/exclude, and reason-code
  accuracy on the correctly excluded records (the code is the part before any ``" ("``).
* Patient fields on gold-included records only. Patients are aligned 1:1 when both sides have
  one, otherwise greedily by matching age and sex, then by order; unmatched gold patients are
  misses for their non-null fields, unmatched predicted ones false positives for theirs.
* Per field: equal (after normalisation) = TP; a non-null prediction that differs = FP (and FN
  when gold is non-null); null against a gold value = FN; null against null is not counted.
  Agent lists are compared as sets, per agent.
* Patient-count accuracy over gold-included records, and an error listing
  ``(pmid, field, expected, got, evidence)``.

Pure functions over plain dicts; the CLI (``sseh-lit evaluate``) only reads files and prints.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ValidationError
from .fields import FIELD_BY_NAME, FIELDS, normalise_level

#: Fields scored per patient (the schema's non-derived fields marked ``scored``).
SCORED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.scored and not f.derived)
_LETTER_SCALES = {"asia": "A-E", "ais": "A-E", "frankel": "A-E"}


@dataclass
class FieldScore:
    """Counts and rates for one field."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    n_gold: int = 0  # gold values (non-null, non-empty; agents: number of agents)

    @property
    def precision(self) -> float | None:
        return rate(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float | None:
        return rate(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if p is None or r is None:
            return None
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "n_gold": self.n_gold,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass
class ErrorRow:
    """One disagreement between gold and prediction."""

    pmid: str
    field: str
    expected: Any
    got: Any
    evidence: str | None = None


@dataclass
class Report:
    """Everything ``evaluate`` measures."""

    n_records: int = 0
    n_included: int = 0
    sensitivity: float | None = None
    specificity: float | None = None
    reason_accuracy: float | None = None
    patient_count_accuracy: float | None = None
    fields: dict[str, FieldScore] = field(default_factory=dict)
    errors: list[ErrorRow] = field(default_factory=list)
    missing_predictions: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_records": self.n_records,
            "n_included": self.n_included,
            "screening": {
                "sensitivity": self.sensitivity,
                "specificity": self.specificity,
                "reason_accuracy": self.reason_accuracy,
            },
            "patient_count_accuracy": self.patient_count_accuracy,
            "fields": {name: s.to_dict() for name, s in self.fields.items()},
            "errors": [asdict(e) for e in self.errors],
            "missing_predictions": self.missing_predictions,
        }


# ---------------------------------------------------------------- normalisation and equality


def is_value(value: Any) -> bool:
    """A "gold value" is non-null and non-empty."""
    return value is not None and value != [] and value != "" and value != {}


def reason_code(reason: Any) -> str:
    """``"other (letter)"`` → ``"other"``."""
    return str(reason or "").split(" (")[0].strip().lower()


def _grade_key(value: Any) -> tuple[str | None, str] | None:
    if not isinstance(value, Mapping):
        return None
    grade = value.get("grade")
    if grade is None:
        return None
    g = str(grade).strip().upper()
    with contextlib.suppress(ValueError):
        g = repr(float(g))
    scale = value.get("scale")
    s = str(scale).strip().lower() if scale else None
    return (_LETTER_SCALES.get(s, s) if s else None, g)


def values_equal(name: str, gold: Any, pred: Any) -> bool:
    """Equality after the schema's normalisation rules for field ``name``."""
    if name in ("level_upper", "level_lower"):
        return normalise_level(str(gold)) == normalise_level(str(pred)) is not None
    if name == "age_years":
        try:
            g, p = float(gold), float(pred)
        except (TypeError, ValueError):
            return False
        return abs(g - p) <= (0.09 if g < 2 else 0.5)
    if name == "time_to_surgery_hours":
        try:
            g, p = float(gold), float(pred)
        except (TypeError, ValueError):
            return False
        return abs(g - p) <= max(1.0, 0.1 * abs(g))
    if isinstance(gold, Mapping) or isinstance(pred, Mapping):
        gk, pk = _grade_key(gold), _grade_key(pred)
        if gk is None or pk is None or gk[1] != pk[1]:
            return False
        return gk[0] is None or pk[0] is None or gk[0] == pk[0] or "other" in (gk[0], pk[0])
    if isinstance(gold, bool) or isinstance(pred, bool):
        return isinstance(gold, bool) and isinstance(pred, bool) and gold == pred
    if isinstance(gold, str) and isinstance(pred, str):
        return gold.strip().lower() == pred.strip().lower()
    if isinstance(gold, int | float) and isinstance(pred, int | float):
        return float(gold) == float(pred)
    return gold == pred


def _agents(value: Any) -> set[str]:
    if not value:
        return set()
    if isinstance(value, str):
        value = [value]
    return {str(v).strip().lower() for v in value if str(v).strip()}


# ---------------------------------------------------------------- alignment


def _match_score(gold: Mapping[str, Any], pred: Mapping[str, Any]) -> int:
    score = 0
    for name in ("age_years", "sex"):
        g, p = gold.get(name), pred.get(name)
        if is_value(g) and is_value(p) and values_equal(name, g, p):
            score += 1
    return score


def align(
    gold: Sequence[Mapping[str, Any]], pred: Sequence[Mapping[str, Any]]
) -> list[tuple[int | None, int | None]]:
    """Pairs ``(gold index, pred index)``; ``None`` on one side for an unmatched patient.

    1:1 when both sides have one patient; otherwise greedily by matching age and sex (pairs that
    agree on both first, then on one, earliest first), then the rest by order.
    """
    if len(gold) == 1 and len(pred) == 1:
        return [(0, 0)]
    pairs: list[tuple[int | None, int | None]] = []
    free_g, free_p = list(range(len(gold))), list(range(len(pred)))
    candidates = sorted(
        ((-_match_score(gold[i], pred[j]), i, j) for i in free_g for j in free_p),
        key=lambda t: t,
    )
    used_g: set[int] = set()
    used_p: set[int] = set()
    for neg, i, j in candidates:
        if neg == 0:
            break
        if i in used_g or j in used_p:
            continue
        pairs.append((i, j))
        used_g.add(i)
        used_p.add(j)
    rest_g = [i for i in free_g if i not in used_g]
    rest_p = [j for j in free_p if j not in used_p]
    for k in range(max(len(rest_g), len(rest_p))):
        pairs.append(
            (rest_g[k] if k < len(rest_g) else None, rest_p[k] if k < len(rest_p) else None)
        )
    return sorted(pairs, key=lambda p: (p[0] is None, p[0] or 0, p[1] or 0))


# ---------------------------------------------------------------- scoring


def _score_pair(
    report: Report,
    pmid: str,
    gold: Mapping[str, Any] | None,
    pred: Mapping[str, Any] | None,
    evidence: Mapping[str, Any] | None,
) -> None:
    gold = gold or {}
    pred = pred or {}
    for name in SCORED_FIELDS:
        score = report.fields[name]
        g, p = gold.get(name), pred.get(name)
        ev = (evidence or {}).get(name)
        if FIELD_BY_NAME[name].type == "agents":
            gs, ps = _agents(g), _agents(p)
            score.n_gold += len(gs)
            score.tp += len(gs & ps)
            score.fp += len(ps - gs)
            score.fn += len(gs - ps)
            if gs != ps:
                report.errors.append(ErrorRow(pmid, name, sorted(gs), sorted(ps), ev))
            continue
        if is_value(g):
            score.n_gold += 1
            if not is_value(p):
                score.fn += 1
            elif values_equal(name, g, p):
                score.tp += 1
                continue
            else:
                score.fp += 1
                score.fn += 1
            report.errors.append(ErrorRow(pmid, name, g, p if is_value(p) else None, ev))
        elif is_value(p):
            score.fp += 1
            report.errors.append(ErrorRow(pmid, name, None, p, ev))


def rate(num: int, den: int) -> float | None:
    """``num / den``, or ``None`` when there is nothing to divide by (no value is not zero)."""
    return num / den if den else None


def score(
    gold_records: Iterable[Mapping[str, Any]], predictions: Iterable[Mapping[str, Any]]
) -> Report:
    """Score ``predictions`` (annotate output lines) against ``gold_records`` (gold JSONL lines)."""
    preds = {str(p.get("pmid")): p for p in predictions}
    report = Report(fields={name: FieldScore() for name in SCORED_FIELDS})
    tp = tn = n_inc = n_exc = reason_ok = reason_n = count_ok = 0
    for rec in gold_records:
        pmid = str(rec.get("pmid"))
        report.n_records += 1
        pred = preds.get(pmid)
        if pred is None:
            report.missing_predictions.append(pmid)
            pred = {}
        g_scr = rec.get("screening") or {}
        p_scr = pred.get("screening") or {}
        g_inc = bool(g_scr.get("include"))
        p_inc = bool(p_scr.get("include"))
        if g_inc:
            n_inc += 1
            tp += p_inc
        else:
            n_exc += 1
            if not p_inc:
                tn += 1
                reason_n += 1
                ok = reason_code(g_scr.get("reason")) == reason_code(p_scr.get("reason"))
                reason_ok += ok
                if not ok:
                    report.errors.append(
                        ErrorRow(pmid, "screening_reason", g_scr.get("reason"), p_scr.get("reason"))
                    )
        if g_inc != p_inc:
            report.errors.append(ErrorRow(pmid, "screening_include", g_inc, p_inc))
        if not g_inc:
            continue
        gold_patients = list(rec.get("patients") or [])
        pred_patients = list(pred.get("patients") or [])
        evidence = list(pred.get("evidence") or [])
        if len(gold_patients) == len(pred_patients):
            count_ok += 1
        else:
            report.errors.append(
                ErrorRow(pmid, "patient_count", len(gold_patients), len(pred_patients))
            )
        for gi, pi in align(gold_patients, pred_patients):
            ev = evidence[pi] if pi is not None and pi < len(evidence) else None
            _score_pair(
                report,
                pmid,
                gold_patients[gi] if gi is not None else None,
                pred_patients[pi] if pi is not None else None,
                ev,
            )
    report.n_included = n_inc
    report.sensitivity = rate(tp, n_inc)
    report.specificity = rate(tn, n_exc)
    report.reason_accuracy = rate(reason_ok, reason_n)
    report.patient_count_accuracy = rate(count_ok, n_inc)
    return report


# ---------------------------------------------------------------- files and text output


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Lines of a JSONL file as dicts; a bad line raises :class:`ValidationError` naming it."""
    out = []
    try:
        with open(path, encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise ValidationError(f"{path}:{n}: not valid JSON ({e.msg})") from e
                if not isinstance(obj, dict):
                    raise ValidationError(f"{path}:{n}: expected a JSON object")
                out.append(obj)
    except OSError as e:
        raise ValidationError(f"cannot read {path}: {e}") from e
    return out


def evaluate_files(gold_path: str | Path, pred_path: str | Path) -> Report:
    """Score the predictions file against the gold file."""
    return score(read_jsonl(gold_path), read_jsonl(pred_path))


def _fmt(x: float | None) -> str:
    return "  -  " if x is None else f"{x:.3f}"


def format_report(report: Report, *, max_errors: int = 200) -> str:
    """A plain-text table of the scores followed by the error listing."""
    lines = [
        f"records {report.n_records}, gold-included {report.n_included}",
        f"screening: sensitivity {_fmt(report.sensitivity)}  specificity "
        f"{_fmt(report.specificity)}  reason accuracy {_fmt(report.reason_accuracy)}",
        f"patient-count accuracy {_fmt(report.patient_count_accuracy)}",
        "",
        f"{'field':24} {'gold':>5} {'tp':>4} {'fp':>4} {'fn':>4} {'prec':>6} {'rec':>6} {'f1':>6}",
    ]
    for name, s in report.fields.items():
        lines.append(
            f"{name:24} {s.n_gold:5d} {s.tp:4d} {s.fp:4d} {s.fn:4d} "
            f"{_fmt(s.precision):>6} {_fmt(s.recall):>6} {_fmt(s.f1):>6}"
        )
    if report.missing_predictions:
        lines.append(f"\nno prediction for {len(report.missing_predictions)} record(s)")
    if report.errors:
        lines.append(f"\nerrors ({len(report.errors)}):")
        for e in report.errors[:max_errors]:
            ev = f"  | {e.evidence[:120]}" if e.evidence else ""
            lines.append(
                f"{e.pmid}\t{e.field}\texpected={json.dumps(e.expected)}\t"
                f"got={json.dumps(e.got)}{ev}"
            )
    return "\n".join(lines)
