"""The time rules (建档后未结对, 联系卡不完整): due children found by one indexed query, once each."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from alerts.adapters.orm import ChildCopy
from alerts.bootstrap import jobs
from alerts.config import AlertsSettings
from alerts.service_layer.time_rules import check_contact_cards, check_not_paired
from shouhu_contracts.pairing.v1 import PairingCreated
from shouhu_contracts.registry.v1 import ChildUpdated

pytestmark = pytest.mark.unit


def register(city: Any, **facts: Any) -> uuid.UUID:
    child = city.world.register(city.t["cA1"])
    city.world.published[-1] = city.world.published[-1].model_copy(update=facts)
    city.feed()
    return child


def pair(city: Any, child: uuid.UUID) -> None:
    path = city.world.path(city.t["cA1"])
    city.apply(
        PairingCreated.example().model_copy(
            update={"child_id": child, "org_path": path, "helper_id": uuid.uuid4()}
        )
    )


def reasons(city: Any, child: uuid.UUID) -> list[tuple[str, str]]:
    return [(t.reason, t.status) for t in city.rows(child)]


def test_the_time_rules_are_the_workers_jobs() -> None:
    names = {j.name for j in jobs(AlertsSettings(env="test"))}  # type: ignore[arg-type]
    assert {"check_not_paired", "check_contact_cards"} <= names


def test_not_paired_opens_after_fourteen_days_and_not_before(city: Any) -> None:
    child = register(city)
    city.clock.advance(timedelta(days=14) - timedelta(minutes=1))
    assert city.run(check_not_paired).handled == 0
    assert reasons(city, child) == []
    city.clock.advance(timedelta(minutes=1))
    assert city.run(check_not_paired).handled == 1
    [task] = city.rows(child)
    assert (task.reason, task.status, task.assignee_role) == ("not_paired", "open", "class_teacher")
    assert task.detail.startswith("建档已满14天仍未结对")
    assert city.copy(child).not_paired_check_at is None
    city.clock.advance(timedelta(days=30))
    assert city.run(check_not_paired).handled == 0  # looked at once, not every run
    assert city.risks()[child][0] == "medium"
    city.validate_events()


def test_a_pairing_made_clears_the_not_paired_task(city: Any) -> None:
    child = register(city)
    city.clock.advance(timedelta(days=15))
    city.run(check_not_paired)
    pair(city, child)
    [task] = city.rows(child)
    assert (task.status, task.resolution) == ("resolved", "cause_cleared")
    assert task.resolution_note.startswith("已结对")
    assert city.risks()[child] == ("low", [])
    city.validate_events()


def test_a_child_paired_in_time_gets_no_task(city: Any) -> None:
    child = register(city)
    city.clock.advance(timedelta(days=3))
    pair(city, child)
    city.clock.advance(timedelta(days=30))
    assert city.run(check_not_paired).handled == 0
    assert reasons(city, child) == []


def test_the_job_takes_a_bounded_batch_oldest_first_and_says_more(city: Any) -> None:
    kids = [register(city) for _ in range(3)]
    city.clock.advance(timedelta(days=20))
    first = city.run(lambda uow: check_not_paired(uow, batch=2))
    assert (first.handled, first.more) == (2, True)
    second = city.run(lambda uow: check_not_paired(uow, batch=2))
    assert (second.handled, second.more) == (1, False)
    assert all(reasons(city, k) == [("not_paired", "open")] for k in kids)


def test_an_incomplete_card_opens_after_thirty_days_and_a_complete_one_clears(city: Any) -> None:
    child = register(city, missing_contacts=["guardian.phone"])
    done = register(city)
    city.clock.advance(timedelta(days=29))
    city.run(check_contact_cards)
    assert reasons(city, child) == []
    city.clock.advance(timedelta(days=1))
    assert city.run(check_contact_cards).handled == 1
    assert reasons(city, child) == [("archive_incomplete", "open")]
    assert reasons(city, done) == []
    assert city.risks()[child] == (
        "low",
        [
            {
                "code": "archive_incomplete",
                "dimension": "living",
                "text": "联系卡不完整",
                "text_en": "Contact card incomplete",
            }
        ],
    )
    path = city.world.path(city.t["cA1"])
    fixed = ChildUpdated.example().model_copy(
        update={"child_id": child, "org_path": path, "fields": ["guardian.phone"], "missing_contacts": []}
    )
    city.apply(fixed)
    [task] = city.rows(child)
    assert (task.status, task.resolution_note[:6]) == ("resolved", "联系卡已补全")
    city.validate_events()


def test_an_exited_child_is_not_looked_at(city: Any) -> None:
    child = register(city)
    city.world.exit(child)
    city.feed()
    city.clock.advance(timedelta(days=20))
    assert city.run(check_not_paired).handled == 0
    with city.db.sessions() as s:
        assert s.scalar(select(ChildCopy.not_paired_check_at).where(ChildCopy.id == child)) is None
