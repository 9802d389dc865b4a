"""A scripted month of a small city, as registry, pairing and alerts publish it (reporting's tests).

The World's tree (city → dA: tA [vA, sA1/cA1, sA2/cA2], tA2 [vA2, sA3/cA3]; dB: tB [vB, sB/cB]),
eight children registered from late February, three helpers, and March 2027 in China's time:
guardians change, a child transfers, one leaves, pairings are made and ended, obligation windows
open and are met, met late, missed or ended, tasks are opened, acknowledged, escalated, resolved
and cancelled, risk levels move, term results, awards and violations are recorded, and a school
moves to another township. Each event keeps the time it happened (`at`), which its envelope
carries too. Reporting's tests count the KPIs this script must give by hand (test_idempotence).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shouhu_contracts.alerts.tasks import (
    AlertRule,
    Assignee,
    AssigneeRole,
    Resolution,
    TaskAcknowledged,
    TaskCancelled,
    TaskEscalated,
    TaskOpened,
    TaskResolved,
)
from shouhu_contracts.alerts.v1 import RiskLevel, RiskLevelChanged
from shouhu_contracts.envelope import CloudEvent, EventData, new_event
from shouhu_contracts.org import ChildStatus, LeftBehindType
from shouhu_contracts.pairing.v1 import (
    HelperRegistered,
    ObligationEnded,
    ObligationWindowMet,
    ObligationWindowMissed,
    ObligationWindowOpened,
    PairingCreated,
    PairingEnded,
)
from shouhu_contracts.pairing.vocabulary import HelperKind, PairingEndReason, PairingRole, Responsible, Rhythm
from shouhu_contracts.registry.v1 import AwardRecorded, ChildRegistered, ViolationRecorded
from shouhu_kit.clock import CHINA_TZ
from shouhu_testkit.world import World

HELPER_MONTHLY = "helper_contact_monthly"
SCHOOL_HALF_MONTHLY = "school_parent_call_halfmonthly"


def china(month: int, day: int, hour: int = 10) -> datetime:
    """An instant of 2027 in China's time (UTC+8)."""
    return datetime(2027, month, day, hour, tzinfo=CHINA_TZ)


@dataclass(frozen=True)
class Timed:
    """An event and the time it happened (its envelope's `time`)."""

    at: datetime
    data: EventData

    def envelope(self, event_id: uuid.UUID | None = None) -> CloudEvent[Any]:
        """The CloudEvent a service publishes for it."""
        source = "/shouhu/" + self.data.topic.split(".")[0]
        return new_event(event_id=event_id or uuid.uuid4(), source=source, time=self.at, data=self.data)


@dataclass
class _Window:
    obligation_id: uuid.UUID
    child: uuid.UUID
    duty: str
    start: datetime
    end: datetime
    helper: uuid.UUID | None
    pairing: uuid.UUID | None


