"""Alerts event handlers: keep local copies, apply the grade-drop rule, open tasks."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from alerts.adapters.orm import TREE, ChildCopy, FollowUpTask, TermScoreCopy
from alerts.domain.grades import GradeDropPolicy, TermScore, detect_grade_drop
from shouhu_contracts.alerts.v1 import FollowUpTaskOpened, TaskReason
from shouhu_contracts.envelope import CloudEvent
from shouhu_contracts.registry.v1 import TermResultRecorded
from shouhu_kit.uow import UnitOfWork


class TermResultHandler:
    """On a recorded result, compare it with the terms before and after it."""

    def __init__(self, *, policy: GradeDropPolicy, due_after: timedelta) -> None:
        self.policy = policy
        self.due_after = due_after

    def __call__(self, uow: UnitOfWork, event: CloudEvent[Any]) -> None:
        data: TermResultRecorded = event.data
        s = uow.session
        row = s.scalar(
            select(TermScoreCopy).where(
                TermScoreCopy.child_id == data.child_id, TermScoreCopy.term == data.term
            )
        )
        if row is None:
            row = TermScoreCopy(child_id=data.child_id, term=data.term)
            s.add(row)
        row.total_score, row.class_rank = data.total_score, data.class_rank
        s.flush()
        current = TermScore(data.term, data.total_score, data.class_rank)
        # Results may be entered late: the new term can be the later or the earlier of a pair.
        before = s.scalar(
            select(TermScoreCopy)
            .where(TermScoreCopy.child_id == data.child_id, TermScoreCopy.term < data.term)
            .order_by(TermScoreCopy.term.desc())
            .limit(1)
        )
        after = s.scalar(
            select(TermScoreCopy)
            .where(TermScoreCopy.child_id == data.child_id, TermScoreCopy.term > data.term)
            .order_by(TermScoreCopy.term)
            .limit(1)
        )
        pairs = []
        if before is not None:
            pairs.append((_score(before), current))
        if after is not None:
            pairs.append((current, _score(after)))
        for prev, cur in pairs:
            drop = detect_grade_drop(previous=prev, current=cur, policy=self.policy)
            if drop is not None:
                self._open(uow, event, data, cause_key=f"{prev.term}>{cur.term}", detail=drop.describe())

    def _open(
        self,
        uow: UnitOfWork,
        event: CloudEvent[Any],
        data: TermResultRecorded,
        *,
        cause_key: str,
        detail: str,
    ) -> None:
        s = uow.session
        exists = s.scalar(
            select(FollowUpTask.id).where(
                FollowUpTask.child_id == data.child_id,
                FollowUpTask.reason == TaskReason.GRADE_DROP.value,
                FollowUpTask.cause_key == cause_key,
            )
        )
        if exists is not None:
            return  # a correction of the same terms does not open a second task
        child = s.get(ChildCopy, data.child_id)
        now = uow.now()
        task = FollowUpTask(
            id=uuid.uuid4(),
            child_id=data.child_id,
            child_name=child.name if child else "",
            reason=TaskReason.GRADE_DROP.value,
            cause_key=cause_key,
            detail=detail,
            status="open",
            class_id=TREE.unit_of(uow.session, data.org_path),
            cause_event_id=event.id,
            opened_at=now,
            due_at=now + self.due_after,
        )
        s.add(task)
        s.flush()
        uow.publish(
            FollowUpTaskOpened(
                task_id=task.id,
                child_id=task.child_id,
                reason=TaskReason.GRADE_DROP,
                detail=detail,
                org_path=data.org_path,
                cause_event_id=event.id,
                opened_at=now,
                due_at=task.due_at,
            )
        )


def _score(row: TermScoreCopy) -> TermScore:
    return TermScore(row.term, row.total_score, row.class_rank)
