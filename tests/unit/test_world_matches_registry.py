"""The test world publishes what the real registry publishes for the same actions, and its events
validate against the checked-in contracts: consumer tests fed by it test what production feeds them."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from registry.bootstrap import SERVICE
from registry.config import RegistrySettings
from shouhu_contracts.codegen import CONTRACTS_DIR
from shouhu_contracts.envelope import EventData
from shouhu_contracts.org import ChildStatus, ExitKind, LeftBehindType
from shouhu_kit.auth import Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_testkit.wiring import bearer, in_memory_adapters
from shouhu_testkit.world import World

pytestmark = pytest.mark.unit
# Instants and ids the registry draws itself: compared by presence, not value.
DRAWN = {"registered_at", "occurred_at", "created_at", "recorded_at", "award_id", "violation_id"}
PHONES = {"phone": "13900000001"}


class Registry:
    """The real registry's API, acting as the world acts."""

    def __init__(self, client: TestClient, secret: str) -> None:
        self.c, self.h = client, bearer(secret=secret, role=Role.ADMIN)
        self.ids: dict[uuid.UUID, str] = {}  # world id -> registry id

    def ok(self, r: Any) -> dict[str, Any]:
        assert r.status_code in (200, 201), r.text
        return r.json()  # type: ignore[no-any-return]

    def unit(self, world: World, unit: uuid.UUID) -> None:
        parent = world.parent[unit]
        body = {
            "kind": world.kind[unit].value,
            "code": world.name[unit],
            "name": world.name[unit],
            "parent_id": self.ids[parent] if parent else None,
        }
        self.ids[unit] = str(self.ok(self.c.post("/v1/org-units", headers=self.h, json=body))["id"])

    def register(self, world_child: uuid.UUID, class_id: uuid.UUID, home: uuid.UUID | None) -> None:
        body = {
            "name": "李小红",
            "gender": "女",
            "birth_date": "2017-05-03",
            "left_behind_type": "both_parents",
            "class_id": self.ids[class_id],
            "home_village_id": self.ids[home] if home else None,
            "father": {"name": "李父", **PHONES},
            "mother": {"name": "李母", **PHONES},
            "guardian": {"name": "李奶奶", "relation": "祖母", "phone": "13800138000", "rating": "好"},
        }
        self.ids[world_child] = str(self.ok(self.c.post("/v1/children", headers=self.h, json=body))["id"])

    def patch(self, child: uuid.UUID, body: dict[str, Any]) -> None:
        path = f"/v1/children/{self.ids[child]}"
        etag = self.c.get(path, headers=self.h).headers["ETag"]
        self.ok(self.c.patch(path, headers={**self.h, "If-Match": etag}, json=body))

    def post(self, path: str, body: dict[str, Any]) -> None:
        self.ok(self.c.post(path, headers=self.h, json=body))


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[tuple[Registry, Any]]:
    settings = RegistrySettings(database_url=f"sqlite:///{tmp_path}/registry.db", env="test")  # type: ignore[arg-type]
    app = SERVICE.api(settings, in_memory_adapters(InMemoryBroker()))
    with TestClient(app) as client:
        yield Registry(client, settings.jwt_secret), app.state.runtime.db
    app.state.runtime.db.dispose()


