"""Unit of work: one transaction holding the state change and its outbox rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType

from sqlalchemy.orm import Session

from shouhu_contracts.envelope import EventData
from shouhu_kit.clock import Clock
from shouhu_kit.db import Database
from shouhu_kit.outbox import add_to_outbox


class UnitOfWork:
    """`with uow:` opens a transaction; `commit()` makes the change and its events durable together."""

    def __init__(self, *, db: Database, clock: Clock, source: str) -> None:
        self.db = db
        self.clock = clock
        self._source = source
        self._session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:  # a use case called inside another must take the open one
            raise RuntimeError("unit of work is already open")
        self._session = self.db.sessions()
        self._session.begin()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._session is not None
        try:
            if self._session.in_transaction():
                self._session.rollback()
        finally:
            self._session.close()
            self._session = None

    @property
    def session(self) -> Session:
        """The open session (only inside `with`)."""
        if self._session is None:
            raise RuntimeError("unit of work is not open")
        return self._session

    def now(self) -> datetime:
        """The clock's time."""
        return self.clock.now()

    def publish(self, data: EventData) -> uuid.UUID:
        """Queue an event in the outbox, inside this transaction."""
        return self.publish_many([data])[0]

    def publish_many(self, events: Sequence[EventData]) -> list[uuid.UUID]:
        """Queue many events in one statement (bulk imports), in the order given."""
        return add_to_outbox(
            session=self.session, tables=self.db.tables, events=events, source=self._source, now=self.now()
        )

    def commit(self) -> None:
        """Commit the change and its events."""
        self.session.commit()
