"""The escalation ladder's jobs on a fake clock: step by step to the district office, a week's
outage caught up one rung per deadline, reminders, the Monday digest, and two replicas at once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from sqlalchemy import select, update

from alerts.adapters.orm import ChildCopy, DigestRun, FollowUpTask, Notification, OfficeHolder, TaskEvent
from alerts.service_layer import tasks
from alerts.service_layer.digest import due_monday, iso_week, weekly_digest
from alerts.service_layer.jobs import escalate_overdue, remind_nearly_due
from shouhu_contracts.alerts.tasks import AlertRule, Resolution
from shouhu_kit.clock import CHINA_TZ
from shouhu_kit.scheduler import JobResult
from shouhu_kit.uow import UnitOfWork

pytestmark = pytest.mark.unit
SCHEMAS = Path(__file__).resolve().parents[4] / "contracts" / "schemas"
ESCALATED = "alerts.task.escalated.v1"
HELPER, TEACHER, DIRECTOR, SUPERVISOR, OFFICE = "helper-zhang", "ct-wang", "vd-li", "ts-zhao", "do-chen"
Job = Callable[[UnitOfWork], JobResult]


class Ladder:
    """A child in class cA1 at home in village vA, its helper and every office above them held."""

    def __init__(self, alerts: Any, world: Any) -> None:
        self.alerts, self.db, self.clock = alerts, alerts.db, alerts.clock
        t = world.t
        self.child = world.register(t["cA1"], home=t["vA"])
        alerts.apply(*world.published)
        now = self.clock.now()
        with self.db.sessions.begin() as s:
            s.execute(
                update(ChildCopy)
                .where(ChildCopy.id == self.child)
                .values(
                    primary_helper_account=HELPER, primary_helper_id=uuid.uuid4(), home_village_id=t["vA"]
                )
            )
            for unit, role, account in (
                (t["cA1"], "class_teacher", TEACHER),
                (t["vA"], "village_director", DIRECTOR),
                (t["tA"], "township_supervisor", SUPERVISOR),
                (t["dA"], "district_office", OFFICE),
            ):
                s.add(OfficeHolder(unit_id=unit, role=role, account=account, name="某某", updated_at=now))

    def uow(self) -> UnitOfWork:
        return UnitOfWork(db=self.db, clock=self.clock, source="/shouhu/alerts")

    def open(
        self, cause: str = "helper_contact_monthly:2026-08", child: uuid.UUID | None = None
    ) -> uuid.UUID:
        """A contact-missed task for the helper (due in the rule's 7 days)."""
        with self.uow() as uow:
            copy = uow.session.get(ChildCopy, child or self.child)
            assert copy is not None
            task = tasks.open_task(
                uow,
                child=copy,
                rule=AlertRule.CONTACT_MISSED,
                cause_key=cause,
                detail="帮扶人每月联系儿童一次：2026年8月未完成",
                detail_en="monthly contact not done in August 2026",
                cause_event_id=None,
            )
            assert task is not None
            uow.commit()
            return task.id

    def run(self, job: Job) -> JobResult:
        with self.uow() as uow:
            result = job(uow)
            uow.commit()
        return result

    def task(self, task_id: uuid.UUID) -> FollowUpTask:
        with self.db.sessions() as s:
            found = s.get(FollowUpTask, task_id)
            assert found is not None
            return found

    def history(self, task_id: uuid.UUID, action: str = "escalated") -> list[str | None]:
        with self.db.sessions() as s:
            rows = s.scalars(
                select(TaskEvent)
                .where(TaskEvent.task_id == task_id, TaskEvent.action == action)
                .order_by(TaskEvent.id)
            )
            return [r.assignee_account for r in rows]

    def messages(self, kind: str | None = None) -> list[tuple[str, str, str]]:
        """Queued notifications: (recipient, kind, dedupe key), oldest first."""
        with self.db.sessions() as s:
            rows = s.scalars(select(Notification).order_by(Notification.created_at, Notification.dedupe_key))
            return [(r.recipient, r.kind, r.dedupe_key) for r in rows if kind is None or r.kind == kind]

    def events(self, kind: str) -> list[dict[str, Any]]:
        """The outbox's events of one type, each valid against its JSON Schema."""
        table = self.db.tables.outbox
        with self.db.sessions() as s:
            payloads = s.scalars(select(table.c.payload).order_by(table.c.seq)).all()
        events = [e for e in (json.loads(p) for p in payloads) if e["type"] == kind]
        schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
        for event in events:
            jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            ).validate(event)
        return events


@pytest.fixture
def ladder(alerts: Any, world: Any) -> Ladder:
    return Ladder(alerts, world)


