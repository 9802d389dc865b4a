"""A small city for suggestion tests, written straight into pairing's tables (the tree, children,
helpers), with the API of conftest's `pairing` fixture on top.

    city ─ dA ─ tA ─ sA ─ cA1, cA2        dB ─ tC ─ sC ─ cC
              │    └ sA2 ─ cA3
              └ tB ─ sB ─ cB
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import insert, select

from pairing.adapters.orm import TREE, ChildToPair, Helper
from pairing.domain.pairing_order import neediness
from shouhu_contracts.org import LeftBehindType
from shouhu_kit.auth import Role
from shouhu_kit.org.paths import encode_path
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import bearer

SCHEMAS = Path(__file__).resolve().parents[4] / "contracts" / "schemas"
T0 = datetime(2026, 9, 1, 8, tzinfo=UTC)
SHAPE = [  # name, kind, parent
    ("city", "city", None),
    ("dA", "district", "city"),
    ("tA", "township", "dA"),
    ("vA", "village", "tA"),
    ("sA", "school", "tA"),
    ("cA1", "class", "sA"),
    ("cA2", "class", "sA"),
    ("sA2", "school", "tA"),
    ("cA3", "class", "sA2"),
    ("tB", "township", "dA"),
    ("sB", "school", "tB"),
    ("cB", "class", "sB"),
    ("dB", "district", "city"),
    ("tC", "township", "dB"),
    ("sC", "school", "tC"),
    ("cC", "class", "sC"),
]


class Town:
    """The units by name, and rows added to pairing's tables as a test needs them."""

    def __init__(self, pairing: Any) -> None:
        self.pairing, self.db, self.client = pairing, pairing.db, pairing.client
        self.runtime = pairing.client.app.state.runtime
        self.t: dict[str, uuid.UUID] = {}
        self.paths: dict[str, list[uuid.UUID]] = {}
        rows = []
        for name, kind, parent in SHAPE:
            unit = uuid.uuid4()
            self.t[name] = unit
            self.paths[name] = [*(self.paths[parent] if parent else []), unit]
            rows.append(
                {
                    "id": unit,
                    "kind": kind,
                    "code": name,
                    "name": name,
                    "parent_id": self.t[parent] if parent else None,
                    "path": encode_path(self.paths[name]),
                }
            )
        with self.db.sessions() as s, s.begin():
            s.execute(insert(TREE.table), rows)
        self._n = 0

    def uow(self) -> UnitOfWork:
        return self.runtime.uow()  # type: ignore[no-any-return]

    def child(
        self,
        cls: str,
        *,
        kind: LeftBehindType = LeftBehindType.FATHER,
        guardian: bool = True,
        born: date = date(2014, 3, 1),
        risk: str | None = None,
    ) -> uuid.UUID:
        """An unpaired active child in a class (registered a minute after the previous one)."""
        self._n += 1
        at = T0 + timedelta(minutes=self._n)
        row = ChildToPair(
            id=uuid.uuid4(),
            name=f"童{self._n}",
            birth_date=born,
            left_behind_type=kind.value,
            has_guardian=guardian,
            priority=neediness(
                left_behind_type=kind, has_guardian=guardian, birth_date=born, today=date(2026, 9, 1)
            ),
            class_id=self.t[cls],
            status="active",
            paired=False,
            registered_at=at,
            risk_level=risk,
        )
        with self.db.sessions() as s, s.begin():
            s.add(row)
        return row.id

    def helper(
        self, kind: str, reach: str, *, capacity: int = 3, active: bool = True, unit: str | None = None
    ) -> uuid.UUID:
        """A helper whose reach is the named unit (registered there unless `unit` says otherwise)."""
        self._n += 1
        row = Helper(
            id=uuid.uuid4(),
            name=f"帮扶人{self._n}",
            kind=kind,
            unit_id=self.t[unit or reach],
            reach_unit_id=self.t[reach],
            capacity=capacity,
            caseload=0,
            active=active,
            account=f"acct-{self._n}",
            registered_at=T0,
            updated_at=T0,
        )
        with self.db.sessions() as s, s.begin():
            s.add(row)
        return row.id

    def headers(self, role: Role, unit: str | None = None) -> dict[str, str]:
        org = self.t[unit] if unit else None
        return bearer(secret=self.pairing.settings.jwt_secret, role=role, org_id=org, subject=f"{role}-1")

    def suggest(self, unit: str, *, role: Role = Role.ADMIN, scope: str | None = None, **body: Any) -> Any:
        return self.client.post(
            "/v1/suggestions",
            headers=self.headers(role, scope),
            json={"unit_id": str(self.t[unit]), **body},
        )

    def decide(
        self, run_id: str, verb: str, body: dict[str, Any], role: Role = Role.ADMIN, scope: str | None = None
    ) -> Any:
        headers = self.headers(role, scope)
        return self.client.post(f"/v1/suggestions/{run_id}/{verb}", headers=headers, json=body)

    def helper_row(self, helper_id: uuid.UUID) -> Helper:
        with self.db.sessions() as s:
            row = s.get(Helper, helper_id)
            assert row is not None
            s.expunge(row)
            return row

    def outbox(self) -> list[dict[str, Any]]:
        """Every event in the outbox, each validated against its schema in contracts/schemas."""
        table = self.db.tables.outbox
        with self.db.sessions() as s:
            rows = s.scalars(select(table.c.payload).order_by(table.c.seq)).all()
        events = [r if isinstance(r, dict) else json.loads(r) for r in rows]
        for event in events:
            schema = json.loads((SCHEMAS / f"{event['type']}.schema.json").read_text())
            jsonschema.validate(event, schema)
        return events


@pytest.fixture
def town(pairing: Any) -> Town:
    """The small city on a fresh database (SQLite and PostgreSQL, through `db_urls`)."""
    return Town(pairing)
