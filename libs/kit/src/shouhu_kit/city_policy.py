"""A city's policy as a versioned document (pairing's duties and capacities, alerts' rules): the
newest version or the service's built-in default (version 0), every version written, a new one
written with a 409 when two are written at once, and which city a caller may read it for."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shouhu_contracts.org import OrgKind
from shouhu_kit.auth import Principal, Role
from shouhu_kit.org.paths import decode_path
from shouhu_kit.org.tree import OrgTree
from shouhu_kit.problems import Problem, invalid_request, not_found
from shouhu_kit.uow import UnitOfWork

P = TypeVar("P", bound=BaseModel)
DEFAULT_VERSION = 0  # the built-in policy, before a city writes its own


@dataclass(frozen=True)
class Version(Generic[P]):
    """One version of a city's policy (version 0: the built-in default, never written)."""

    city_id: uuid.UUID | None
    version: int
    policy: P
    created_at: datetime | None = None
    created_by: str | None = None
    note: str | None = None


class CityPolicies(Generic[P]):
    """The versions of one kind of policy, kept in a service's table of (city_id, version, document,
    created_at, created_by, note) rows with a unique (city_id, version)."""

    def __init__(self, *, row: type[Any], model: type[P], default: P, tree: OrgTree) -> None:
        self.row, self.model, self.default, self.tree = row, model, default, tree

    def _version(self, r: Any) -> Version[P]:
        policy = self.model.model_validate(r.document)
        return Version(r.city_id, r.version, policy, r.created_at, r.created_by, r.note)

    def newest(self, session: Session, city_id: uuid.UUID | None) -> Version[P]:
        """The city's newest version, or the default."""
        if city_id is None:
            return Version(None, DEFAULT_VERSION, self.default)
        found = session.scalars(
            select(self.row).where(self.row.city_id == city_id).order_by(self.row.version.desc()).limit(1)
        ).first()
        return Version(city_id, DEFAULT_VERSION, self.default) if found is None else self._version(found)

    def history(self, session: Session, city_id: uuid.UUID) -> list[Version[P]]:
        """Every version the city wrote, newest first."""
        rows = session.scalars(
            select(self.row).where(self.row.city_id == city_id).order_by(self.row.version.desc())
        )
        return [self._version(r) for r in rows]

    def _path(self, session: Session, unit_id: uuid.UUID) -> list[uuid.UUID]:
        text = self.tree.path_of(session, unit_id)
        return decode_path(text) if text else []

    def city(self, session: Session, principal: Principal, city_id: uuid.UUID | None) -> uuid.UUID:
        """The city asked for, or the caller's own. A city's policy governs everyone in it, so anyone in
        the city may read it (the platform admin any city); another city, or no city, answers 404."""
        if city_id is None:
            if principal.org_id is None:
                message = {"message": "请指定城市", "message_en": "name the city"}
                raise invalid_request([{"field": "city_id", "location": "query", **message}])
            path = self._path(session, principal.org_id)
            if not path:
                raise not_found("城市", "City")
            return path[0]
        row = self.tree.row(session, city_id)
        if row is None or row.kind != OrgKind.CITY.value:
            raise not_found("城市", "City")
        if principal.role is not Role.ADMIN and principal.org_id is not None:
            own = self._path(session, principal.org_id)
            if not own or own[0] != city_id:
                raise not_found("城市", "City")
        return city_id

    def write(
        self, uow: UnitOfWork, *, city_id: uuid.UUID, policy: P, note: str | None, by: str
    ) -> Version[P]:
        """Add the next version (inside the open unit of work); 409 when another was written at once."""
        version = self.newest(uow.session, city_id).version + 1
        row = self.row(
            city_id=city_id,
            version=version,
            document=policy.model_dump(mode="json"),
            created_at=uow.now(),
            created_by=by,
            note=note,
        )
        uow.session.add(row)
        try:
            uow.session.flush()
        except IntegrityError as exc:
            raise Problem(
                status=409,
                slug="conflict",
                title="数据冲突",
                title_en="Conflict",
                detail="制度刚被他人修改，请重新读取后再改",
                detail_en="the policy was changed at the same moment; read it again",
            ) from exc
        return self._version(row)
