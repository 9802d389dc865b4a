"""The archive's derived facts (pure): contact-card completeness and change diffs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shouhu_contracts.org import LeftBehindType

# Field names of the contact card (联系卡) and their Chinese labels.
CONTACT_LABELS: dict[str, str] = {
    "father.phone": "父亲电话",
    "mother.phone": "母亲电话",
    "guardian.phone": "监护人电话",
}


def missing_contacts(
    *,
    left_behind_type: LeftBehindType,
    father: Mapping[str, Any] | None,
    mother: Mapping[str, Any] | None,
    guardian: Mapping[str, Any] | None,
) -> list[str]:
    """Which required phones the contact card lacks: each parent away, and the guardian if any."""
    missing = []
    if left_behind_type in (LeftBehindType.BOTH_PARENTS, LeftBehindType.FATHER) and not (
        father and father.get("phone")
    ):
        missing.append("father.phone")
    if left_behind_type in (LeftBehindType.BOTH_PARENTS, LeftBehindType.MOTHER) and not (
        mother and mother.get("phone")
    ):
        missing.append("mother.phone")
    if guardian is not None and not guardian.get("phone"):
        missing.append("guardian.phone")
    return missing


def flatten(doc: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{'father': {'phone': 1}} → {'father.phone': 1}; a missing object becomes one None."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Field-level changes between two archive documents, in field order."""
    old, new = flatten(before), flatten(after)
    changes = []
    for field in sorted(set(old) | set(new)):
        if old.get(field) != new.get(field):
            changes.append({"field": field, "old": old.get(field), "new": new.get(field)})
    return changes
