"""Contact missed (未按时联系): pairing's obligation windows open a task for the helper who owed the
contact, and a contact logged late, or the next window met on time, closes it, saying so."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from alerts.adapters.orm import HelperCopy
from shouhu_contracts.alerts.tasks import TaskOpened, TaskResolved
from shouhu_contracts.pairing.v1 import (
    HelperRegistered,
    ObligationEnded,
    ObligationWindowMet,
    ObligationWindowMissed,
    PairingCreated,
    PairingEnded,
)
from shouhu_contracts.pairing.vocabulary import PairingRole, Responsible

pytestmark = pytest.mark.unit
HELPER = uuid.uuid4()
MONTHLY = "helper_contact_monthly"


def pairing(city: Any, child: uuid.UUID, *, role: PairingRole = PairingRole.PRIMARY) -> dict[str, Any]:
    path = city.world.path(city.world.kids[child].class_id)
    return {
        "child_id": child,
        "helper_id": HELPER,
        "helper_account": "teacher-li",
        "role": role,
        "org_path": path,
    }


def window(city: Any, child: uuid.UUID, start: datetime, end: datetime, **more: Any) -> dict[str, Any]:
    path = city.world.path(city.world.kids[child].class_id)
    return {
        "child_id": child,
        "org_path": path,
        "window_start": start,
        "window_end": end,
        "duty": MONTHLY,
        "helper_id": HELPER,
        **more,
    }


def missed(city: Any, child: uuid.UUID, month: int, **more: Any) -> ObligationWindowMissed:
    start, end = city.china(2026, month, 1), city.china(2026, month + 1, 1)
    data = window(city, child, start, end, closed_at=end, **more)
    return ObligationWindowMissed.example().model_copy(update=data)


def met(city: Any, child: uuid.UUID, month: int, *, late: bool) -> ObligationWindowMet:
    start, end = city.china(2026, month, 1), city.china(2026, month + 1, 1)
    data = window(city, child, start, end, late=late, met_at=end - timedelta(days=1))
    return ObligationWindowMet.example().model_copy(update=data)


@pytest.fixture
def paired(city: Any) -> uuid.UUID:
    """A child of class cA1 paired with teacher Li; September 2026 has passed."""
    child = city.world.register(city.t["cA1"])
    city.feed()
    city.apply(PairingCreated.example().model_copy(update=pairing(city, child)))
    city.clock.advance(timedelta(days=30))
    return child


def test_a_missed_window_opens_exactly_one_task_for_the_helper(city: Any, paired: uuid.UUID) -> None:
    city.apply(missed(city, paired, 9))
    city.apply(missed(city, paired, 9))  # delivered again (a replay, another event id): still one
    [task] = city.rows(paired)
    assert (task.reason, task.cause_key, task.status) == ("contact_missed", f"{MONTHLY}:2026-09-01", "open")
    assert (task.assignee_role, task.assignee_account, task.assignee_helper_id) == (
        "helper",
        "teacher-li",
        HELPER,
    )
    assert task.detail == "帮扶人每月联系一次：2026年9月未完成"
    assert task.detail_en == f"{MONTHLY} not done in September 2026"
    [opened] = city.of(TaskOpened.event_type)
    assert opened["data"]["assignee"] == {
        "role": "helper",
        "account": "teacher-li",
        "helper_id": str(HELPER),
        "unit_id": None,
    }
    assert city.validate_events() >= 2  # the task and the risk it raised


def test_the_contact_logged_late_clears_the_task_and_says_so(city: Any, paired: uuid.UUID) -> None:
    city.apply(missed(city, paired, 9))
    city.apply(met(city, paired, 9, late=True))
    [task] = city.rows(paired)
    assert (task.status, task.resolution, task.closed_by) == ("resolved", "cause_cleared", "system")
    assert task.resolution_note.startswith("联系已补登")
    [resolved] = city.of(TaskResolved.event_type)
    assert resolved["data"]["resolution"] == "cause_cleared"
    assert resolved["data"]["task_id"] == str(task.id)
    assert city.risks()[paired] == ("low", [])  # the missed contact was the only reason
    city.validate_events()


def test_the_next_window_met_on_time_clears_older_ones_of_that_duty_only(
    city: Any, paired: uuid.UUID
) -> None:
    city.apply(missed(city, paired, 9), missed(city, paired, 9, duty="helper_home_visit_half_yearly"))
    city.apply(met(city, paired, 10, late=False))
    by_duty = {t.cause_key.split(":")[0]: t for t in city.rows(paired)}
    assert by_duty[MONTHLY].status == "resolved"
    assert by_duty[MONTHLY].resolution_note.startswith("已恢复按时联系")
    assert by_duty["helper_home_visit_half_yearly"].status == "open"
    city.validate_events()


def test_a_met_window_that_was_not_late_does_not_clear_its_own_months_task(
    city: Any, paired: uuid.UUID
) -> None:
    city.apply(missed(city, paired, 9), met(city, paired, 9, late=False))
    assert [t.status for t in city.rows(paired)] == ["open"]


def test_an_ended_obligation_leaves_the_missed_contacts_task_open(city: Any, paired: uuid.UUID) -> None:
    city.apply(missed(city, paired, 9))
    ended = ObligationEnded.example().model_copy(
        update=window(city, paired, city.china(2026, 10, 1), city.china(2026, 11, 1))
    )
    city.apply(ended, PairingEnded.example().model_copy(update=pairing(city, paired)))
    assert [t.status for t in city.rows(paired)] == ["open"]
    assert city.copy(paired).primary_helper_account is None
    # waiting for a new helper: the not-paired rule looks again in 14 days
    assert city.copy(paired).not_paired_check_at == city.clock.now() + timedelta(days=14)


def test_a_class_teachers_missed_duty_goes_to_the_class_teacher(city: Any, paired: uuid.UUID) -> None:
    city.apply(
        missed(city, paired, 9, duty="class_teacher_talk_monthly", responsible=Responsible.CLASS_TEACHER)
    )
    [task] = city.rows(paired)
    assert (task.assignee_role, task.assignee_unit_id) == ("class_teacher", city.t["cA1"])


def test_a_secondary_pairing_names_no_helper_for_the_ladder(city: Any) -> None:
    child = city.world.register(city.t["cA1"])
    city.feed()
    city.apply(PairingCreated.example().model_copy(update=pairing(city, child, role=PairingRole.SECONDARY)))
    assert city.copy(child).primary_helper_id is None


def test_a_missed_window_before_the_registration_arrives_still_opens_its_task(city: Any) -> None:
    child = city.world.register(city.t["cA1"], name="王小明")
    city.apply(missed(city, child, 9))  # the pairing topic ran ahead of the registry's
    city.feed()
    [task] = city.rows(child)
    assert (task.child_name, city.copy(child).name, city.copy(child).registered_at) == (
        "王小明",
        "王小明",
        city.world.at,
    )


def test_helpers_are_kept_as_pairing_describes_them(city: Any) -> None:
    city.apply(HelperRegistered.example().model_copy(update={"helper_id": HELPER, "account": "teacher-wu"}))
    with city.db.sessions() as s:
        row = s.get(HelperCopy, HELPER)
        assert row is not None
        assert (row.account, row.name, row.kind, row.active) == ("teacher-wu", "李老师", "teacher", True)


def test_two_replicas_opening_the_same_cause_at_once_leave_one_live_task(city: Any) -> None:
    """Two workers apply two deliveries of one missed window at once (a republished event has a new
    id, so the inbox cannot tell): the partial unique index lets one task in; the loser's retry
    finds it and opens nothing."""
    import threading

    from sqlalchemy.exc import IntegrityError

    from alerts.adapters.orm import ChildCopy
    from alerts.service_layer import tasks
    from shouhu_contracts.alerts.tasks import AlertRule

    if not city.db.is_postgres:
        pytest.skip("SQLite has one writer; concurrent transactions are PostgreSQL's")
    child = city.world.register(city.t["cA1"])
    city.feed()

    def attempt(hold: threading.Event | None, go: threading.Event | None) -> str:
        with city.uow() as uow:
            row = uow.session.get(ChildCopy, child)
            assert row is not None
            try:  # the insert waits on the index for the other transaction, then fails
                made = tasks.open_task(
                    uow,
                    child=row,
                    rule=AlertRule.CONTACT_MISSED,
                    cause_key=f"{MONTHLY}:2026-03-01",
                    detail="三月未联系",
                    detail_en="no call in March",
                    cause_event_id=uuid.uuid4(),
                )
                if hold is not None and go is not None:
                    hold.set()
                    go.wait(10)
                uow.commit()
            except IntegrityError:
                return "refused"
            return "opened" if made is not None else "nothing"

    hold, go = threading.Event(), threading.Event()
    results: list[str] = []
    first = threading.Thread(target=lambda: results.append(attempt(hold, go)))
    first.start()
    assert hold.wait(10)
    second = threading.Thread(target=lambda: results.append(attempt(None, None)))
    second.start()  # inserts under the same cause: waits on the index for the first to commit
    second.join(1)
    go.set()
    first.join(10)
    second.join(10)
    assert sorted(results) == ["opened", "refused"]
    assert attempt(None, None) == "nothing"  # the loser's retry: the live task is there
    live = [t for t in city.rows(child) if t.reason == "contact_missed" and t.status == "open"]
    assert len(live) == 1