@dataclass
class CityMonth:
    """The script's events in publication order, and names for what it made."""

    world: World = field(default_factory=World)
    events: list[Timed] = field(default_factory=list)
    kids: dict[str, uuid.UUID] = field(default_factory=dict)
    helpers: dict[str, tuple[uuid.UUID, HelperKind, uuid.UUID]] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: china(3, 31, 12))

    def __post_init__(self) -> None:
        self._taken = 0
        self._take()  # the tree, created before anything else

    # ----------------------------------------------------------------- plumbing

    def _take(self) -> None:
        """Adopt what the World published since the last call (at the World's time, which its data carry)."""
        for data in self.world.published[self._taken :]:
            self.events.append(Timed(self.world.at, data))
        self._taken = len(self.world.published)

    def _add(self, at: datetime, data: EventData) -> None:
        self._take()
        self.events.append(Timed(at, data))

    def path(self, unit: str) -> list[uuid.UUID]:
        """Ids from the city down to a unit of the World."""
        return self.world.path(self.world.t[unit])

    def _class_path(self, kid: str) -> list[uuid.UUID]:
        return self.world.path(self.world.kids[self.kids[kid]].class_id)

    def on(self, at: datetime) -> None:
        """Registry operations after this happen at `at`."""
        self._take()
        self.world.at = at

    # ----------------------------------------------------------------- registry

    def register(
        self,
        name: str,
        cls: str,
        home: str | None,
        kind: LeftBehindType,
        relation: str | None,
        missing: tuple[str, ...] = (),
    ) -> None:
        """建档, with the guardian's relation (None: no guardian) and the contact card's missing phones."""
        child = self.world.register(self.world.t[cls], home=self.world.t[home] if home else None, name=name)
        kid = self.world.kids[child]
        kid.left_behind_type, kid.has_guardian = kind, relation is not None
        registered: ChildRegistered = self.world._registered(child)
        self.world.published[-1] = registered.model_copy(
            update={"guardian_relation": relation, "missing_contacts": list(missing)}
        )
        self.kids[name] = child

    # ----------------------------------------------------------------- pairing

    def helper(self, name: str, kind: HelperKind, unit: str, at: datetime) -> None:
        """帮扶人登记."""
        helper_id = uuid.uuid4()
        self.helpers[name] = (helper_id, kind, self.world.t[unit])
        self._add(
            at,
            HelperRegistered(
                helper_id=helper_id,
                kind=kind,
                name=name,
                account=f"acct-{name}",
                unit_id=self.world.t[unit],
                org_path=self.path(unit),
                capacity=3,
                active=True,
                occurred_at=at,
            ),
        )

    def _pairing_facts(self, pairing: uuid.UUID, kid: str, helper: str) -> dict[str, Any]:
        helper_id, kind, _ = self.helpers[helper]
        return {
            "pairing_id": pairing,
            "child_id": self.kids[kid],
            "helper_id": helper_id,
            "helper_account": f"acct-{helper}",
            "helper_kind": kind,
            "role": PairingRole.PRIMARY,
            "org_path": self._class_path(kid),
        }

    def pair(self, kid: str, helper: str, at: datetime) -> uuid.UUID:
        """结对."""
        pairing = uuid.uuid4()
        self._add(at, PairingCreated(**self._pairing_facts(pairing, kid, helper), created_at=at))
        return pairing

    def unpair(self, pairing: uuid.UUID, kid: str, helper: str, at: datetime) -> None:
        """解除结对."""
        facts = self._pairing_facts(pairing, kid, helper)
        self._add(at, PairingEnded(**facts, reason=PairingEndReason.REASSIGNED, ended_at=at))

    def window(
        self,
        kid: str,
        duty: str,
        start: datetime,
        end: datetime,
        at: datetime,
        helper: str | None = None,
        pairing: uuid.UUID | None = None,
    ) -> _Window:
        """An obligation's window opens."""
        w = _Window(
            uuid.uuid4(),
            self.kids[kid],
            duty,
            start,
            end,
            self.helpers[helper][0] if helper else None,
            pairing,
        )
        self._add(at, ObligationWindowOpened(**self._window_facts(w, kid)))
        return w

    def _window_facts(self, w: _Window, kid: str) -> dict[str, Any]:
        monthly = w.duty == HELPER_MONTHLY
        return {
            "obligation_id": w.obligation_id,
            "child_id": w.child,
            "duty": w.duty,
            "duty_name": "帮扶人每月联系一次" if monthly else "学校每半月组织亲情通话",
            "rhythm": Rhythm.MONTHLY if monthly else Rhythm.HALF_MONTHLY,
            "responsible": Responsible.PRIMARY_HELPER if monthly else Responsible.SCHOOL,
            "helper_id": w.helper,
            "pairing_id": w.pairing,
            "org_path": self._class_path(kid),
            "window_start": w.start,
            "window_end": w.end,
            "policy_version": 0,
        }

    def met(self, w: _Window, kid: str, at: datetime, *, late: bool = False) -> None:
        """A contact meets the window (late: after it closed unmet)."""
        self._add(
            at, ObligationWindowMet(**self._window_facts(w, kid), log_id=uuid.uuid4(), met_at=at, late=late)
        )

    def missed(self, w: _Window, kid: str) -> None:
        """The window closes unmet, at its end."""
        self._add(w.end, ObligationWindowMissed(**self._window_facts(w, kid), closed_at=w.end))

    def ended(self, w: _Window, kid: str, at: datetime) -> None:
        """The duty ends before the window closes."""
        self._add(at, ObligationEnded(**self._window_facts(w, kid), ended_at=at, reason="结对已解除"))

    # ----------------------------------------------------------------- alerts

    def _task_facts(
        self, task: uuid.UUID, kid: str, rule: AlertRule, step: int, due: datetime
    ) -> dict[str, Any]:
        role = AssigneeRole.HELPER if step == 0 else AssigneeRole.CLASS_TEACHER
        return {
            "task_id": task,
            "child_id": self.kids[kid],
            "rule": rule,
            "org_path": self._class_path(kid),
            "assignee": Assignee(role=role, account=f"acct-{role.value}"),
            "step": step,
            "due_at": due,
        }

    def task(
        self, kid: str, rule: AlertRule, at: datetime, due: datetime
    ) -> tuple[uuid.UUID, str, AlertRule]:
        """A follow-up task opens."""
        task = uuid.uuid4()
        facts = self._task_facts(task, kid, rule, 0, due)
        self._add(
            at,
            TaskOpened(
                **facts,
                cause_key=f"{rule.value}:{kid}",
                detail="跟进",
                detail_en="follow up",
                cause_event_id=None,
                opened_at=at,
            ),
        )
        return task, kid, rule

    def acknowledge(self, t: tuple[uuid.UUID, str, AlertRule], at: datetime, due: datetime) -> None:
        """确认: still open, due anew."""
        self._add(
            at, TaskAcknowledged(**self._task_facts(*t, 0, due), status="acknowledged", by="acct", at=at)
        )

    def escalate(self, t: tuple[uuid.UUID, str, AlertRule], at: datetime, due: datetime) -> None:
        """升级 to the class teacher."""
        previous = Assignee(role=AssigneeRole.HELPER, account="acct-helper")
        self._add(
            at, TaskEscalated(**self._task_facts(*t, 1, due), previous=previous, reason="overdue", at=at)
        )

    def resolve(
        self, t: tuple[uuid.UUID, str, AlertRule], at: datetime, due: datetime, step: int = 0
    ) -> None:
        """办结."""
        self._add(
            at,
            TaskResolved(
                **self._task_facts(*t, step, due),
                resolution=Resolution.RESOLVED,
                note="已处理",
                by="acct",
                at=at,
            ),
        )

    def cancel(self, t: tuple[uuid.UUID, str, AlertRule], at: datetime, due: datetime) -> None:
        """撤销."""
        self._add(at, TaskCancelled(**self._task_facts(*t, 0, due), reason="儿童已退出", by="system", at=at))

    def risk(self, kid: str, level: RiskLevel, at: datetime) -> None:
        """风险等级变化."""
        self._add(
            at,
            RiskLevelChanged(
                child_id=self.kids[kid],
                level=level,
                previous_level=None,
                reasons=[],
                org_path=self._class_path(kid),
                changed_at=at,
            ),
        )

    def award(self, kid: str, at: datetime, *, merit: bool) -> None:
        """获奖 (三好学生 when merit)."""
        self._add(
            at,
            AwardRecorded(
                child_id=self.kids[kid],
                org_path=self._class_path(kid),
                occurred_at=at,
                award_id=uuid.uuid4(),
                title="三好学生" if merit else "书法一等奖",
                merit_student=merit,
                school_year="2026-2027",
                awarded_on=at.date(),
            ),
        )

    def violation(self, kid: str, at: datetime, *, serious: bool) -> None:
        """违纪."""
        self._add(
            at,
            ViolationRecorded(
                child_id=self.kids[kid],
                org_path=self._class_path(kid),
                occurred_at=at,
                violation_id=uuid.uuid4(),
                serious=serious,
                occurred_on=at.date(),
                school_year="2026-2027",
            ),
        )

    def finish(self) -> CityMonth:
        """Adopt the World's last events."""
        self._take()
        return self


