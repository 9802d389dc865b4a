"""The grade-drop rule (学习严重滑坡) and the handler that opens tasks."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from alerts.adapters.orm import Base, FollowUpTask
from alerts.domain.grades import GradeDropPolicy, TermScore, assess_terms, detect_grade_drop
from alerts.domain.policy import AlertPolicy
from alerts.service_layer.children import on_child_registered, on_term_result
from shouhu_contracts.alerts.tasks import TaskOpened
from shouhu_contracts.alerts.v1 import FollowUpTaskOpened, RiskLevelChanged
from shouhu_contracts.envelope import new_event
from shouhu_contracts.registry.v1 import ChildRegistered, TermResultRecorded
from shouhu_kit.clock import FakeClock
from shouhu_kit.db import Database
from shouhu_kit.outbox import outbox_backlog
from shouhu_kit.uow import UnitOfWork

pytestmark = pytest.mark.unit
POLICY = GradeDropPolicy()


@pytest.mark.parametrize(
    ("before", "after", "drops"),
    [
        ((300, 5), (300, 15), True),  # exactly 10 places
        ((300, 5), (300, 14), False),  # 9 places
        ((300, 5), (255, 5), True),  # exactly 15%
        ((300, 5), (256, 5), False),  # 14.7%
        ((300, 15), (200, 1), True),  # total falls although the rank rises
        ((300, 15), (320, 2), False),  # better on both
        ((0, 5), (0, 6), False),  # no score to lose
    ],
)
def test_detect_grade_drop_thresholds(
    before: tuple[float, int], after: tuple[float, int], drops: bool
) -> None:
    prev, cur = TermScore("2025-2026-1", *before), TermScore("2025-2026-2", *after)
    assert (detect_grade_drop(previous=prev, current=cur, policy=POLICY) is not None) is drops


@pytest.mark.parametrize(
    ("subjects", "drops"),
    [
        ({"语文": 55, "数学": 59, "英语": 90}, True),  # two under 60
        ({"语文": 55, "数学": 60, "英语": 90}, False),  # 60 passes
        (None, False),
    ],
)
def test_failing_subjects_open_a_drop_without_a_rank_or_total_fall(
    subjects: dict[str, float] | None, drops: bool
) -> None:
    prev, cur = TermScore("2025-2026-1", 300, 5), TermScore("2025-2026-2", 300, 5, subjects)
    drop = detect_grade_drop(previous=prev, current=cur, policy=POLICY)
    assert (drop is not None) is drops
    if drop is not None:
        assert drop.describe().endswith("2科不及格（数学、语文）")


def test_the_city_policy_sets_the_thresholds() -> None:
    strict = GradeDropPolicy.of(AlertPolicy(grade_drop_rank_places=3, failing_subjects=1))
    assert (strict.rank_places, strict.total_share, strict.failing_subjects) == (3, 0.15, 1)


def test_a_drop_recovers_when_the_next_term_is_back_within_the_threshold() -> None:
    t1, t2 = TermScore("2025-2026-1", 300, 5), TermScore("2025-2026-2", 250, 20)
    back = TermScore("2026-2027-1", 300, 14)  # 9 places from the first term: within 10
    still = TermScore("2026-2027-1", 250, 15)  # no new drop, but 10 places from the first term
    healed = assess_terms([t1, t2, back], POLICY)
    assert [d.cause_key for d in healed.recovered] == ["2025-2026-1>2025-2026-2"]
    assert healed.standing == ()
    assert [d.cause_key for d in assess_terms([t1, t2, still], POLICY).standing] == [
        "2025-2026-1>2025-2026-2"
    ]


def test_a_city_can_configure_the_policy() -> None:
    strict = GradeDropPolicy(rank_places=3, total_share=0.05)
    prev, cur = TermScore("2025-2026-1", 300, 5), TermScore("2025-2026-2", 300, 8)
    assert detect_grade_drop(previous=prev, current=cur, policy=strict) is not None
    assert detect_grade_drop(previous=prev, current=cur, policy=POLICY) is None


def test_description_is_chinese_and_names_both_terms() -> None:
    drop = detect_grade_drop(
        previous=TermScore("2025-2026-1", 300, 7), current=TermScore("2025-2026-2", 240, 19), policy=POLICY
    )
    assert drop is not None
    assert drop.describe() == (
        "2025-2026-1→2025-2026-2：班级排名下降12名（第7名→第19名）；总分下降20%（300→240）"
    )


class Env:
    def __init__(self, tmp: Path) -> None:
        self.db = Database(url=f"sqlite:///{tmp}/alerts.db", metadata=Base.metadata)
        self.db.create_schema()
        self.clock = FakeClock()
        self.handler = on_term_result
        self.child = uuid.uuid4()

    def apply(self, handler: Any, data: Any) -> None:
        event = new_event(event_id=uuid.uuid4(), source="/shouhu/registry", time=self.clock.now(), data=data)
        with UnitOfWork(db=self.db, clock=self.clock, source="/shouhu/alerts") as uow:
            handler(uow, event)
            uow.commit()

    def register(self) -> None:
        self.apply(on_child_registered, ChildRegistered.example().model_copy(update={"child_id": self.child}))

    def result(self, term: str, total: float, rank: int) -> None:
        data = TermResultRecorded.example().model_copy(
            update={"child_id": self.child, "term": term, "total_score": total, "class_rank": rank}
        )
        self.apply(self.handler, data)

    def tasks(self) -> list[FollowUpTask]:
        with self.db.sessions() as s:
            return list(s.scalars(select(FollowUpTask)).all())


@pytest.fixture
def env(tmp_path: Path) -> Env:
    return Env(tmp_path)


def test_a_big_drop_opens_one_task_and_queues_its_event(env: Env) -> None:
    env.register()
    env.result("2025-2026-1", 300, 5)
    assert env.tasks() == []
    env.result("2025-2026-2", 290, 18)
    [task] = env.tasks()
    assert task.status == "open"
    assert task.child_name == "李小红"
    assert task.due_at == env.clock.now() + timedelta(days=7)
    assert "下降13名" in task.detail
    with env.db.sessions() as s:
        types = s.scalars(select(env.db.tables.outbox.c.event_type)).all()
    # v2 for every reader, v1 beside it for the released grade-drop readers, and the risk it raised
    assert types == [TaskOpened.event_type, FollowUpTaskOpened.event_type, RiskLevelChanged.event_type]


def test_a_correction_of_the_same_terms_does_not_open_a_second_task(env: Env) -> None:
    env.register()
    env.result("2025-2026-1", 300, 5)
    env.result("2025-2026-2", 290, 18)
    env.result("2025-2026-2", 280, 20)  # corrected
    assert len(env.tasks()) == 1
    assert outbox_backlog(env.db) == 3  # the one task's two opened events and the risk change


def test_a_late_earlier_term_is_compared_with_the_later_one(env: Env) -> None:
    env.register()
    env.result("2025-2026-2", 200, 30)
    env.result("2025-2026-1", 300, 3)  # entered late
    [task] = env.tasks()
    assert task.detail.startswith("2025-2026-1→2025-2026-2")


def test_a_small_change_opens_nothing(env: Env) -> None:
    env.register()
    env.result("2025-2026-1", 300, 5)
    env.result("2025-2026-2", 295, 8)
    with env.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(FollowUpTask)) == 0
