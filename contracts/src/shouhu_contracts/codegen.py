"""Generate the checked-in artefacts: JSON Schemas, examples and the AsyncAPI 3 document.

Run `python -m shouhu_contracts.codegen` after changing a model; a contract test fails
when the checked-in files and the models drift.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from shouhu_contracts.catalogue import EVENT_TYPES
from shouhu_contracts.envelope import envelope_type, new_event
from shouhu_contracts.topics import TOPICS

CONTRACTS_DIR = Path(__file__).resolve().parents[2]


def schema_for(event_type: str) -> dict[str, Any]:
    """The JSON Schema of the whole structured-mode envelope of one event type."""
    data_cls = EVENT_TYPES[event_type]
    schema = envelope_type(data_cls).model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://shouhu.example/schemas/{event_type}.schema.json"
    schema["title"] = event_type
    schema["description"] = data_cls.summary
    schema["properties"]["type"]["const"] = event_type
    return schema


def example_for(event_type: str) -> dict[str, Any]:
    """A complete example event of one type."""
    data = EVENT_TYPES[event_type].example()
    event = new_event(
        event_id=UUID("00000000-0000-4000-8000-000000000001"),
        source=f"/shouhu/{event_type.split('.')[0]}",
        time=datetime(2026, 9, 1, 8, tzinfo=UTC),
        data=data,
    )
    return json.loads(event.model_dump_json())  # type: ignore[no-any-return]


def asyncapi() -> str:
    """The AsyncAPI 3.0 document (JSON is valid YAML; kept as JSON to need no YAML writer)."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in TOPICS:
        refs = {}
        for event_type in topic.event_types:
            name = event_type.replace(".", "_")
            messages[name] = {
                "name": event_type,
                "title": EVENT_TYPES[event_type].summary,
                "contentType": "application/cloudevents+json",
                "payload": {"$ref": f"./schemas/{event_type}.schema.json"},
                "bindings": {"kafka": {"key": {"type": "string", "description": topic.key}}},
            }
            refs[name] = {"$ref": f"#/components/messages/{name}"}
        chan = topic.name.replace(".", "_")
        channels[chan] = {
            "address": topic.name,
            "description": topic.description,
            "messages": refs,
            "bindings": {"kafka": {"topic": topic.name, "partitions": topic.partitions}},
        }
        operations[f"publish_{chan}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{chan}"},
            "messages": [{"$ref": f"#/channels/{chan}/messages/{m}"} for m in refs],
        }
    doc = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Shouhu events / 守护平台事件",
            "version": "1.0.0",
            "description": "CloudEvents 1.0 in structured content mode over Apache Kafka.",
        },
        "defaultContentType": "application/cloudevents+json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def render() -> dict[Path, str]:
    """Every generated file and its expected content."""
    files: dict[Path, str] = {}
    for event_type in sorted(EVENT_TYPES):
        files[CONTRACTS_DIR / "schemas" / f"{event_type}.schema.json"] = _dump(schema_for(event_type))
        files[CONTRACTS_DIR / "examples" / f"{event_type}.json"] = _dump(example_for(event_type))
    files[CONTRACTS_DIR / "asyncapi.yaml"] = asyncapi()
    return files


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def release() -> list[str]:
    """Snapshot the schemas of event types not released yet (contracts/released/)."""
    from shouhu_contracts.compat import RELEASED_DIR

    RELEASED_DIR.mkdir(exist_ok=True)
    added = []
    for event_type in sorted(EVENT_TYPES):
        target = RELEASED_DIR / f"{event_type}.schema.json"
        if not target.exists():
            target.write_text(_dump(schema_for(event_type)), encoding="utf-8")
            added.append(event_type)
    return added


def main() -> int:
    """Write the files; with --check, only report drift; with --release, snapshot new event types."""
    if "--release" in sys.argv:
        for event_type in release():
            print(f"released: {event_type}")
        return 0
    check = "--check" in sys.argv
    drift = []
    for path, text in render().items():
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            drift.append(path)
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text, encoding="utf-8")
    for path in drift:
        print(("drift: " if check else "wrote: ") + str(path.relative_to(CONTRACTS_DIR)))
    return 1 if check and drift else 0


if __name__ == "__main__":
    raise SystemExit(main())
