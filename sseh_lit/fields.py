"""The field vocabulary shared by extraction, review, export and evaluation.

Names and values follow ``../shared/gold/SCHEMA.md`` exactly. Each :class:`Field` says its type,
allowed values, unit and definition once; the codebook, the reviewer validation and the CSV
columns are all generated from :data:`FIELDS`. Spinal-level arithmetic (normalising ``Th10`` /
``D10`` to ``T10``, counting segments, naming the region, deciding cord vs cauda equina
compression) lives here too, as pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Vertebral levels from cranial to caudal; the index is the level's position along the spine.
LEVELS: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 8)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    *(f"S{i}" for i in range(1, 6)),
)
LEVEL_INDEX: dict[str, int] = {lvl: i for i, lvl in enumerate(LEVELS)}

SCALES_LETTER = ("ASIA", "Frankel")  # A–E; AIS is ASIA
#: Numeric scales with their inclusive range (JOA cervical 0–17, Nurick 0–5).
SCALES_NUMERIC: dict[str, tuple[float, float]] = {"JOA": (0, 17), "Nurick": (0, 5)}
SCALES = (*SCALES_LETTER, *SCALES_NUMERIC, "other")

_LEVEL_RE = re.compile(r"^\s*(C|T|TH|D|L|S)\s*-?\s*(\d{1,2})\s*$", re.IGNORECASE)


def normalise_level(text: str | None) -> str | None:
    """``"Th10"``, ``"D10"``, ``"t 10"`` → ``"T10"``; ``None`` for anything that is not a level.

    ``"Q9"``, ``"C8"`` and ``"T13"`` are not vertebral levels and give ``None``.
    """
    if text is None:
        return None
    if type(text) is str and text in LEVEL_INDEX:  # already normal: the regex gives it back
        return text
    m = _LEVEL_RE.match(str(text))
    if not m:
        return None
    letter = m.group(1).upper()
    letter = "T" if letter in ("TH", "D") else letter
    level = f"{letter}{int(m.group(2))}"
    return level if level in LEVEL_INDEX else None


def level_index(level: str) -> int:
    """Position of a (normalised or not) level along C1…S5; raises ``KeyError`` for a non-level."""
    norm = normalise_level(level)
    if norm is None:
        raise KeyError(level)
    return LEVEL_INDEX[norm]


def segments(upper: str | None, lower: str | None) -> int | None:
    """Inclusive count of vertebral levels from ``upper`` to ``lower`` (C5–C7 → 3); ``None`` if unknown."""
    if not upper or not lower:
        return None
    try:
        a, b = level_index(upper), level_index(lower)
    except KeyError:
        return None
    return abs(b - a) + 1


def region(upper: str | None, lower: str | None) -> str | None:
    """Region spanned by the haematoma: cervical, cervicothoracic, thoracic, thoracolumbar, lumbar,
    lumbosacral, sacral or cervicothoracolumbar (any span from cervical into lumbar/sacral)."""
    u, lo = normalise_level(upper), normalise_level(lower or upper)
    if u is None or lo is None:
        return None
    if LEVEL_INDEX[u] > LEVEL_INDEX[lo]:
        u, lo = lo, u
    first, last = u[0], lo[0]
    names = {"C": "cervical", "T": "thoracic", "L": "lumbar", "S": "sacral"}
    if first == last:
        return names[first]
    pair = first + last
    return {
        "CT": "cervicothoracic",
        "TL": "thoracolumbar",
        "LS": "lumbosacral",
        "TS": "thoracolumbar",  # thoracic into sacral crosses the whole lumbar spine
    }.get(pair, "cervicothoracolumbar")


def compression(upper: str | None, lower: str | None) -> str | None:
    """``cauda_equina`` when the whole haematoma is at L2 or below, else ``cord`` (the conus is L1)."""
    u, lo = normalise_level(upper), normalise_level(lower or upper)
    if u is None or lo is None:
        return None
    top = min(LEVEL_INDEX[u], LEVEL_INDEX[lo])
    return "cauda_equina" if top >= LEVEL_INDEX["L2"] else "cord"


@dataclass(frozen=True)
class Field:
    """One variable of the per-patient dataset."""

    name: str
    type: str  # number | enum | bool | level | agents | grade | text
    definition: str
    allowed: tuple[str, ...] = ()
    unit: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    true_or_null: bool = False  # pregnancy, coagulopathy, vascular_malformation: never false
    derived: bool = False
    scored: bool = True  # compared against the gold standard
    aliases: tuple[str, ...] = field(default=())


FIELDS: tuple[Field, ...] = (
    Field(
        "age_years",
        "number",
        "Age at presentation; months/12, weeks/52, days/365.25 for infants.",
        unit="years",
        minimum=0,
        maximum=120,
    ),
    Field("sex", "enum", "Sex of the patient, also from unambiguous pronouns.", ("male", "female")),
    Field(
        "level_upper",
        "level",
        "Highest (most cranial) vertebral level of the haematoma; Th/D → T.",
        LEVELS,
    ),
    Field(
        "level_lower",
        "level",
        "Lowest (most caudal) vertebral level; equals upper for one level.",
        LEVELS,
    ),
    Field(
        "segments",
        "number",
        "Inclusive count of vertebral levels from upper to lower.",
        unit="levels",
        minimum=1,
        maximum=len(LEVELS),
        derived=True,
        scored=False,
    ),
    Field(
        "region",
        "enum",
        "Spinal region spanned by the haematoma.",
        (
            "cervical",
            "cervicothoracic",
            "thoracic",
            "thoracolumbar",
            "lumbar",
            "lumbosacral",
            "sacral",
            "cervicothoracolumbar",
        ),
        derived=True,
        scored=False,
    ),
    Field(
        "compression",
        "enum",
        "cauda_equina when the whole haematoma is at L2 or below, otherwise cord (conus = L1).",
        ("cord", "cauda_equina"),
        derived=True,
        scored=False,
    ),
    Field(
        "location",
        "enum",
        "Position in the canal; posterior = dorsal, anterior = ventral.",
        ("dorsal", "ventral", "lateral", "circumferential"),
    ),
    Field(
        "anticoagulant",
        "bool",
        "On an anticoagulant (VKA, DOAC, heparin/LMWH); false only when the text says not. "
        "Thrombolytics are not anticoagulants.",
    ),
    Field("anticoagulant_agents", "agents", "Anticoagulants taken, lower-case generic names."),
    Field("antiplatelet", "bool", "On an antiplatelet (aspirin, clopidogrel, ticagrelor …)."),
    Field("antiplatelet_agents", "agents", "Antiplatelets taken, lower-case generic names."),
    Field(
        "reversal_agents",
        "agents",
        "Reversal given: vitamin K, PCC, FFP, protamine, idarucizumab, andexanet.",
        scored=False,
    ),
    Field("hypertension", "bool", "Arterial hypertension reported (history or at presentation)."),
    Field(
        "pregnancy", "bool", "Pregnant or postpartum; true or null, never false.", true_or_null=True
    ),
    Field(
        "coagulopathy",
        "bool",
        "Haemophilia, thrombocytopenia, liver-failure coagulopathy, von Willebrand …; true or null.",
        true_or_null=True,
    ),
    Field(
        "vascular_malformation",
        "bool",
        "AVM, cavernous angioma or haemangioma identified as the source; true or null.",
        true_or_null=True,
    ),
    Field(
        "preop_grade",
        "grade",
        "Pre-operative (admission) neurological grade {scale, grade}.",
        SCALES,
    ),
    Field(
        "treatment",
        "enum",
        "surgical = any decompression/evacuation (even after a conservative trial).",
        ("surgical", "conservative"),
    ),
    Field(
        "procedure",
        "enum",
        "Operation performed.",
        ("laminectomy", "hemilaminectomy", "laminoplasty", "laminotomy", "other"),
    ),
    Field(
        "time_to_surgery_hours",
        "number",
        "Onset (or admission when that is all that is said) to surgery.",
        unit="hours",
        minimum=0,
        maximum=24 * 365,
    ),
    Field(
        "outcome",
        "enum",
        "Neurological outcome at last follow-up.",
        ("complete_recovery", "partial_recovery", "no_recovery", "death"),
    ),
    Field("outcome_grade", "grade", "Grade at last follow-up {scale, grade}.", SCALES),
    Field(
        "follow_up_months",
        "number",
        "Length of follow-up.",
        unit="months",
        minimum=0,
        maximum=600,
        scored=False,
    ),
)

FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
#: Fields the extractor produces (everything but the derived ones).
EXTRACTED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if not f.derived)
DERIVED_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.derived)


_NO_LEVELS: dict[str, object] = {"segments": None, "region": None, "compression": None}


def derive(values: dict[str, object]) -> dict[str, object]:
    """Derived fields (segments, region, compression) from a patient's level_upper / level_lower."""
    upper = values.get("level_upper")
    lower = values.get("level_lower") or upper
    u = upper if isinstance(upper, str) else None
    lo = lower if isinstance(lower, str) else None
    if not u:  # each of the three is None without an upper level
        return dict(_NO_LEVELS)
    return {"segments": segments(u, lo), "region": region(u, lo), "compression": compression(u, lo)}
