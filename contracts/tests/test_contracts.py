"""Contract tests: checked-in artefacts match the models; examples validate; decoding is strict."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest

from shouhu_contracts import EVENT_TYPES, decode_event, encode_event
from shouhu_contracts.codegen import CONTRACTS_DIR, render
from shouhu_contracts.envelope import MalformedEvent, UnknownEventType
from shouhu_contracts.topics import TOPICS, TOPICS_BY_NAME

pytestmark = pytest.mark.unit


def test_checked_in_schemas_examples_and_asyncapi_match_the_models() -> None:
    drift = [
        str(p.relative_to(CONTRACTS_DIR))
        for p, text in render().items()
        if not p.exists() or p.read_text(encoding="utf-8") != text
    ]
    assert drift == [], "run `make contracts` and commit: " + ", ".join(drift)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_example_validates_against_its_schema_and_decodes(event_type: str) -> None:
    schema = json.loads((CONTRACTS_DIR / "schemas" / f"{event_type}.schema.json").read_text())
    raw = (CONTRACTS_DIR / "examples" / f"{event_type}.json").read_bytes()
    jsonschema.validate(json.loads(raw), schema)
    event = decode_event(raw)
    assert event.type == event_type
    assert json.loads(encode_event(event)) == json.loads(raw)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_schema_rejects_an_event_of_another_type(event_type: str) -> None:
    schema = json.loads((CONTRACTS_DIR / "schemas" / f"{event_type}.schema.json").read_text())
    doc = json.loads((CONTRACTS_DIR / "examples" / f"{event_type}.json").read_text())
    doc["type"] = "registry.something.else.v1"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema)


def test_every_event_type_has_a_catalogued_topic_and_every_topic_carries_events() -> None:
    for event_type, cls in EVENT_TYPES.items():
        assert cls.topic in TOPICS_BY_NAME, event_type
        assert cls.key_field in cls.model_fields, event_type
    for topic in TOPICS:
        assert topic.event_types, topic.name
        assert topic.partitions >= 1


def test_unknown_type_is_refused() -> None:
    doc = json.loads((CONTRACTS_DIR / "examples" / "registry.child.registered.v1.json").read_text())
    doc["type"] = "registry.child.teleported.v1"
    with pytest.raises(UnknownEventType):
        decode_event(json.dumps(doc).encode())


@pytest.mark.parametrize(
    "raw",
    [None, b"", b"not json", b"[]", b'{"type": 3}', b'{"type": "x"'],
)
def test_garbage_is_malformed(raw: bytes | None) -> None:
    with pytest.raises(MalformedEvent):
        decode_event(raw)


def test_a_bad_field_is_malformed_and_named() -> None:
    doc = json.loads((CONTRACTS_DIR / "examples" / "registry.child.term_result_recorded.v1.json").read_text())
    doc["data"]["class_rank"] = 0
    with pytest.raises(MalformedEvent, match="class_rank"):
        decode_event(json.dumps(doc).encode())


def test_naive_time_is_refused() -> None:
    doc = json.loads((CONTRACTS_DIR / "examples" / "registry.org.unit_created.v1.json").read_text())
    doc["time"] = "2026-09-01T08:00:00"
    with pytest.raises(MalformedEvent):
        decode_event(json.dumps(doc).encode())


def test_released_event_types_stay_backward_compatible() -> None:
    from shouhu_contracts.codegen import schema_for
    from shouhu_contracts.compat import RELEASED_DIR, check_all

    assert sorted(p.name.removesuffix(".schema.json") for p in RELEASED_DIR.glob("*.json")) == sorted(
        EVENT_TYPES
    ), "run `python -m shouhu_contracts.codegen --release` for new event types"
    assert check_all({t: schema_for(t) for t in EVENT_TYPES}) == {}


def test_the_compatibility_check_catches_each_kind_of_break() -> None:
    from shouhu_contracts.codegen import schema_for
    from shouhu_contracts.compat import breaking_changes

    released = schema_for("registry.child.term_result_recorded.v1")
    data = released["$defs"]["TermResultRecorded"]

    def variant(change: Any) -> dict[str, Any]:
        current = json.loads(json.dumps(released))
        change(current["$defs"]["TermResultRecorded"])
        return current

    assert breaking_changes(released, released) == []
    assert breaking_changes(released, variant(lambda d: d["properties"].pop("class_rank"))) == [
        "class_rank: removed"
    ]
    assert breaking_changes(
        released, variant(lambda d: d["properties"]["class_rank"].update(type="string"))
    ) == ["class_rank: type changed"]
    assert breaking_changes(released, variant(lambda d: d["required"].append("class_size"))) == [
        "class_size: became required"
    ]
    added = variant(lambda d: d["properties"].update(note={"type": "string"}))
    assert breaking_changes(released, added) == [], "a new optional field is compatible"
    assert "class_rank" in data["required"]