def _escalate(uow: UnitOfWork) -> JobResult:
    return escalate_overdue(uow, batch=100)


def test_an_ignored_task_climbs_step_by_step_to_the_district_office(ladder: Ladder) -> None:
    task_id = ladder.open()
    assert ladder.messages() == [(HELPER, "opened", f"{task_id}:0:opened:{HELPER}")]
    ladder.clock.advance(timedelta(days=7) - timedelta(minutes=1))
    assert ladder.run(_escalate).handled == 0  # not yet due
    for account, days in ((TEACHER, 5), (DIRECTOR, 5), (SUPERVISOR, 7), (OFFICE, 14)):
        ladder.clock.advance(timedelta(minutes=2))
        assert ladder.run(_escalate).handled == 1
        assert ladder.task(task_id).assignee_account == account
        assert ladder.run(_escalate).handled == 0  # the next deadline is days away
        ladder.clock.advance(timedelta(days=days) - timedelta(minutes=2))
    ladder.clock.advance(timedelta(days=30))
    assert ladder.run(_escalate).handled == 0  # the top: nowhere to climb, never picked again
    task = ladder.task(task_id)
    assert (task.step, task.assignee_role, task.status) == (4, "district_office", "open")
    assert ladder.history(task_id) == [TEACHER, DIRECTOR, SUPERVISOR, OFFICE]
    events = ladder.events(ESCALATED)
    assert [e["data"]["assignee"]["account"] for e in events] == [TEACHER, DIRECTOR, SUPERVISOR, OFFICE]
    assert [e["data"]["previous"]["account"] for e in events] == [HELPER, TEACHER, DIRECTOR, SUPERVISOR]
    assert [e["data"]["step"] for e in events] == [1, 2, 3, 4]
    assert [m[0] for m in ladder.messages("escalated")] == [TEACHER, DIRECTOR, SUPERVISOR, OFFICE]


def test_after_a_weeks_outage_each_passed_rung_is_climbed_once_in_order(ladder: Ladder) -> None:
    task_id = ladder.open()
    opened = ladder.task(task_id).due_at
    # Down from before the helper's deadline until 7 + 5 + 5 + 1 days later: two rungs have passed.
    ladder.clock.advance(timedelta(days=18))
    results = [ladder.run(_escalate) for _ in range(5)]
    assert [r.handled for r in results] == [1, 1, 1, 0, 0]  # one rung per run, then caught up
    assert results[0].more
    assert results[1].more
    assert not results[2].more
    assert ladder.history(task_id) == [TEACHER, DIRECTOR, SUPERVISOR]
    task = ladder.task(task_id)
    # Each deadline counts from the one before: the supervisor's 7 days run from day 17.
    assert task.due_at == opened + timedelta(days=5 + 5 + 7)
    assert [m[0] for m in ladder.messages("escalated")] == [TEACHER, DIRECTOR, SUPERVISOR]
    assert len(ladder.events(ESCALATED)) == 3
    # A restart runs the job again: nothing more.
    assert ladder.run(_escalate).handled == 0
    assert len(ladder.events(ESCALATED)) == 3


def test_rungs_without_a_holder_are_skipped_and_a_resolved_task_stays_put(ladder: Ladder) -> None:
    with ladder.db.sessions.begin() as s:
        s.query(OfficeHolder).filter(OfficeHolder.role == "class_teacher").delete()
    task_id, done = ladder.open(), ladder.open("helper_contact_monthly:2026-07")
    with ladder.uow() as uow:
        row = uow.session.get(FollowUpTask, done)
        assert row is not None
        tasks.close(uow, row, resolution=Resolution.RESOLVED, note="已电话联系", by=HELPER)
        uow.commit()
    ladder.clock.advance(timedelta(days=7, minutes=1))
    assert ladder.run(_escalate).handled == 1
    # The class has an office (the unit exists) but nobody holds it: the task goes there, unnamed.
    task = ladder.task(task_id)
    assert (task.step, task.assignee_role, task.assignee_account) == (1, "class_teacher", None)
    assert ladder.messages("escalated") == []  # nobody to tell
    assert ladder.task(done).step == 0


def test_the_nearly_due_reminder_goes_once_a_day_ahead(ladder: Ladder) -> None:
    task_id = ladder.open()

    def remind(uow: UnitOfWork) -> JobResult:
        return remind_nearly_due(uow, batch=100)

    ladder.clock.advance(timedelta(days=6) - timedelta(minutes=1))
    assert ladder.run(remind).handled == 0
    ladder.clock.advance(timedelta(minutes=2))
    assert ladder.run(remind).handled == 1
    assert ladder.run(remind).handled == 0
    assert ladder.messages("nearly_due") == [(HELPER, "nearly_due", f"{task_id}:0:nearly_due:{HELPER}")]
    assert ladder.task(task_id).remind_at is None


