"""PRISMA 2020 flow counts and diagram, derived from the tool's own logs.

Every number comes from what the DB already records, so it can be recomputed at any time:

* **identified** — ``search_hits`` of every refresh run (per query, with its search date), plus
  records that entered the corpus without a search (``other_sources``, e.g. a file import);
* **duplicates removed** — hits beyond the first of each PMID (a PMID found by several queries or
  runs is kept once);
* **deleted by PubMed** — unique records whose article is soft-deleted (``status = 'deleted'``);
* **not retrieved** — hits never stored as an article (fetch or parse failed; retried later);
* **screened** — active records with an effective screening decision (rules, or a reviewer's
  override, which always wins); **awaiting screening** — active records not screened yet;
* **excluded by reason** and **included** records from the effective decisions;
* **included patients** — the dataset's patients of included records
  (:func:`sseh_lit.dataset.iter_patients`: reviewer-added in, removed out, a patient the machine
  no longer finds kept when a reviewer worked on it).

Invariant (checked by :func:`check_invariant`, shown by the tests):
``identified − duplicates − deleted − not_retrieved − awaiting_screening = screened =
included + Σ excluded``; on a fully fetched and screened corpus the two middle terms are 0.

:func:`render_svg` draws the flow diagram by hand (plain SVG, all text escaped);
:func:`render_png` draws the same boxes with matplotlib's Agg backend.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import sqlite_utils

from .dataset import iter_patients
from .db import utcnow
from .errors import ConfigError
from .screen import EXCLUSION_CODES, effective_decisions

#: Human labels for the exclusion codes, in the order the diagram lists them.
REASON_LABELS = {
    "not_epidural": "Not epidural (subdural, subarachnoid, intramedullary, intracranial)",
    "traumatic": "Traumatic",
    "iatrogenic": "Iatrogenic (surgery, puncture, anaesthesia, manipulation, catheter)",
    "no_individual_patient": "No individual patient (review, series, guideline, imaging)",
    "retracted": "Retracted",
    "other": "Other (not a haematoma, non-human, not about SSEH)",
}


def prisma_counts(db: sqlite_utils.Database) -> dict[str, Any]:
    """The PRISMA 2020 numbers of this corpus, as a JSON-ready dict (see the module docstring)."""
    searches = [
        {
            "run_id": row["id"],
            "query": row["query_name"],
            "version": row["query_version"],
            "search_date": row["search_date"],
            "mode": row["mode"],
            "status": row["status"],
            "records": row["hits"],
        }
        for row in db.query(
            """select r.id, r.query_name, r.query_version, r.search_date, r.mode, r.status,
                      count(h.pmid) as hits
                 from refresh_runs r left join search_hits h on h.run_id = r.id
                group by r.id order by r.id"""
        )
    ]
    by_query: dict[str, dict[str, Any]] = {}
    for s in searches:
        q = by_query.setdefault(
            s["query"],
            {"query": s["query"], "versions": [], "runs": 0, "records": 0, "search_dates": []},
        )
        q["runs"] += 1
        q["records"] += s["records"]
        if s["version"] not in q["versions"]:
            q["versions"].append(s["version"])
        if s["search_date"] and s["search_date"] not in q["search_dates"]:
            q["search_dates"].append(s["search_date"])
    for q in by_query.values():
        q["last_search_date"] = max(q["search_dates"]) if q["search_dates"] else None

    hits_total = _scalar(db, "select count(*) from search_hits")
    hit_pmids = {r["pmid"] for r in db.query("select distinct pmid from search_hits")}
    articles = {
        r["pmid"]: r["status"] or "active" for r in db.query("select pmid, status from articles")
    }
    other_sources = {p for p in articles if p not in hit_pmids}
    pool = hit_pmids | other_sources
    deleted = {p for p in pool if articles.get(p) == "deleted"}
    not_retrieved = {p for p in pool if p not in articles}
    active = {p for p in pool if articles.get(p) not in (None, "deleted")}

    decisions = effective_decisions(db)
    screened = {p for p in active if p in decisions}
    awaiting = active - screened
    included = {p for p in screened if decisions[p].include}
    excluded_by = Counter(decisions[p].reason for p in screened if not decisions[p].include)
    excluded_by_reason = {code: excluded_by.get(code, 0) for code in EXCLUSION_CODES}
    for code, n in excluded_by.items():  # a code outside the list still adds up
        excluded_by_reason.setdefault(code, n)

    counts: dict[str, Any] = {
        "generated_at": utcnow(),
        "searches": searches,
        "identified_by_query": list(by_query.values()),
        "identified_from_searches": hits_total,
        "other_sources": len(other_sources),
        "identified": hits_total + len(other_sources),
        "duplicates": hits_total - len(hit_pmids),
        "deleted": len(deleted),
        "not_retrieved": len(not_retrieved),
        "awaiting_screening": len(awaiting),
        "screened": len(screened),
        "excluded": sum(excluded_by_reason.values()),
        "excluded_by_reason": excluded_by_reason,
        "included": len(included),
        "included_patients": included_patient_count(db, included),
        "reviewer_overrides": sum(1 for p in screened if decisions[p].source == "reviewer"),
        "needs_review": sum(1 for p in screened if decisions[p].needs_review),
        "rules_versions": sorted(
            {r["rules_version"] for r in db.query("select distinct rules_version from screening")}
            - {None}
        ),
    }
    counts["invariant_holds"] = check_invariant(counts)
    return counts


def _scalar(db: sqlite_utils.Database, sql: str) -> int:
    return int(db.execute(sql).fetchone()[0])


def check_invariant(counts: dict[str, Any]) -> bool:
    """identified − duplicates − deleted − not retrieved − awaiting = screened = included + Σ excluded."""
    flow = (
        counts["identified"]
        - counts["duplicates"]
        - counts["deleted"]
        - counts["not_retrieved"]
        - counts["awaiting_screening"]
    )
    return (
        flow
        == counts["screened"]
        == counts["included"] + sum(counts["excluded_by_reason"].values())
    )


def included_patient_count(db: sqlite_utils.Database, included: set[str]) -> int:
    """Patients of the included records, exactly as the dataset has them.

    Counted through :func:`sseh_lit.dataset.iter_patients` (one definition for PRISMA and the
    export): removed patients are out, reviewer-added ones in, and a patient the machine no
    longer finds stays in when a reviewer worked on it.
    """
    return sum(1 for view in iter_patients(db, included_only=False) if view.pmid in included)


# --------------------------------------------------------------------------- rendering


def _boxes(counts: dict[str, Any]) -> list[tuple[str, list[str], str]]:
    """The diagram as (column, lines, id) boxes, left column = flow, right = removed/excluded."""
    queries = [
        f"  {q['query']} ({', '.join(q['versions'])}; last searched "
        f"{q['last_search_date'] or 'n/a'}): n = {q['records']}"
        for q in counts["identified_by_query"]
    ]
    if counts["other_sources"]:
        queries.append(f"  Other sources (file import): n = {counts['other_sources']}")
    removed = [
        "Records removed before screening:",
        f"  Duplicate records: n = {counts['duplicates']}",
        f"  Deleted by PubMed: n = {counts['deleted']}",
        f"  Not retrieved (fetch failed): n = {counts['not_retrieved']}",
    ]
    if counts["awaiting_screening"]:
        removed.append(f"  Awaiting screening: n = {counts['awaiting_screening']}")
    excluded = [f"Records excluded: n = {counts['excluded']}"] + [
        f"  {REASON_LABELS.get(code, code)}: n = {n}"
        for code, n in counts["excluded_by_reason"].items()
    ]
    return [
        ("left", [f"Records identified: n = {counts['identified']}", *queries], "identified"),
        ("right", removed, "removed"),
        ("left", [f"Records screened: n = {counts['screened']}"], "screened"),
        ("right", excluded, "excluded"),
        (
            "left",
            [
                f"Studies included in review: n = {counts['included']}",
                f"Patients included: n = {counts['included_patients']}",
            ],
            "included",
        ),
    ]


_LINE_H = 18
_PAD = 10
_LEFT_X, _LEFT_W = 20, 420
_RIGHT_X, _RIGHT_W = 500, 520
_GAP = 40


def _layout(counts: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Box geometry: each left box with its right partner on the same row."""
    boxes = _boxes(counts)
    rows = [(boxes[0], boxes[1]), (boxes[2], boxes[3]), (boxes[4], None)]
    placed, y = [], 60
    for left, right in rows:
        height = max(len(b[1]) for b in (left, right) if b) * _LINE_H + 2 * _PAD
        for box, x, w in ((left, _LEFT_X, _LEFT_W), (right, _RIGHT_X, _RIGHT_W)):
            if box:
                placed.append({"id": box[2], "lines": box[1], "x": x, "y": y, "w": w, "h": height})
        y += height + _GAP
    return placed, y


