"""The rules that read a child's facts (监护、成绩、联系卡): each opens its task through the task
core, and closes it, saying why, when the facts show the cause cleared.

Every function here is idempotent: it compares what the facts call for with the child's live tasks,
so a replayed or reordered event, or a child back in the programme, ends in the same tasks.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select

from alerts.adapters.orm import LIVE, TREE, ChildCopy, FollowUpTask, TermScoreCopy
from alerts.domain.grades import GradeDropPolicy, TermScore, assess_terms
from alerts.domain.policy import AlertPolicy
from alerts.service_layer import tasks
from shouhu_contracts.alerts.tasks import AlertRule, Resolution
from shouhu_contracts.org import GuardianshipRating
from shouhu_kit.uow import UnitOfWork

GUARDIAN_KEY = "guardian"  # one live guardianship task of each rule per child
CARD_KEY = "contact_card"
UNPAIRED_KEY = "unpaired"
RECOVERED = "下一学期成绩已回升 / The next term's grades recovered"
CORRECTED = "成绩已更正，不再构成滑坡 / The results were corrected: no drop any more"
GUARDIAN_RECORDED = "已登记监护人 / A guardian is recorded"
GUARDIAN_FIT = "监护人已更换或不再超龄 / The guardian changed or is within the age limit"
GUARDIAN_NOT_POOR = "监护情况已改善 / The guardianship is no longer rated poor"
GUARDIAN_GONE = "监护人已不在，另有无人监护任务 / The guardian is gone: see the no-guardian task"
CARD_COMPLETE = "联系卡已补全 / The contact card is complete"
PAIRED = "已结对帮扶人 / A helper is paired"
BACK = "儿童已重新纳入关爱名单 / The child is back in the programme"


def child_copy(uow: UnitOfWork, child_id: uuid.UUID, org_path: Sequence[uuid.UUID]) -> ChildCopy:
    """The child's copy; a placeholder in the event's class when pairing's or the registry's other
    events come before the registration (its name and facts arrive with it)."""
    row = uow.session.get(ChildCopy, child_id)
    if row is None:
        row = ChildCopy(
            id=child_id,
            name="",
            class_id=TREE.unit_of(uow.session, org_path),
            status="active",
            has_guardian=True,
            missing_contacts=[],
        )
        uow.session.add(row)
        uow.session.flush()
    return row


def live_causes(uow: UnitOfWork, child_id: uuid.UUID, rules: Sequence[AlertRule]) -> set[tuple[str, str]]:
    """The child's live tasks of these rules, as (rule, cause_key)."""
    rows = uow.session.execute(
        select(FollowUpTask.reason, FollowUpTask.cause_key).where(
            FollowUpTask.child_id == child_id,
            FollowUpTask.reason.in_([r.value for r in rules]),
            FollowUpTask.status.in_(LIVE),
        )
    )
    return {(r.reason, r.cause_key) for r in rows}


def _keep(
    uow: UnitOfWork,
    child: ChildCopy,
    rule: AlertRule,
    *,
    due: bool,
    live: set[tuple[str, str]],
    detail: tuple[str, str],
    cleared: str,
    cause_event_id: uuid.UUID | None,
    key: str = GUARDIAN_KEY,
) -> None:
    """Open the rule's task when due, else close a live one as cleared."""
    if due:
        tasks.open_task(
            uow,
            child=child,
            rule=rule,
            cause_key=key,
            detail=detail[0],
            detail_en=detail[1],
            cause_event_id=cause_event_id,
        )
    elif (rule.value, key) in live:
        tasks.clear(uow, child_id=child.id, rule=rule, cause_key=key, note=cleared)


