"""Sending notifications: a real local SMTP server (aiosmtpd), a local webhook, retries with backoff,
failures that never log the address, and two replicas that send a message once."""

from __future__ import annotations

import email
import email.policy
import json
import logging
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from alerts.adapters.channels import (
    ChannelError,
    Contact,
    LogChannel,
    NoAddress,
    SmtpChannel,
    WebhookChannel,
    channel_of,
)
from alerts.adapters.orm import Notification, Person
from alerts.config import AlertsSettings
from alerts.service_layer.delivery import Backoff, send_notifications
from alerts.service_layer.tasks import queue
from shouhu_contracts.alerts.tasks import NotificationKind
from shouhu_kit.uow import UnitOfWork

pytestmark = pytest.mark.unit
SCHEMAS = Path(__file__).resolve().parents[4] / "contracts" / "schemas"
MAIL = "li.laoshi@school.example.cn"
SUBJECT = "【守护】新的跟进任务：李小红（未按时联系）"
BODY = "李小红：帮扶人每月联系儿童一次：2026年8月未完成\n请于2026年09月08日 16:00（北京时间）前处理。"
BACKOFF = Backoff(max_attempts=3, base_seconds=60, max_seconds=3600)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps what arrives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.recipients: list[list[str]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))  # type: ignore[arg-type]
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free local port."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


class Hook(BaseHTTPRequestHandler):
    """Keeps each POST's JSON; answers the status the test sets."""

    received: list[dict[str, Any]]
    status = 200

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        type(self).received.append(json.loads(self.rfile.read(length).decode("utf-8")))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        return


@pytest.fixture
def hook() -> Iterator[tuple[type[Hook], str]]:
    """A tiny local webhook (a WeCom bot or an SMS gateway) in a thread."""
    handler = type("H", (Hook,), {"received": [], "status": 200})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield handler, f"http://127.0.0.1:{server.server_port}/send?key=secret-bot-key"
    server.shutdown()
    server.server_close()


class Outbox:
    """Queue messages and send them on the alerts tables."""

    def __init__(self, alerts: Any) -> None:
        self.db, self.clock = alerts.db, alerts.clock

    def uow(self) -> UnitOfWork:
        return UnitOfWork(db=self.db, clock=self.clock, source="/shouhu/alerts")

    def person(self, account: str = "teacher-li", **contact: str | None) -> None:
        with self.db.sessions.begin() as s:
            s.add(Person(account=account, name="李老师", updated_at=self.clock.now(), **contact))

    def queue(self, key: str = "k1", recipient: str = "teacher-li") -> None:
        with self.uow() as uow:
            queue(
                uow,
                dedupe_key=key,
                recipient=recipient,
                kind=NotificationKind.OPENED,
                subject=SUBJECT,
                body=BODY,
                task_id=uuid.uuid4(),
            )
            uow.commit()

    def send(self, channel: Any, backoff: Backoff = BACKOFF) -> int:
        with self.uow() as uow:
            result = send_notifications(uow, channel=channel, backoff=backoff, batch=10)
            uow.commit()
        return result.handled

    def rows(self) -> list[Notification]:
        with self.db.sessions() as s:
            return list(s.scalars(select(Notification).order_by(Notification.dedupe_key)))

    def sent_events(self) -> list[dict[str, Any]]:
        table = self.db.tables.outbox
        with self.db.sessions() as s:
            payloads = s.scalars(select(table.c.payload).order_by(table.c.seq)).all()
        events = [json.loads(p) for p in payloads]
        schema = json.loads((SCHEMAS / "alerts.notification.sent.v1.schema.json").read_text())
        for event in events:
            jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            ).validate(event)
        return events


@pytest.fixture
def outbox(alerts: Any) -> Outbox:
    return Outbox(alerts)


