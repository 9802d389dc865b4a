"""A fake registry for consumer tests: an org tree and children that publish real contract events.

Pairing, alerts and reporting test their handlers by feeding them what the real registry publishes,
built from the contract models, in the order the registry would publish it.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime
from typing import Any, cast

from shouhu_contracts.envelope import EventData
from shouhu_contracts.org import ChildStatus, ExitKind, GuardianshipRating, LeftBehindType, OrgKind
from shouhu_contracts.registry.v1 import (
    AttendanceRecorded,
    ChildExited,
    ChildReentered,
    ChildRegistered,
    ChildTransferred,
    ChildUpdated,
    GuardianChanged,
    OrgUnitCreated,
    OrgUnitMoved,
    OrgUnitRenamed,
    TermResultRecorded,
)

# The guardian every child of the world has while it has one (the fields the registry's archive holds).
GUARDIAN = {"name": "李奶奶", "relation": "祖母", "phone": "13800138000", "rating": "good"}


class Kid:
    """The registry's own record of one child."""

    def __init__(self, class_id: uuid.UUID, home: uuid.UUID | None, name: str) -> None:
        self.class_id, self.home, self.name = class_id, home, name
        self.status = ChildStatus.ACTIVE
        self.left_behind_type = LeftBehindType.BOTH_PARENTS
        self.has_guardian = True
        self.birth_date = date(2017, 5, 3)
        self.results: list[tuple[str, float, int]] = []
        self.attendance: dict[str, tuple[int, int]] = {}  # month -> (school days, days absent)
        self.exit_kind: ExitKind | None = None


def _archive(kid: Kid) -> dict[str, Any]:
    """The archive fields the world models, flattened as the registry's history names them."""
    doc: dict[str, Any] = {
        "name": kid.name,
        "left_behind_type": kid.left_behind_type.value,
        "home_village_id": str(kid.home) if kid.home else None,
    }
    if kid.has_guardian:
        doc.update({f"guardian.{k}": v for k, v in GUARDIAN.items()})
    return doc