def test_a_reminder_for_a_task_already_overdue_is_dropped(ladder: Ladder) -> None:
    ladder.open()
    ladder.clock.advance(timedelta(days=9))
    assert ladder.run(lambda uow: remind_nearly_due(uow, batch=10)).handled == 0
    assert ladder.messages("nearly_due") == []


# --- the Monday digest ---------------------------------------------------------------------
def test_the_due_monday_is_found_in_china_time() -> None:
    sunday_night_utc = datetime(2026, 9, 6, 23, 59, tzinfo=UTC)  # Monday 07:59 in China
    assert due_monday(sunday_night_utc) == datetime(2026, 8, 31, 8, 0, tzinfo=CHINA_TZ)
    assert due_monday(sunday_night_utc + timedelta(minutes=1)) == datetime(2026, 9, 7, 8, 0, tzinfo=CHINA_TZ)
    assert iso_week(datetime(2026, 9, 7, 8, 0, tzinfo=CHINA_TZ)) == "2026-W37"


def test_the_digest_goes_once_a_week_to_each_person_even_when_the_job_runs_twice(
    ladder: Ladder, world: Any
) -> None:
    other = world.register(world.t["cA2"], name="王小明")
    ladder.alerts.apply(*world.published[-1:])
    with ladder.db.sessions.begin() as s:
        s.execute(update(ChildCopy).where(ChildCopy.id == other).values(primary_helper_account="helper-liu"))
    ladder.open()
    second = ladder.open("helper_contact_monthly:2026-07")
    ladder.open(child=other)
    ladder.clock.advance(timedelta(days=8))  # Wednesday 9 September: the tasks are overdue
    with ladder.uow() as uow:  # but one
        row = uow.session.get(FollowUpTask, second)
        assert row is not None
        row.due_at = uow.now() + timedelta(days=3)
        uow.commit()

    def digest(uow: UnitOfWork) -> JobResult:
        return weekly_digest(uow, batch=1, max_lines=1)

    # Monday 7 September's digest is due (08:00 China time was two days ago); one account a run.
    week = iso_week(due_monday(ladder.clock.now()))
    assert week == "2026-W37"
    results = [ladder.run(digest) for _ in range(4)]
    assert [(r.handled, r.more) for r in results] == [(1, True), (1, True), (0, False), (0, False)]
    assert [(m[0], m[2]) for m in ladder.messages("digest")] == [
        ("helper-liu", f"digest:helper-liu:{week}"),
        (HELPER, f"digest:{HELPER}:{week}"),
    ]
    with ladder.db.sessions() as s:
        marker = s.get(DigestRun, week)
        assert marker is not None
        assert marker.finished_at is not None
        subject, body = s.execute(
            select(Notification.subject, Notification.body).where(
                Notification.recipient == HELPER, Notification.kind == "digest"
            )
        ).one()
    assert subject == "【守护】本周跟进任务汇总：待办2项，其中逾期1项"
    assert "李小红 · 未按时联系" in body
    assert "（已逾期）" in body
    assert "另有1项未列出" in body
    # Later that week, as after a restart: nothing; the next Monday, the next week's.
    ladder.clock.advance(timedelta(days=3))
    assert ladder.run(digest).handled == 0
    ladder.clock.advance(timedelta(days=3))
    while ladder.run(digest).more:
        pass
    assert [m[2] for m in ladder.messages("digest")][2:] == [
        "digest:helper-liu:2026-W38",
        f"digest:{HELPER}:2026-W38",
    ]


# --- two replicas at once (PostgreSQL's row locks) -----------------------------------------
def test_two_replicas_escalate_each_task_once(ladder: Ladder) -> None:
    if not ladder.db.is_postgres:
        pytest.skip("SQLite has one writer; the row locks are PostgreSQL's")
    ids = [ladder.open(f"cause:{n}") for n in range(6)]
    ladder.clock.advance(timedelta(days=7, minutes=1))
    first, second = ladder.uow(), ladder.uow()
    with first:
        held = escalate_overdue(first, batch=3)  # holds three tasks' rows, not yet committed
        with second:
            other = escalate_overdue(second, batch=100)  # skips those, takes the other three
            second.commit()
        first.commit()
    assert (held.handled, other.handled) == (3, 3)
    assert [len(ladder.history(i)) for i in ids] == [1] * 6
    assert len(ladder.events(ESCALATED)) == 6
    assert sorted(m[2] for m in ladder.messages("escalated")) == sorted(
        f"{i}:1:escalated:{TEACHER}" for i in ids
    )
