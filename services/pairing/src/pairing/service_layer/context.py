"""What every pairing use case reads: paths and kinds from the tree, the city's policy, the audit."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from pairing.adapters.orm import TREE, AuditRow, ChildToPair, PolicyVersion
from pairing.domain.policy import DEFAULT_POLICY, PairingPolicy
from shouhu_kit.auth import Principal
from shouhu_kit.city_policy import DEFAULT_VERSION, CityPolicies
from shouhu_kit.org.paths import decode_path
from shouhu_kit.uow import UnitOfWork

# The city's versioned pairing policy (shouhu_kit.city_policy), on pairing's `policies` table.
POLICIES = CityPolicies(row=PolicyVersion, model=PairingPolicy, default=DEFAULT_POLICY, tree=TREE)


def path_ids(session: Session, unit_id: uuid.UUID) -> list[uuid.UUID]:
    """The unit's path (city first), [] when the tree does not hold it."""
    text = TREE.path_of(session, unit_id)
    return decode_path(text) if text else []


def path_with_kinds(session: Session, unit_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """The unit's path with each unit's kind (one query on the tree's primary key)."""
    ids = path_ids(session, unit_id)
    if not ids:
        return []
    rows = session.execute(select(TREE.table.c.id, TREE.table.c.kind).where(TREE.table.c.id.in_(ids)))
    kinds = {r.id: r.kind for r in rows}
    return [(i, kinds.get(i, "")) for i in ids]


def child_path(session: Session, child: ChildToPair) -> list[uuid.UUID]:
    """The child's class path, as the tree now holds it."""
    return path_ids(session, child.class_id)


def school_of(session: Session, unit_id: uuid.UUID) -> uuid.UUID | None:
    """The school at or above a unit (a class's school), None outside schools."""
    return next((i for i, kind in reversed(path_with_kinds(session, unit_id)) if kind == "school"), None)


@dataclass(frozen=True)
class CityPolicy:
    """A city's policy as it now stands."""

    city_id: uuid.UUID
    version: int
    policy: PairingPolicy


def policy_of_city(session: Session, city_id: uuid.UUID) -> CityPolicy:
    """The newest version of the city's policy, or the built-in default (version 0)."""
    newest = POLICIES.newest(session, city_id)
    return CityPolicy(city_id, newest.version, newest.policy)


def policy_at(session: Session, path: list[uuid.UUID]) -> CityPolicy:
    """The policy of the city a path starts from (the built-in one for an empty path)."""
    if not path:
        return CityPolicy(uuid.UUID(int=0), DEFAULT_VERSION, DEFAULT_POLICY)
    return policy_of_city(session, path[0])


def audit(
    uow: UnitOfWork,
    *,
    principal: Principal,
    action: str,
    detail: str,
    child_id: uuid.UUID | None = None,
    helper_id: uuid.UUID | None = None,
) -> None:
    """Record a sensitive read (committed by the use case that reads)."""
    uow.session.add(
        AuditRow(
            at=uow.now(),
            actor=principal.subject,
            role=principal.role.value,
            action=action,
            child_id=child_id,
            helper_id=helper_id,
            detail=detail,
        )
    )
