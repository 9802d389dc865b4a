"""The obligation events, built from an obligation's row and one of its windows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pairing.adapters.orm import ContactLog, Obligation
from shouhu_contracts.pairing.v1 import (
    ObligationEnded,
    ObligationWindowMet,
    ObligationWindowMissed,
    ObligationWindowOpened,
)
from shouhu_contracts.pairing.vocabulary import Responsible, Rhythm

if TYPE_CHECKING:
    from pairing.service_layer.matching import Target


def facts(
    row: Obligation, *, path: list[uuid.UUID], duty_name: str, start: datetime, end: datetime
) -> dict[str, Any]:
    """What every obligation event says of the obligation and the window."""
    return {
        "obligation_id": row.id,
        "child_id": row.child_id,
        "duty": row.duty,
        "duty_name": duty_name,
        "rhythm": Rhythm(row.rhythm),
        "responsible": Responsible(row.responsible),
        "helper_id": row.helper_id,
        "pairing_id": row.pairing_id,
        "org_path": path,
        "window_start": start,
        "window_end": end,
        "policy_version": row.policy_version,
    }


def opened(row: Obligation, *, path: list[uuid.UUID], duty_name: str) -> ObligationWindowOpened:
    """The obligation's current window opened."""
    return ObligationWindowOpened(
        **facts(row, path=path, duty_name=duty_name, start=row.window_start, end=row.window_end)
    )


def ended(row: Obligation, *, path: list[uuid.UUID], duty_name: str, reason: str) -> ObligationEnded:
    """The obligation ended in its current window."""
    assert row.ended_at is not None
    return ObligationEnded(
        **facts(row, path=path, duty_name=duty_name, start=row.window_start, end=row.window_end),
        ended_at=row.ended_at,
        reason=reason[:200],
    )


def window_met(
    target: Target, *, log: ContactLog, path: list[uuid.UUID], duty_name: str, late: bool
) -> ObligationWindowMet:
    """A window met by a log (late: it had closed unmet)."""
    return ObligationWindowMet(
        **facts(target.obligation, path=path, duty_name=duty_name, start=target.start, end=target.end),
        log_id=log.id,
        met_at=log.occurred_at,
        late=late,
    )


def window_missed(target: Target, *, path: list[uuid.UUID], duty_name: str) -> ObligationWindowMissed:
    """A window closed unmet; it closed at its end, whenever the job came to record it."""
    return ObligationWindowMissed(
        **facts(target.obligation, path=path, duty_name=duty_name, start=target.start, end=target.end),
        closed_at=target.end,
    )