def guardianship(
    uow: UnitOfWork, child: ChildCopy, policy: AlertPolicy, cause_event_id: uuid.UUID | None
) -> None:
    """No guardian (监护缺位) at once; a guardian over the age limit; a guardianship rated poor."""
    rules = [AlertRule.NO_GUARDIAN, AlertRule.GUARDIAN_UNFIT, AlertRule.GUARDIANSHIP_POOR]
    live = live_causes(uow, child.id, rules)
    age, limit = child.guardian_age, policy.guardian_max_age
    too_old = child.has_guardian and age is not None and age > limit
    poor = child.has_guardian and child.guardian_rating == GuardianshipRating.POOR.value
    _keep(
        uow,
        child,
        AlertRule.NO_GUARDIAN,
        due=not child.has_guardian,
        live=live,
        detail=("无人监护，请立即落实监护人", "Nobody looks after the child: find a guardian now"),
        cleared=GUARDIAN_RECORDED,
        cause_event_id=cause_event_id,
    )
    _keep(
        uow,
        child,
        AlertRule.GUARDIAN_UNFIT,
        due=too_old,
        live=live,
        detail=(f"监护人{age}岁，超过{limit}岁上限", f"The guardian is {age}, over the limit of {limit}"),
        cleared=GUARDIAN_FIT if child.has_guardian else GUARDIAN_GONE,
        cause_event_id=cause_event_id,
    )
    _keep(
        uow,
        child,
        AlertRule.GUARDIANSHIP_POOR,
        due=poor,
        live=live,
        detail=("监护情况评定为差", "The guardianship is rated poor"),
        cleared=GUARDIAN_NOT_POOR if child.has_guardian else GUARDIAN_GONE,
        cause_event_id=cause_event_id,
    )


def grades(uow: UnitOfWork, child: ChildCopy, policy: AlertPolicy, cause_event_id: uuid.UUID | None) -> None:
    """Open a task for each standing drop between consecutive terms; close those that no longer stand.

    A pair whose task a person resolved is not opened again (a correction of the same terms, or a
    later term, does not undo their work); a pair cleared or cancelled before may open again.
    """
    session = uow.session
    rows = session.scalars(select(TermScoreCopy).where(TermScoreCopy.child_id == child.id)).all()
    scores = [TermScore(r.term, r.total_score, r.class_rank, r.subjects) for r in rows]
    standing = assess_terms(scores, GradeDropPolicy.of(policy))
    seen = session.execute(
        select(FollowUpTask.cause_key, FollowUpTask.status, FollowUpTask.resolution).where(
            FollowUpTask.child_id == child.id, FollowUpTask.reason == AlertRule.GRADE_DROP.value
        )
    ).all()
    handled = {r.cause_key for r in seen if r.resolution == Resolution.RESOLVED.value}
    live = {r.cause_key for r in seen if r.status in LIVE}
    for drop in standing.standing:
        if drop.cause_key not in handled:
            tasks.open_task(
                uow,
                child=child,
                rule=AlertRule.GRADE_DROP,
                cause_key=drop.cause_key,
                detail=drop.describe(),
                detail_en=drop.describe_en(),
                cause_event_id=cause_event_id,
            )
    healed = {d.cause_key for d in standing.recovered}
    for key in sorted(live - {d.cause_key for d in standing.standing}):
        note = RECOVERED if key in healed else CORRECTED
        tasks.clear(uow, child_id=child.id, rule=AlertRule.GRADE_DROP, cause_key=key, note=note)


def contact_card(uow: UnitOfWork, child: ChildCopy, missing: list[str], policy: AlertPolicy) -> None:
    """Keep the card's missing phones; a card newly incomplete is looked at N days after registration,
    a complete one closes its task (联系卡已补全)."""
    was_missing = bool(child.missing_contacts)
    child.missing_contacts = sorted(missing)
    if not missing:
        child.archive_check_at = None
        if (AlertRule.ARCHIVE_INCOMPLETE.value, CARD_KEY) in live_causes(
            uow, child.id, [AlertRule.ARCHIVE_INCOMPLETE]
        ):
            tasks.clear(
                uow,
                child_id=child.id,
                rule=AlertRule.ARCHIVE_INCOMPLETE,
                cause_key=CARD_KEY,
                note=CARD_COMPLETE,
            )
    elif not was_missing:
        since = child.registered_at or uow.now()
        child.archive_check_at = since + timedelta(days=policy.archive_incomplete_days)


def start_waiting(uow: UnitOfWork, child: ChildCopy, policy: AlertPolicy) -> None:
    """An unpaired child in the programme is looked at again N days from now (建档后未结对)."""
    if child.primary_helper_id is None and child.status == "active":
        child.not_paired_check_at = uow.now() + timedelta(days=policy.not_paired_days)
