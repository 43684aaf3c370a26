"""How field values look in the browser's edit boxes, and back.

Values are shown in the text a reviewer would type (``ASIA C``, ``warfarin, aspirin``, ``yes``)
and what they type is handed, as typed, to the review store's validation
(:mod:`sseh_lit.review.validate` via :mod:`sseh_lit.review.corrections`): there is one
validator, and its message is what the form shows next to the field.
"""

from __future__ import annotations

from typing import Any

from ...fields import FIELD_BY_NAME


def display(value: Any) -> str:
    """A stored value as edit-box text; ``""`` for unknown (null / empty list)."""
    if value is None or value == []:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict) and "grade" in value:
        scale = value.get("scale") or ""
        return f"{scale} {value['grade']}".strip()
    return str(value)


def submitted(text: Any) -> Any:
    """What the reviewer typed, trimmed; an empty box means "not stated" (``None``)."""
    if text is None:
        return None
    if not isinstance(text, str):
        return text
    text = text.strip()
    return text or None


def hint(field: str) -> str:
    """A short placeholder for a field's edit box (allowed values, unit or format)."""
    spec = FIELD_BY_NAME.get(field)
    if spec is None:
        return ""
    if spec.type == "bool":
        return "yes / no" + ("" if not spec.true_or_null else " (or empty)")
    if spec.type == "agents":
        return "comma-separated generic names"
    if spec.type == "grade":
        return "scale grade, e.g. ASIA C"
    if spec.type == "level":
        return "e.g. T4"
    if spec.type == "enum":
        return " | ".join(spec.allowed)
    if spec.unit:
        return spec.unit
    return ""