#: The flow's arrows: from box, to box, and whether it runs down the main column or right.
_ARROWS = (
    ("identified", "screened", "down"),
    ("screened", "included", "down"),
    ("identified", "removed", "right"),
    ("screened", "excluded", "right"),
)


def _arrows(by_id: dict[str, dict[str, Any]]) -> Iterator[tuple[float, float, float, float]]:
    """Start and end points ``(x1, y1, x2, y2)`` of every arrow, for the SVG and the PNG."""
    for src, dst, kind in _ARROWS:
        a, b = by_id[src], by_id[dst]
        if kind == "down":
            x = a["x"] + a["w"] / 2
            yield x, a["y"] + a["h"], x, b["y"]
        else:
            y = a["y"] + a["h"] / 2
            yield a["x"] + a["w"], y, b["x"], y


def render_svg(counts: dict[str, Any]) -> str:
    """The PRISMA 2020 flow diagram as a standalone SVG document (hand-written, text escaped)."""
    placed, height = _layout(counts)
    by_id = {b["id"]: b for b in placed}
    width = _RIGHT_X + _RIGHT_W + 20
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" '
        'font-size="13">',
        "<title>PRISMA 2020 flow diagram</title>",
        '<defs><marker id="arrow" markerWidth="10" markerHeight="7" refX="9" refY="3.5" '
        'orient="auto"><polygon points="0 0, 10 3.5, 0 7" fill="#333"/></marker></defs>',
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="20" y="30" font-size="16" font-weight="bold">'
        "Identification of records via PubMed searches (PRISMA 2020)</text>",
    ]
    for b in placed:
        fill = "#eef3fb" if b["x"] == _LEFT_X else "#f7f7f7"
        out.append(
            f'<rect id="{b["id"]}" x="{b["x"]}" y="{b["y"]}" width="{b["w"]}" '
            f'height="{b["h"]}" rx="4" fill="{fill}" stroke="#333"/>'
        )
        for i, line in enumerate(b["lines"]):
            weight = ' font-weight="bold"' if i == 0 else ""
            ty = b["y"] + _PAD + (i + 1) * _LINE_H - 4
            out.append(
                f'<text x="{b["x"] + _PAD}" y="{ty}"{weight} xml:space="preserve">'
                f"{escape(line)}</text>"
            )
    for x1, y1, x2, y2 in _arrows(by_id):
        out.append(
            f'<line x1="{x1:g}" y1="{y1:g}" x2="{x2:g}" y2="{y2:g}" stroke="#333" '
            'stroke-width="1.5" marker-end="url(#arrow)"/>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def render_png(counts: dict[str, Any], path: str | Path) -> Path:
    """Draw the same diagram with matplotlib (Agg backend, no display needed) into ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import FancyArrowPatch, Rectangle

    placed, height = _layout(counts)
    width = _RIGHT_X + _RIGHT_W + 20
    dpi = 100
    fig = plt.figure(figsize=(width / dpi, height / dpi), dpi=dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    ax.text(20, 30, "Identification of records via PubMed searches (PRISMA 2020)", fontsize=12,
            fontweight="bold", va="baseline")  # fmt: skip
    by_id = {}
    for b in placed:
        by_id[b["id"]] = b
        fill = "#eef3fb" if b["x"] == _LEFT_X else "#f7f7f7"
        ax.add_patch(Rectangle((b["x"], b["y"]), b["w"], b["h"], facecolor=fill, edgecolor="#333"))
        for i, line in enumerate(b["lines"]):
            ax.text(
                b["x"] + _PAD,
                b["y"] + _PAD + (i + 1) * _LINE_H - 4,
                line,
                fontsize=9,
                fontweight="bold" if i == 0 else "normal",
                va="baseline",
            )
    for x1, y1, x2, y2 in _arrows(by_id):
        ax.add_patch(FancyArrowPatch((x1, y1), (x2, y2), arrowstyle="-|>", mutation_scale=12))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, facecolor="white")
    plt.close(fig)
    return path


def render_markdown(counts: dict[str, Any]) -> str:
    """The counts as a Markdown report (tables a manuscript's methods section can quote)."""
    lines = [
        "# PRISMA 2020 flow",
        "",
        "## Identification",
        "",
        "| Query | Versions | Runs | Last search | Records |",
        "|---|---|---:|---|---:|",
    ]
    for q in counts["identified_by_query"]:
        lines.append(
            f"| {q['query']} | {', '.join(q['versions'])} | {q['runs']} | "
            f"{q['last_search_date'] or ''} | {q['records']} |"
        )
    lines += [
        "",
        "| Step | n |",
        "|---|---:|",
        f"| Records identified from searches | {counts['identified_from_searches']} |",
        f"| Records from other sources | {counts['other_sources']} |",
        f"| Records identified | {counts['identified']} |",
        f"| Duplicates removed | {counts['duplicates']} |",
        f"| Deleted by PubMed | {counts['deleted']} |",
        f"| Not retrieved | {counts['not_retrieved']} |",
        f"| Awaiting screening | {counts['awaiting_screening']} |",
        f"| Records screened | {counts['screened']} |",
        f"| Records excluded | {counts['excluded']} |",
    ]
    for code, n in counts["excluded_by_reason"].items():
        lines.append(f"| &nbsp;&nbsp;{REASON_LABELS.get(code, code)} | {n} |")
    lines += [
        f"| Records included | {counts['included']} |",
        f"| Patients included | {counts['included_patients']} |",
        "",
        f"Reviewer overrides: {counts['reviewer_overrides']}; decisions awaiting review: "
        f"{counts['needs_review']}; rules versions: {', '.join(counts['rules_versions']) or 'n/a'}.",
        f"Counts add up: {'yes' if counts['invariant_holds'] else 'NO'}.",
        "",
    ]
    return "\n".join(lines)


def write_prisma(
    db: sqlite_utils.Database, out_dir: str | Path, *, fmt: str = "json"
) -> tuple[dict[str, Any], dict[str, Path]]:
    """Compute the counts and write ``prisma.json`` or ``prisma.md`` plus the SVG and PNG diagrams."""
    counts = prisma_counts(db)
    folder = Path(out_dir)
    paths = {}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if fmt == "md":
            paths["md"] = folder / "prisma.md"
            paths["md"].write_text(render_markdown(counts), encoding="utf-8")
        else:
            paths["json"] = folder / "prisma.json"
            text = json.dumps(counts, indent=2, ensure_ascii=False) + "\n"
            paths["json"].write_text(text, encoding="utf-8")
        paths["svg"] = folder / "prisma.svg"
        paths["svg"].write_text(render_svg(counts), encoding="utf-8")
        paths["png"] = render_png(counts, folder / "prisma.png")
    except OSError as e:
        raise ConfigError(
            f"cannot write the PRISMA files to {folder}: {e.strerror or e}; choose another --out"
        ) from e
    return counts, paths