def test_a_message_arrives_at_the_smtp_server_with_its_chinese_subject(
    outbox: Outbox, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    outbox.person(email=MAIL)
    outbox.queue()
    channel = SmtpChannel(host="127.0.0.1", port=port, sender="shouhu@city.example.cn")
    assert outbox.send(channel) == 1
    assert outbox.send(channel) == 0  # sent once: a second run (or a restart) sends nothing
    [message] = inbox.messages
    assert message["Subject"] == SUBJECT
    assert message.get_content().replace("\r\n", "\n").strip() == BODY  # SMTP carries CRLF lines
    assert inbox.recipients == [[MAIL]]
    [row] = outbox.rows()
    assert (row.status, row.attempts, row.channel, row.last_error) == ("sent", 1, "email", None)
    [event] = outbox.sent_events()
    assert event["type"] == "alerts.notification.sent.v1"
    assert event["data"]["recipient"] == "teacher-li"
    assert event["data"]["channel"] == "email"
    assert MAIL not in json.dumps(event)


def test_a_closed_smtp_port_is_retried_with_backoff_then_failed_never_logging_the_address(
    outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    outbox.person(email=MAIL)
    outbox.queue()
    channel = SmtpChannel(host="127.0.0.1", port=free_port(), sender="shouhu@city.example.cn", timeout=2)
    start = outbox.clock.now()
    assert outbox.send(channel) == 0
    [row] = outbox.rows()
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, start + timedelta(seconds=60))
    assert outbox.send(channel) == 0
    assert outbox.rows()[0].attempts == 1
    outbox.clock.advance(timedelta(seconds=60))
    outbox.send(channel)
    [row] = outbox.rows()
    assert (row.attempts, row.next_attempt_at) == (2, outbox.clock.now() + timedelta(seconds=120))
    outbox.clock.advance(timedelta(seconds=120))
    outbox.send(channel)
    [row] = outbox.rows()
    assert (row.status, row.attempts) == ("failed", 3)
    assert row.last_error == "smtp ConnectionRefusedError"
    outbox.clock.advance(timedelta(days=1))
    assert outbox.send(channel) == 0
    assert outbox.rows()[0].attempts == 3
    assert outbox.sent_events() == []
    assert str(row.id) in caplog.text
    for secret in (MAIL, "li.laoshi", SUBJECT, "李小红"):
        assert secret not in caplog.text
        assert secret not in (row.last_error or "")


def test_a_person_without_the_channels_address_fails_at_once(outbox: Outbox) -> None:
    outbox.person(phone="+8613800138000")  # no mail address
    outbox.queue("k1")
    outbox.queue("k2", recipient="nobody-known")
    assert outbox.send(SmtpChannel(host="127.0.0.1", port=free_port(), sender="s@x.cn")) == 0
    assert [(r.status, r.attempts, r.last_error) for r in outbox.rows()] == [("failed", 1, "no address")] * 2


def test_the_webhook_gets_json_and_a_non_2xx_answer_is_a_failure(
    outbox: Outbox, hook: tuple[type[Hook], str]
) -> None:
    handler, url = hook
    channel = WebhookChannel(timeout=2)
    person = Contact(account="vd-li", name="李主任", phone="+8613800138000", webhook_url=url)
    channel.send(person, SUBJECT, BODY, notification_id=uuid.uuid4())
    assert handler.received == [
        {"recipient": "vd-li", "phone": "+8613800138000", "subject": SUBJECT, "text": BODY}
    ]
    handler.status = 500
    with pytest.raises(ChannelError, match=r"^webhook HTTP 500$"):
        channel.send(person, SUBJECT, BODY, notification_id=uuid.uuid4())


def test_the_gateway_serves_people_with_a_phone_and_no_webhook_of_their_own(
    outbox: Outbox, hook: tuple[type[Hook], str]
) -> None:
    handler, url = hook
    channel = WebhookChannel(gateway_url=url, timeout=2)
    outbox.person(phone="+8613800138000")
    outbox.person("no-phone")
    outbox.queue("k1")
    outbox.queue("k2", recipient="no-phone")
    assert outbox.send(channel) == 1
    assert [r["recipient"] for r in handler.received] == ["teacher-li"]
    assert [(r.status, r.last_error) for r in outbox.rows()] == [("sent", None), ("failed", "no address")]
    with pytest.raises(NoAddress):
        WebhookChannel().send(
            Contact(account="x", name="x", phone="+8613800138000"), "s", "b", notification_id=uuid.uuid4()
        )


def test_the_log_channel_logs_the_id_and_account_only(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    note = uuid.uuid4()
    LogChannel().send(
        Contact(account="teacher-li", name="李老师", email=MAIL), SUBJECT, BODY, notification_id=note
    )
    assert str(note) in caplog.text
    assert "teacher-li" in caplog.text
    assert MAIL not in caplog.text
    assert "李" not in caplog.text


def test_the_settings_choose_the_channel_and_keep_the_password_secret() -> None:
    settings = AlertsSettings(env="test", notify_channel="email", smtp_password="hunter2-secret")  # type: ignore[arg-type]
    channel = channel_of(settings)
    assert isinstance(channel, SmtpChannel)
    assert "hunter2-secret" not in repr(channel)
    assert isinstance(channel_of(AlertsSettings(env="test", notify_channel="webhook")), WebhookChannel)  # type: ignore[arg-type]
    assert isinstance(channel_of(AlertsSettings(env="test")), LogChannel)  # type: ignore[arg-type]


class _Recording:
    name = "log"

    def __init__(self) -> None:
        self.sent: list[uuid.UUID] = []
        self.during: Any = None

    def send(self, person: Contact, subject: str, body: str, *, notification_id: uuid.UUID) -> None:
        self.sent.append(notification_id)
        if self.during is not None:  # while this message is claimed, the other replica runs
            during, self.during = self.during, None
            during()


def test_two_replicas_send_each_message_once(outbox: Outbox) -> None:
    if not outbox.db.is_postgres:
        pytest.skip("SQLite has one writer; the row locks are PostgreSQL's")
    outbox.person(email=MAIL)
    for n in range(4):
        outbox.queue(f"k{n}")
    first, second = _Recording(), _Recording()
    first.during = lambda: outbox.send(second)
    outbox.send(first)
    assert len(first.sent) + len(second.sent) == 4
    assert len(second.sent) == 3  # it skipped the one the first held, and sent the rest
    assert set(first.sent).isdisjoint(second.sent)
    assert [r.status for r in outbox.rows()] == ["sent"] * 4
    assert len(outbox.sent_events()) == 4


def test_the_log_channel_needs_no_directory_entry(outbox: Outbox) -> None:
    outbox.queue(recipient="not-in-the-directory")
    assert outbox.send(LogChannel()) == 1
    assert [(r.status, r.channel) for r in outbox.rows()] == [("sent", "log")]