def month_of_a_small_city() -> CityMonth:
    """The script; the comments say what each step should do to the figures (test_idempotence)."""
    m = CityMonth()
    both, father, mother = LeftBehindType.BOTH_PARENTS, LeftBehindType.FATHER, LeftBehindType.MOTHER
    m.on(china(2, 26))
    m.register("c1", "cA1", "vA", both, "祖母")
    m.register("c2", "cA1", "vA", father, "外公")
    m.register("c3", "cA2", None, mother, "姑姑", missing=("guardian_phone",))
    m.register("c4", "cA3", "vA2", both, None)
    m.register("c5", "cB", "vB", father, "叔叔", missing=("father_phone",))
    m.register("c6", "cB", "vB", mother, "祖父")
    m.helper("h1", HelperKind.TEACHER, "sA1", china(2, 27))
    m.helper("h2", HelperKind.VOLUNTEER, "tA", china(2, 27))
    m.helper("h3", HelperKind.TEACHER, "sB", china(2, 27))
    month, half, april = china(3, 1, 0), china(3, 16, 0), china(4, 1, 0)
    s1 = m.window("c1", SCHOOL_HALF_MONTHLY, month, half, china(3, 1, 1))  # missed
    s3a = m.window("c3", SCHOOL_HALF_MONTHLY, month, half, china(3, 1, 1))  # missed, then met late
    p1, p2 = m.pair("c1", "h1", china(3, 2)), m.pair("c2", "h1", china(3, 2))
    p3, p4 = m.pair("c4", "h2", china(3, 2)), m.pair("c5", "h3", china(3, 2))
    w1 = m.window("c1", HELPER_MONTHLY, month, april, china(3, 2, 11), "h1", p1)
    w2 = m.window("c2", HELPER_MONTHLY, month, april, china(3, 2, 11), "h1", p2)
    w3 = m.window("c4", HELPER_MONTHLY, month, april, china(3, 2, 11), "h2", p3)
    m.window("c5", HELPER_MONTHLY, month, april, china(3, 2, 11), "h3", p4)  # w4: stays open
    m.on(china(3, 3))
    m.world.update(m.kids["c2"], kind=both)  # c2's mother left too
    t3 = m.task("c3", AlertRule.ARCHIVE_INCOMPLETE, china(3, 3, 12), china(3, 10))
    m.on(china(3, 4))
    m.world.update(m.kids["c6"], has_guardian=False)  # c6's grandfather fell ill: nobody
    m.on(china(3, 5))
    m.register("c7", "cA1", "vA", both, "奶奶")
    t2 = m.task("c6", AlertRule.NO_GUARDIAN, china(3, 5, 11), china(3, 12))
    m.risk("c6", RiskLevel.HIGH, china(3, 5, 11))
    m.on(china(3, 6))
    m.world.transfer(m.kids["c5"], m.world.t["cA2"])  # its window and pairing stay in cB
    m.on(china(3, 8))
    m.register("c8", "cA3", None, father, "邻居")
    p5 = m.pair("c6", "h3", china(3, 8, 11))
    w5 = m.window("c6", HELPER_MONTHLY, month, april, china(3, 8, 12), "h3", p5)
    m.on(china(3, 9))
    m.world.published.append(_missing_fixed(m, "c3"))  # the guardian's phone is added
    m.resolve(t3, china(3, 9, 11), china(3, 10))
    m.met(w1, "c1", china(3, 10))
    t1 = m.task("c4", AlertRule.NO_GUARDIAN, china(3, 12), china(3, 19))
    m.risk("c4", RiskLevel.HIGH, china(3, 12))
    t6 = m.task("c7", AlertRule.NOT_PAIRED, china(3, 12), china(4, 9))
    m.escalate(t2, china(3, 13), china(3, 20))
    m.acknowledge(t1, china(3, 14), china(3, 21))
    m.risk("c2", RiskLevel.MEDIUM, china(3, 14))
    t5 = m.task("c8", AlertRule.NOT_PAIRED, china(3, 15), china(4, 5))
    m.unpair(p2, "c2", "h1", china(3, 15, 11))
    m.ended(w2, "c2", china(3, 15, 11))
    m.missed(s1, "c1")
    m.missed(s3a, "c3")
    s3b = m.window("c3", SCHOOL_HALF_MONTHLY, half, april, china(3, 16, 1))
    m.window("c7", SCHOOL_HALF_MONTHLY, half, april, china(3, 16, 1))  # stays open
    t4 = m.task("c3", AlertRule.CONTACT_MISSED, china(3, 16, 2), china(3, 23))
    m.met(w3, "c4", china(3, 17))
    m.met(s3a, "c3", china(3, 18), late=True)  # backdated: it stops counting as missed
    m.on(china(3, 18))
    m.world.update(m.kids["c6"], has_guardian=True)  # a grandmother (祖母) takes c6
    m.resolve(t2, china(3, 18, 11), china(3, 20), step=1)
    m.on(china(3, 20))
    m.world.exit(m.kids["c8"], ChildStatus.EXITED)
    m.cancel(t5, china(3, 20, 11), china(4, 5))
    m.on(china(3, 22))
    m.world.result(m.kids["c1"], "2026-2027-1", 520.0, 3)
    m.world.result(m.kids["c5"], "2026-2027-1", 410.0, 18)
    m.award("c1", china(3, 22, 11), merit=True)
    m.award("c7", china(3, 22, 11), merit=False)
    m.violation("c2", china(3, 22, 11), serious=True)
    m.on(china(3, 24))
    m.world.move(m.world.t["sB"], m.world.t["tA2"])  # 调整隶属: sB leaves tB (dB) for tA2 (dA)
    m.met(s3b, "c3", china(3, 25))
    m.risk("c6", RiskLevel.MEDIUM, china(3, 25))
    p6 = m.pair("c7", "h2", china(3, 27))
    m.window("c7", HELPER_MONTHLY, month, april, china(3, 27, 11), "h2", p6)  # stays open
    m.resolve(t6, china(3, 27, 11), china(4, 9))
    m.met(w5, "c6", china(3, 28))
    t7 = m.task("c5", AlertRule.ARCHIVE_INCOMPLETE, china(3, 29), china(4, 5))
    del t4, t7  # both stay open: t4 overdue at the month's end, t7 not yet due
    return m.finish()


def _missing_fixed(m: CityMonth, kid: str) -> EventData:
    """ChildUpdated with the contact card complete (the World does not model missing phones)."""
    from shouhu_contracts.registry.v1 import ChildUpdated

    k = m.world.kids[m.kids[kid]]
    return ChildUpdated.example().model_copy(
        update={
            "child_id": m.kids[kid],
            "org_path": m.world.path(k.class_id),
            "occurred_at": m.world.at,
            "fields": ["guardian.phone"],
            "name": k.name,
            "left_behind_type": k.left_behind_type,
            "has_guardian": k.has_guardian,
            "boarding": False,
            "home_village_id": k.home,
            "home_path": m.world.path(k.home) if k.home else None,
            "missing_contacts": [],
        }
    )