def _act(world: World, reg: Registry) -> None:
    """The same registry operations, on the world and on the real registry."""
    for unit in world.t.values():
        reg.unit(world, unit)
    t = world.t
    a = world.register(t["cA1"], home=t["vA"])
    reg.register(a, t["cA1"], t["vA"])
    b = world.register(t["cB"])
    reg.register(b, t["cB"], None)
    world.transfer(a, t["cA2"])
    reg.post(f"/v1/children/{reg.ids[a]}/transfer", {"to_class_id": reg.ids[t["cA2"]]})
    world.update(a, name="李小兰")
    reg.patch(a, {"name": "李小兰"})
    world.update(a, kind=LeftBehindType.FATHER)
    reg.patch(a, {"left_behind_type": "father"})
    world.update(a, has_guardian=False)
    reg.patch(a, {"guardian": None})
    world.update(a, home=t["vA2"])
    reg.patch(a, {"home_village_id": reg.ids[t["vA2"]]})
    world.result(a, "2025-2026-1", 300.0, 3)
    reg.c.put(
        f"/v1/children/{reg.ids[a]}/term-results/2025-2026-1",
        headers=reg.h,
        json={"total_score": 300, "class_rank": 3},
    )
    for month, days, absent in (
        ("2026-03", 21, 3),
        ("2026-03", 21, 3),
        ("2026-03", 21, 1),
        ("2026-04", 20, 0),
    ):
        world.attendance(a, month, days, absent)  # the same figures again: no event, as the registry
        reg.ok(
            reg.c.put(
                f"/v1/children/{reg.ids[a]}/attendance/{month}",
                headers=reg.h,
                json={"school_days": days, "days_absent": absent},
            )
        )
    world.exit(b, ChildStatus.EXITED)
    reg.post(f"/v1/children/{reg.ids[b]}/exit", {"status": "exited", "reason": "父母返乡"})
    world.reenter(b)
    reg.post(f"/v1/children/{reg.ids[b]}/reenter", {})
    world.exit(b, ChildStatus.EXITED, ExitKind.DROPPED_OUT)
    reg.post(f"/v1/children/{reg.ids[b]}/exit", {"reason": "父母返乡", "exit_kind": "辍学"})
    world.reenter(b)
    reg.post(f"/v1/children/{reg.ids[b]}/reenter", {})
    world.move(t["sA1"], t["tA2"])
    reg.post(f"/v1/org-units/{reg.ids[t['sA1']]}/move", {"parent_id": reg.ids[t["tA2"]]})
    world.rename(t["tA"], "新城镇")
    reg.ok(reg.c.patch(f"/v1/org-units/{reg.ids[t['tA']]}", headers=reg.h, json={"name": "新城镇"}))


def _normal(data: dict[str, Any], ids: dict[str, str]) -> dict[str, Any]:
    """Ids mapped to the world's, drawn values reduced to whether they are there."""

    def norm(key: str, value: Any) -> Any:
        if key in DRAWN:
            return value is not None
        if isinstance(value, list):
            return [norm("", v) for v in value]
        if isinstance(value, str) and value in ids:
            return ids[value]
        return value

    return {k: norm(k, v) for k, v in data.items()}


def test_the_world_publishes_what_the_registry_publishes(registry: tuple[Registry, Any]) -> None:
    reg, db = registry
    world = World()
    _act(world, reg)
    with db.engine.connect() as conn:
        payloads = conn.execute(select(db.tables.outbox.c.payload).order_by(db.tables.outbox.c.seq)).scalars()
        real = [json.loads(p) for p in payloads]
    back = {v: str(k) for k, v in reg.ids.items()}
    assert [e["type"] for e in real] == [d.event_type for d in world.published]
    for event, data in zip(real, world.published, strict=True):
        mine = _normal(json.loads(data.model_dump_json()), {})
        theirs = _normal(event["data"], back)
        assert mine == theirs, event["type"]


def test_every_world_event_validates_against_its_checked_in_schema() -> None:
    world = World()
    world.random_script(__import__("random").Random(7), 60, home_moves=True)
    child = next(iter(world.kids))
    world.attendance(child, "2026-03", 21, 3)
    world.attendance(child, "2026-03", 21, 2)
    if world.kids[child].status is ChildStatus.ACTIVE:
        world.exit(child, ChildStatus.EXITED, ExitKind.DROPPED_OUT)
    seen = set()
    for data in world.published:
        schema = json.loads((CONTRACTS_DIR / "schemas" / f"{data.event_type}.schema.json").read_text())
        jsonschema.validate(_envelope(data), schema)
        seen.add(data.event_type)
    assert len(seen) >= 9, seen
    assert "registry.child.attendance_recorded.v1" in seen


def _envelope(data: EventData) -> dict[str, Any]:
    from datetime import UTC, datetime

    from shouhu_contracts.envelope import new_event

    event = new_event(event_id=uuid.uuid4(), source="/shouhu/registry", time=datetime.now(UTC), data=data)
    return json.loads(event.model_dump_json())  # type: ignore[no-any-return]
