"""Channels (通知渠道): how a queued message reaches a person. A port and its adapters.

A channel raises on failure; the sending job retries with backoff. `NoAddress` says the person
lacks what this channel needs (a mail address, a webhook or a phone): retrying will not help, so
the message fails at once. Errors name what went wrong, never the address or the message text.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from pydantic import SecretStr

from alerts.config import AlertsSettings

log = logging.getLogger(__name__)


class ChannelError(Exception):
    """A send failed; the message is safe to store and log (no address, no text)."""


class NoAddress(ChannelError):
    """The person has no address this channel can use."""

    def __init__(self) -> None:
        super().__init__("no address")


@dataclass(frozen=True)
class Contact:
    """How to reach one person, from the people directory (never logged)."""

    account: str
    name: str
    email: str | None = None
    phone: str | None = None
    webhook_url: str | None = None


class Channel(Protocol):
    """Delivers one message to one person, or raises."""

    @property
    def name(self) -> str:
        """The channel's name in NotificationSent: email, webhook, log."""
        ...

    def send(self, person: Contact, subject: str, body: str, *, notification_id: uuid.UUID) -> None:
        """Deliver, or raise ChannelError (NoAddress when the person cannot be reached this way)."""
        ...


class LogChannel:
    """The local default: says that a message went, to whom by account, and nothing of its text."""

    name = "log"

    def send(self, person: Contact, subject: str, body: str, *, notification_id: uuid.UUID) -> None:
        """Log the notification's id and the recipient's account."""
        log.info("notification %s to account %s (log channel)", notification_id, person.account)


@dataclass(frozen=True)
class SmtpChannel:
    """Mail over SMTP (UTF-8 subject and body), optionally STARTTLS and login."""

    host: str
    port: int
    sender: str
    starttls: bool = False
    user: str | None = None
    password: SecretStr | None = None
    timeout: float = 10.0
    name: str = "email"

    def send(self, person: Contact, subject: str, body: str, *, notification_id: uuid.UUID) -> None:
        """One message to the person's mail address."""
        if not person.email:
            raise NoAddress
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = Address(display_name=person.name, addr_spec=person.email)
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(idstring=notification_id.hex)
        message.set_content(body, charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password.get_secret_value() if self.password else "")
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            # smtplib's messages may quote the recipient's address: keep the kind of failure only.
            code = getattr(exc, "smtp_code", None)
            raise ChannelError(f"smtp {type(exc).__name__}{f' {code}' if code else ''}") from None


@dataclass(frozen=True)
class WebhookChannel:
    """An HTTP POST of JSON {recipient, phone?, subject, text}: a city's SMS gateway or a WeCom bot.

    To the person's own webhook when they have one, else to the settings' gateway, which then
    needs the person's phone. Any status outside 2xx is a failure.
    """

    gateway_url: str | None = None
    timeout: float = 5.0
    name: str = "webhook"

    def send(self, person: Contact, subject: str, body: str, *, notification_id: uuid.UUID) -> None:
        """POST the message."""
        url = person.webhook_url or (self.gateway_url if person.phone else None)
        if not url:
            raise NoAddress
        if not url.startswith(("http://", "https://")):
            raise ChannelError("webhook: not an http(s) URL")
        payload: dict[str, str] = {"recipient": person.account, "subject": subject, "text": body}
        if person.phone:
            payload["phone"] = person.phone
        request = urllib.request.Request(  # noqa: S310 - the URL is an admin's setting or record, http(s) only
            url,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Notification-Id": str(notification_id),
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError) as exc:
            raise ChannelError(f"webhook {type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise ChannelError(f"webhook HTTP {status}")


def channel_of(settings: AlertsSettings) -> Channel:
    """The channel the settings name (notify_channel: log | email | webhook)."""
    if settings.notify_channel == "email":
        return SmtpChannel(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
            user=settings.smtp_user,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout_seconds,
        )
    if settings.notify_channel == "webhook":
        return WebhookChannel(
            gateway_url=settings.webhook_gateway_url, timeout=settings.webhook_timeout_seconds
        )
    return LogChannel()
