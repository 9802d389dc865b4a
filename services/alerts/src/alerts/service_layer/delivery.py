"""Sending the queued messages (发送通知): through the channel, retried with backoff, never twice.

Each message is claimed (FOR UPDATE SKIP LOCKED on PostgreSQL), sent while claimed, and marked
sent with its NotificationSent event in that message's own transaction, so that a second replica
never takes a message being sent, and a crash resends at most the one message in flight.
The address and the text are never logged, nor kept in the error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from alerts.adapters.channels import Channel, ChannelError, Contact, NoAddress
from alerts.adapters.orm import Notification, Person
from shouhu_contracts.alerts.tasks import NotificationKind, NotificationSent
from shouhu_kit.scheduler import JobResult
from shouhu_kit.uow import UnitOfWork

log = logging.getLogger(__name__)
PENDING, SENT, FAILED = "pending", "sent", "failed"


@dataclass(frozen=True)
class Backoff:
    """Retries: the n-th failure waits base·2ⁿ⁻¹ seconds (at most max), and gives up at max_attempts."""

    max_attempts: int = 5
    base_seconds: float = 60
    max_seconds: float = 6 * 3600

    def next_attempt(self, now: datetime, attempts: int) -> datetime:
        """When to try again after this many failed attempts."""
        return now + timedelta(seconds=min(self.max_seconds, self.base_seconds * 2 ** (attempts - 1)))


def _claim_one(uow: UnitOfWork, now: datetime) -> Notification | None:
    query = (
        select(Notification)
        .where(Notification.status == PENDING, Notification.next_attempt_at <= now)
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(1)
    )
    if uow.db.is_postgres:
        query = query.with_for_update(skip_locked=True)
    return uow.session.scalars(query).first()


def _contact(uow: UnitOfWork, account: str) -> Contact:
    """The directory's entry; someone it lacks has no address (the log channel needs none)."""
    person = uow.session.get(Person, account)
    if person is None:
        return Contact(account=account, name="")
    return Contact(
        account=person.account,
        name=person.name,
        email=person.email,
        phone=person.phone,
        webhook_url=person.webhook_url,
    )


def deliver(uow: UnitOfWork, row: Notification, *, channel: Channel, backoff: Backoff) -> bool:
    """Send one claimed message and record the outcome on its row; True when it went."""
    now = uow.now()
    row.attempts += 1
    row.channel = channel.name
    try:
        channel.send(_contact(uow, row.recipient), row.subject, row.body, notification_id=row.id)
    except NoAddress as exc:  # retrying will not find an address: the person's record must change
        row.status, row.last_error = FAILED, str(exc)
        log.warning("notification %s failed: %s", row.id, exc)
        return False
    except Exception as exc:  # a channel's own failure, or one it did not expect: retry later
        reason = str(exc) if isinstance(exc, ChannelError) else type(exc).__name__
        row.last_error = reason[:500]
        if row.attempts >= backoff.max_attempts:
            row.status = FAILED
        else:
            row.next_attempt_at = backoff.next_attempt(now, row.attempts)
        log.warning("notification %s attempt %d failed: %s", row.id, row.attempts, reason)
        return False
    row.status, row.sent_at, row.last_error = SENT, now, None
    uow.publish(
        NotificationSent(
            notification_id=row.id,
            recipient=row.recipient,
            kind=NotificationKind(row.kind),
            channel=channel.name,
            task_id=row.task_id,
            child_id=row.child_id,
            sent_at=now,
            attempts=row.attempts,
        )
    )
    return True


def send_notifications(uow: UnitOfWork, *, channel: Channel, backoff: Backoff, batch: int) -> JobResult:
    """Send up to `batch` due messages, oldest first, each in its own transaction."""
    sent = tried = 0
    while tried < batch:
        row = _claim_one(uow, uow.now())
        if row is None:
            break
        tried += 1
        sent += deliver(uow, row, channel=channel, backoff=backoff)
        uow.commit()  # the outcome and its event, and the claim released, before the next message
    return JobResult(handled=sent, more=tried == batch, note=f"sent {sent} of {tried} messages")
