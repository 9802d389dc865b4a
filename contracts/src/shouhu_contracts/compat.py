"""Backward compatibility of event schemas against the released snapshots in contracts/released/.

A released event type may gain optional fields; it may not lose a field, make a field required that
was not, change a field's type or format, or change an enumeration. Anything else needs a new
version (.v2) published beside the old one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RELEASED_DIR = Path(__file__).resolve().parents[2] / "released"
_SHAPE_KEYS = ("type", "format", "enum", "const", "pattern", "items", "$ref", "anyOf")


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _resolve(schema, schema["$defs"][ref.split("/")[-1]])
    return node


def _shape(schema: dict[str, Any], node: dict[str, Any]) -> Any:
    """The parts of a property that a reader depends on, with references resolved."""
    node = _resolve(schema, node)
    out: dict[str, Any] = {}
    for key in _SHAPE_KEYS:
        if key not in node:
            continue
        value = node[key]
        if key == "items" and isinstance(value, dict):
            value = _shape(schema, value)
        elif key == "anyOf":
            value = [_shape(schema, v) for v in value]
        elif key == "$ref":
            continue
        out[key] = value
    if "properties" in node:
        out["properties"] = {k: _shape(schema, v) for k, v in node["properties"].items()}
        out["required"] = sorted(node.get("required", []))
    return out


def breaking_changes(released: dict[str, Any], current: dict[str, Any], *, path: str = "") -> list[str]:
    """What a reader of the released schema would trip over in the current one."""
    problems = []
    rel_data = _resolve(released, released["properties"]["data"]) if not path else released
    cur_data = _resolve(current, current["properties"]["data"]) if not path else current
    rel_props, cur_props = rel_data.get("properties", {}), cur_data.get("properties", {})
    for name, prop in rel_props.items():
        if name not in cur_props:
            problems.append(f"{path}{name}: removed")
        elif _shape(released, prop) != _shape(current, cur_props[name]):
            problems.append(f"{path}{name}: type changed")
    newly_required = set(cur_data.get("required", [])) - set(rel_data.get("required", []))
    problems += [f"{path}{name}: became required" for name in sorted(newly_required)]
    return problems


def check_all(current: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Breaking changes per released event type (a released type that vanished is one too)."""
    report: dict[str, list[str]] = {}
    for file in sorted(RELEASED_DIR.glob("*.schema.json")):
        event_type = file.name.removesuffix(".schema.json")
        if event_type not in current:
            report[event_type] = ["event type removed"]
            continue
        problems = breaking_changes(json.loads(file.read_text(encoding="utf-8")), current[event_type])
        if problems:
            report[event_type] = problems
    return report
