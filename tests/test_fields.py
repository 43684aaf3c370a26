"""Spinal-level arithmetic and the field vocabulary."""

from __future__ import annotations

import pytest

from sseh_lit.fields import FIELDS, compression, derive, normalise_level, region, segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C5", "C5"),
        ("Th10", "T10"),
        ("D11", "T11"),
        ("t 12", "T12"),
        ("L5", "L5"),
        ("S1", "S1"),
        ("Q9", None),
        ("C8", None),
        ("T13", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_level(text: str | None, expected: str | None) -> None:
    assert normalise_level(text) == expected


@pytest.mark.parametrize(
    ("upper", "lower", "n", "reg", "comp"),
    [
        ("C5", "C7", 3, "cervical", "cord"),
        ("C6", "C6", 1, "cervical", "cord"),
        ("C7", "T2", 3, "cervicothoracic", "cord"),
        ("T11", "L1", 3, "thoracolumbar", "cord"),
        ("L1", "L3", 3, "lumbar", "cord"),  # the conus sits at L1
        ("L2", "L4", 3, "lumbar", "cauda_equina"),
        ("L4", "S1", 3, "lumbosacral", "cauda_equina"),
        ("S1", "S2", 2, "sacral", "cauda_equina"),
        ("C2", "L1", 19, "cervicothoracolumbar", "cord"),
        ("Th10", "D12", 3, "thoracic", "cord"),
    ],
)
def test_derived_fields(upper: str, lower: str, n: int, reg: str, comp: str) -> None:
    assert segments(upper, lower) == n
    assert region(upper, lower) == reg
    assert compression(upper, lower) == comp
    assert derive({"level_upper": upper, "level_lower": lower}) == {
        "segments": n,
        "region": reg,
        "compression": comp,
    }


def test_unknown_levels_derive_nothing() -> None:
    assert derive({}) == {"segments": None, "region": None, "compression": None}
    assert segments("Q9", "C7") is None


def test_field_names_unique_and_documented() -> None:
    names = [f.name for f in FIELDS]
    assert len(names) == len(set(names))
    assert all(f.definition for f in FIELDS)