class World:
    """A tiny registry: an org tree and children, publishing what the real registry publishes."""

    def __init__(self) -> None:
        self.at = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
        self.parent: dict[uuid.UUID, uuid.UUID | None] = {}
        self.kind: dict[uuid.UUID, OrgKind] = {}
        self.name: dict[uuid.UUID, str] = {}
        self.code: dict[uuid.UUID, str] = {}
        self.kids: dict[uuid.UUID, Kid] = {}
        self.published: list[EventData] = []
        self.t = self._tree()

    def path(self, unit: uuid.UUID) -> list[uuid.UUID]:
        """Ids from the city down to the unit."""
        up: list[uuid.UUID] = []
        at: uuid.UUID | None = unit
        while at is not None:
            up.append(at)
            at = self.parent[at]
        return up[::-1]

    def _publish(self, data: EventData) -> EventData:
        self.published.append(data)
        return data

    def _created(self, unit: uuid.UUID) -> OrgUnitCreated:
        return OrgUnitCreated.example().model_copy(
            update={
                "unit_id": unit,
                "kind": self.kind[unit],
                "code": self.code[unit],
                "name": self.name[unit],
                "parent_id": self.parent[unit],
                "path": self.path(unit),
            }
        )

    def unit(self, kind: OrgKind, name: str, parent: uuid.UUID | None = None) -> uuid.UUID:
        """Create a unit (建立组织单元)."""
        unit = uuid.uuid4()
        self.parent[unit], self.kind[unit], self.name[unit], self.code[unit] = parent, kind, name, name
        self._publish(self._created(unit))
        return unit

    def _tree(self) -> dict[str, uuid.UUID]:
        """dA holds townships tA (schools sA1, sA2) and tA2 (sA3), dB holds tB (sB); villages vA, vA2, vB."""
        t = {"city": self.unit(OrgKind.CITY, "city")}
        for d, towns in (("A", ("tA", "tA2")), ("B", ("tB",))):
            t[f"d{d}"] = self.unit(OrgKind.DISTRICT, f"d{d}", t["city"])
            for town in towns:
                t[town] = self.unit(OrgKind.TOWNSHIP, town, t[f"d{d}"])
                t["v" + town[1:]] = self.unit(OrgKind.VILLAGE, "v" + town[1:], t[town])
        for school, town in (("sA1", "tA"), ("sA2", "tA"), ("sA3", "tA2"), ("sB", "tB")):
            t[school] = self.unit(OrgKind.SCHOOL, school, t[town])
            t["c" + school[1:]] = self.unit(OrgKind.CLASS, "c" + school[1:], t[school])
        return t

    def _facts(self, child: uuid.UUID) -> dict[str, Any]:
        return {"child_id": child, "org_path": self.path(self.kids[child].class_id), "occurred_at": self.at}

    def _registered(self, child: uuid.UUID) -> ChildRegistered:
        kid = self.kids[child]
        return ChildRegistered.example().model_copy(
            update={
                "child_id": child,
                "name": kid.name,
                "class_id": kid.class_id,
                "org_path": self.path(kid.class_id),
                "home_village_id": kid.home,
                "home_path": self.path(kid.home) if kid.home else None,
                "left_behind_type": kid.left_behind_type,
                "has_guardian": kid.has_guardian,
                "birth_date": kid.birth_date,
                "registered_at": self.at,
                "school_id": self.parent[kid.class_id],
                "boarding": False,
                "guardian_rating": GuardianshipRating.GOOD if kid.has_guardian else None,
                "guardian_relation": GUARDIAN["relation"] if kid.has_guardian else None,
            }
        )

    def register(
        self, class_id: uuid.UUID, *, home: uuid.UUID | None = None, name: str = "李小红"
    ) -> uuid.UUID:
        """建档."""
        child = uuid.uuid4()
        self.kids[child] = Kid(class_id, home, name)
        self._publish(self._registered(child))
        return child

    def transfer(self, child: uuid.UUID, to_class: uuid.UUID) -> ChildTransferred:
        """转学 (the registry refuses it for a child who is out)."""
        kid = self.kids[child]
        assert kid.status is ChildStatus.ACTIVE
        assert to_class != kid.class_id
        from_class, from_path = kid.class_id, self.path(kid.class_id)
        kid.class_id = to_class
        data = ChildTransferred.example().model_copy(
            update={**self._facts(child), "from_class_id": from_class, "from_org_path": from_path}
        )
        return cast(ChildTransferred, self._publish(data.model_copy(update={"to_class_id": to_class})))

    def _exited(self, child: uuid.UUID) -> ChildExited:
        kid = self.kids[child]
        update = {**self._facts(child), "status": kid.status, "exit_kind": kid.exit_kind}
        return ChildExited.example().model_copy(update=update)

    def exit(
        self, child: uuid.UUID, status: ChildStatus = ChildStatus.EXITED, kind: ExitKind | None = None
    ) -> ChildExited:
        """退出 or 转出, perhaps with its kind (辍学: dropped_out); the reason is the example's."""
        kid = self.kids[child]
        assert kid.status is ChildStatus.ACTIVE
        kid.status, kid.exit_kind = status, kind
        return cast(ChildExited, self._publish(self._exited(child)))

    def reenter(
        self, child: uuid.UUID, class_id: uuid.UUID | None = None, kind: LeftBehindType | None = None
    ) -> ChildReentered:
        """重新纳入, perhaps in another class or with another left-behind type."""
        kid = self.kids[child]
        assert kid.status is not ChildStatus.ACTIVE
        kid.status, kid.exit_kind = ChildStatus.ACTIVE, None
        kid.class_id = class_id or kid.class_id
        kid.left_behind_type = kind or kid.left_behind_type
        data = ChildReentered.example().model_copy(
            update={
                **self._facts(child),
                "left_behind_type": kid.left_behind_type,
                "has_guardian": kid.has_guardian,
            }
        )
        return cast(ChildReentered, self._publish(data))

    def update(
        self,
        child: uuid.UUID,
        *,
        name: str | None = None,
        kind: LeftBehindType | None = None,
        has_guardian: bool | None = None,
        home: uuid.UUID | None = None,
    ) -> None:
        """A merge patch: ChildUpdated naming the changed fields as the registry does (none: no event),
        and GuardianChanged when the guardian changed."""
        kid = self.kids[child]
        before = _archive(kid)
        kid.home = home or kid.home
        kid.name = name or kid.name
        kid.left_behind_type = kind or kid.left_behind_type
        kid.has_guardian = kid.has_guardian if has_guardian is None else has_guardian
        after = _archive(kid)
        fields = sorted(f for f in set(before) | set(after) if before.get(f) != after.get(f))
        if not fields:
            return
        self._publish(
            ChildUpdated.example().model_copy(
                update={
                    **self._facts(child),
                    "fields": fields,
                    "name": kid.name,
                    "left_behind_type": kid.left_behind_type,
                    "has_guardian": kid.has_guardian,
                    "boarding": False,
                    "home_village_id": kid.home,
                    "home_path": self.path(kid.home) if kid.home else None,
                }
            )
        )
        if any(f.startswith("guardian") for f in fields):
            self._publish(
                GuardianChanged.example().model_copy(
                    update={
                        **self._facts(child),
                        "has_guardian": kid.has_guardian,
                        "relation": GUARDIAN["relation"] if kid.has_guardian else None,
                        "guardian_age": None,
                        "guardian_rating": GuardianshipRating.GOOD if kid.has_guardian else None,
                    }
                )
            )

    def result(self, child: uuid.UUID, term: str, total: float, rank: int) -> None:
        """期末成绩, recorded at the child's class of the moment."""
        self.kids[child].results.append((term, total, rank))
        self._publish(self._result(child, term, total, rank))

    def _result(self, child: uuid.UUID, term: str, total: float, rank: int) -> TermResultRecorded:
        return TermResultRecorded.example().model_copy(
            update={
                "child_id": child,
                "term": term,
                "total_score": total,
                "class_rank": rank,
                "class_size": None,
                "org_path": self.path(self.kids[child].class_id),
                "recorded_at": self.at,
            }
        )

    def attendance(self, child: uuid.UUID, month: str, school_days: int, days_absent: int) -> None:
        """月度出勤 at the child's class of the moment; again corrects, the same figures publish nothing."""
        kid = self.kids[child]
        before = kid.attendance.get(month)
        if before == (school_days, days_absent):
            return
        kid.attendance[month] = (school_days, days_absent)
        self._publish(self._attendance(child, month, corrected=before is not None))

    def _attendance(self, child: uuid.UUID, month: str, *, corrected: bool) -> AttendanceRecorded:
        school_days, days_absent = self.kids[child].attendance[month]
        return AttendanceRecorded.example().model_copy(
            update={
                "child_id": child,
                "month": month,
                "school_days": school_days,
                "days_absent": days_absent,
                "excused_days": None,
                "absence_rate": round(days_absent / school_days, 4),
                "org_path": self.path(self.kids[child].class_id),
                "recorded_at": self.at,
                "corrected": corrected,
            }
        )

    def move(self, unit: uuid.UUID, new_parent: uuid.UUID) -> OrgUnitMoved:
        """调整隶属: the unit and everything below it."""
        old = self.path(unit)
        assert unit not in self.path(new_parent)
        self.parent[unit] = new_parent
        data = OrgUnitMoved.example().model_copy(
            update={"unit_id": unit, "old_path": old, "new_path": self.path(unit), "occurred_at": self.at}
        )
        return cast(OrgUnitMoved, self._publish(data))

    def rename(self, unit: uuid.UUID, name: str, code: str | None = None) -> None:
        """更名 (the code stays unless a new one is given)."""
        self.name[unit] = name
        self.code[unit] = code or self.code[unit]
        self._publish(
            OrgUnitRenamed.example().model_copy(
                update={
                    "unit_id": unit,
                    "code": self.code[unit],
                    "name": name,
                    "path": self.path(unit),
                    "occurred_at": self.at,
                }
            )
        )

    def fresh(self) -> list[EventData]:
        """What a registry built in the final state publishes: each unit and child created in place."""
        events: list[EventData] = [
            self._created(u) for u in sorted(self.parent, key=lambda u: len(self.path(u)))
        ]
        for child, kid in self.kids.items():
            events.append(self._registered(child))
            events.extend(self._result(child, *r) for r in kid.results)
            events.extend(self._attendance(child, m, corrected=False) for m in sorted(kid.attendance))
            if kid.status is not ChildStatus.ACTIVE:
                events.append(self._exited(child))
        return events

    def random_script(self, rng: random.Random, steps: int, *, home_moves: bool = False) -> None:
        """Random registry operations, each one the registry would accept.

        `home_moves` adds changes of home village; it is off by default so that the operations drawn
        for a seed stay those of the captured regression orders.
        """
        classes = [self.t[c] for c in ("cA1", "cA2", "cA3", "cB")]
        villages = [self.t[v] for v in ("vA", "vA2", "vB")]
        for _ in range(3):
            self.register(rng.choice(classes), home=rng.choice([None, *villages]), name=f"童{len(self.kids)}")
        for _ in range(steps):
            child = rng.choice(list(self.kids))
            kid = self.kids[child]
            op = rng.choice(["transfer", "exit", "reenter", "update", "move_school", "move_town", "result"])
            if op == "transfer" and kid.status is ChildStatus.ACTIVE:
                self.transfer(child, rng.choice([c for c in classes if c != kid.class_id]))
            elif op == "exit" and kid.status is ChildStatus.ACTIVE:
                self.exit(child, rng.choice([ChildStatus.EXITED, ChildStatus.TRANSFERRED_OUT]))
            elif op == "reenter" and kid.status is not ChildStatus.ACTIVE:
                self.reenter(child, rng.choice([None, *classes]), rng.choice([None, *LeftBehindType]))
            elif op == "update":
                name = rng.choice([None, f"童{rng.randrange(100)}"])
                if home_moves and rng.random() < 0.6:  # moved house: a new home village
                    self.update(child, home=rng.choice(villages))
                else:
                    self.update(
                        child,
                        name=name,
                        kind=rng.choice(list(LeftBehindType)),
                        has_guardian=rng.random() < 0.5,
                    )
            elif op == "move_school":
                school = self.t[rng.choice(["sA1", "sA2", "sA3", "sB"])]
                towns = [self.t[t] for t in ("tA", "tA2", "tB") if self.t[t] != self.parent[school]]
                self.move(school, rng.choice(towns))
            elif op == "move_town":
                town = self.t[rng.choice(["tA", "tA2", "tB"])]
                self.move(town, self.t["dB"] if self.parent[town] == self.t["dA"] else self.t["dA"])
            elif op == "result":
                term = rng.choice(["2025-2026-1", "2025-2026-2", "2026-2027-1"])
                self.result(child, term, rng.choice([300.0, 200.0]), rng.choice([3, 20]))


def interleave(events: list[EventData], rng: random.Random) -> list[EventData]:
    """One delivery order Kafka allows: each key's events in order, keys (and topics) mixed."""
    queues: dict[str, list[EventData]] = {}
    for e in events:
        queues.setdefault(e.key(), []).append(e)
    out: list[EventData] = []
    while queues:
        key = rng.choice(sorted(queues))
        out.append(queues[key].pop(0))
        if not queues[key]:
            del queues[key]
    return out
