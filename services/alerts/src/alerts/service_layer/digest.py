"""The weekly digest (每周汇总): on Mondays at 08:00 China time, each assignee is sent their live
tasks, the overdue ones counted, in Chinese.

The week's marker row (DigestRun) says how far through the accounts it got: each run takes the
next `batch` accounts in order from the assignee index, with their counts and first tasks in two
grouped queries (never one query per account, never a scan of all tasks), and moves the marker
on; a finished week is not begun again. Each message's dedupe key digest:{account}:{week} keeps
a second replica or a restart from queuing it twice. A week missed whole (an outage) is not sent
late: the next Monday's digest says what is live then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import case, func, select

from alerts.adapters.orm import LIVE, DigestRun, FollowUpTask
from alerts.domain.policy import RULE_NAMES
from alerts.service_layer.tasks import queue
from shouhu_contracts.alerts.tasks import AlertRule, NotificationKind
from shouhu_kit.clock import CHINA_TZ
from shouhu_kit.db import insert_on_conflict
from shouhu_kit.scheduler import JobResult
from shouhu_kit.uow import UnitOfWork

SEND_AT = time(8, 0)  # 周一上午8点（北京时间）


def due_monday(now: datetime) -> datetime:
    """The latest Monday 08:00 China time at or before `now` (aware, in China time)."""
    local = now.astimezone(CHINA_TZ)
    monday = datetime.combine(local.date() - timedelta(days=local.weekday()), SEND_AT, tzinfo=CHINA_TZ)
    return monday if monday <= local else monday - timedelta(days=7)


def iso_week(day: datetime) -> str:
    """'2027-W14'."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class Digest:
    """One account's digest: counts, and the first tasks by deadline."""

    account: str
    live: int = 0
    overdue: int = 0
    lines: list[str] = field(default_factory=list)


def _marker(uow: UnitOfWork, week: str) -> DigestRun | None:
    """The week's marker, locked; None while another replica holds it."""
    session = uow.session
    insert = insert_on_conflict(session, DigestRun.__table__).values(  # type: ignore[arg-type]
        week=week, started_at=uow.now(), last_account="", sent=0
    )
    session.execute(insert.on_conflict_do_nothing(index_elements=["week"]))
    query = select(DigestRun).where(DigestRun.week == week)
    if uow.db.is_postgres:
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).first()


def _accounts(uow: UnitOfWork, after: str, batch: int) -> list[str]:
    """The next accounts with live tasks, in order (a range on ix_tasks_assignee)."""
    account = FollowUpTask.assignee_account
    return list(
        uow.session.scalars(
            select(account)
            .where(account > after, FollowUpTask.status.in_(LIVE))
            .group_by(account)
            .order_by(account)
            .limit(batch)
        )
    )


def _line(number: int, child: str, reason: str, due_at: datetime, now: datetime) -> str:
    due = due_at.astimezone(CHINA_TZ).strftime("%Y年%m月%d日")
    late = "（已逾期）" if due_at <= now else ""
    return f"{number}. {child} · {RULE_NAMES[AlertRule(reason)][0]} · 期限{due}{late}"


def digests(uow: UnitOfWork, accounts: Sequence[str], *, now: datetime, max_lines: int) -> list[Digest]:
    """The accounts' digests, from two grouped queries on the assignee index."""
    t = FollowUpTask
    found = {a: Digest(account=a) for a in accounts}
    counts = uow.session.execute(
        select(t.assignee_account, func.count(), func.sum(case((t.due_at <= now, 1), else_=0)))
        .where(t.assignee_account.in_(accounts), t.status.in_(LIVE))
        .group_by(t.assignee_account)
    )
    for account, live, overdue in counts:
        found[account].live, found[account].overdue = live, int(overdue or 0)
    rank = func.row_number().over(partition_by=t.assignee_account, order_by=(t.due_at, t.id)).label("rank")
    ranked = (
        select(t.assignee_account, t.child_name, t.reason, t.due_at, rank)
        .where(t.assignee_account.in_(accounts), t.status.in_(LIVE))
        .subquery()
    )
    rows = uow.session.execute(
        select(ranked).where(ranked.c.rank <= max_lines).order_by(ranked.c.assignee_account, ranked.c.rank)
    )
    for account, child, reason, due_at, number in rows:
        found[account].lines.append(_line(number, child, reason, due_at, now))
    return [d for d in found.values() if d.live]


def _message(digest: Digest, monday: datetime) -> tuple[str, str]:
    subject = f"【守护】本周跟进任务汇总：待办{digest.live}项，其中逾期{digest.overdue}项"
    head = (
        f"您好！截至{monday.strftime('%Y年%m月%d日')}（北京时间），您有{digest.live}项跟进任务待办，"
        f"其中{digest.overdue}项已逾期："
    )
    rest = digest.live - len(digest.lines)
    tail = [f"另有{rest}项未列出。"] if rest > 0 else []
    return subject, "\n".join([head, *digest.lines, *tail, "请登录守护平台查看并处理。"])


def weekly_digest(uow: UnitOfWork, *, batch: int, max_lines: int) -> JobResult:
    """Queue the due week's digests for the next `batch` accounts; `more` until all are queued."""
    now = uow.now()
    monday = due_monday(now)
    week = iso_week(monday)
    run = _marker(uow, week)
    if run is None:
        return JobResult(note=f"{week}: another replica is sending")
    if run.finished_at is not None:
        return JobResult(note=f"{week}: sent ({run.sent} digests)")
    accounts = _accounts(uow, run.last_account, batch)
    for digest in digests(uow, accounts, now=now, max_lines=max_lines):
        subject, body = _message(digest, monday)
        queue(
            uow,
            dedupe_key=f"digest:{digest.account}:{week}",
            recipient=digest.account,
            kind=NotificationKind.DIGEST,
            subject=subject,
            body=body,
        )
    run.sent += len(accounts)
    if accounts:
        run.last_account = accounts[-1]
    more = len(accounts) == batch
    if not more:
        run.finished_at = now
    return JobResult(handled=len(accounts), more=more, note=f"{week}: {len(accounts)} digests queued")
