"""Contact logs (联系记录): logged within the backdating limit, corrected with their history, each
meeting the obligation windows it matches and saying which."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from pairing.adapters.orm import ChildToPair, ContactLog, ContactLogChange, Helper
from pairing.domain.policy import PairingPolicy
from pairing.service_layer import access, matching
from pairing.service_layer.contact_models import ContactChangeOut, ContactIn, ContactOut
from pairing.service_layer.contact_reads import answer
from pairing.service_layer.context import audit, child_path, policy_at
from shouhu_contracts.pairing.v1 import ContactCorrected, ContactLogged, ObligationWindowRef
from shouhu_contracts.pairing.vocabulary import ContactKind, Counterpart
from shouhu_kit.auth import Principal, Role
from shouhu_kit.clock import china_today
from shouhu_kit.problems import Problem, invalid_request, not_found
from shouhu_kit.uow import UnitOfWork

NOT_NULL = ("kind", "counterpart", "occurred_at", "follow_up_needed")


def _bad(field: str, zh: str, en: str) -> Problem:
    return invalid_request([{"field": field, "location": "body", "message": zh, "message_en": en}])


def check_when(at: datetime, *, now: datetime, policy: PairingPolicy) -> None:
    """No contact in the future; none further back than the city's limit, in China's calendar days."""
    if at > now:
        raise _bad("occurred_at", "联系时间不能晚于当前时间", "occurred_at is in the future")
    earliest = china_today(now) - timedelta(days=policy.backdate_days)
    if china_today(at) < earliest:
        raise _bad(
            "occurred_at",
            f"只能补录 {policy.backdate_days} 天内的联系（最早 {earliest}）",
            f"a contact may be backdated {policy.backdate_days} days at most (earliest {earliest})",
        )


def _writer(uow: UnitOfWork, helper_id: uuid.UUID | None, principal: Principal) -> Helper:
    """Whose contact it is: a helper logs only as themselves; staff as themselves or as a helper in scope."""
    me = access.own_helper(uow.session, principal)
    if principal.role is Role.HELPER:
        if me is None:
            raise not_found("帮扶人", "Helper")
        if helper_id not in (None, me.id):
            raise Problem(
                status=403,
                slug="forbidden",
                title="只能以本人身份登记联系",
                title_en="A helper logs contacts only as themselves",
            )
        return me
    if helper_id is None:
        if me is None:
            raise _bad(
                "helper_id", "您没有帮扶人记录，请指定帮扶人", "you have no helper record: give helper_id"
            )
        return me
    return access.visible_helper(uow.session, helper_id, principal)


def rematch(
    uow: UnitOfWork, *, log: ContactLog, child: ChildToPair, helper: Helper, path: list[uuid.UUID]
) -> tuple[list[ObligationWindowRef], list[ObligationWindowRef]]:
    """Bring the windows the log meets in line with the log as it now stands: (met now, no longer met)."""
    session = uow.session
    policy = policy_at(session, path).policy
    old = {t.key: t for t in matching.targets_of(session, log.id)}
    new = {t.key: t for t in matching.targets(session, log=log, child=child, helper=helper, policy=policy)}

    def name(code: str) -> str:
        duty = policy.duty(code)
        return duty.name if duty else code

    for key in sorted(old.keys() - new.keys()):
        matching.unmeet(uow, target=old[key], log=log, path=path, duty_name=name(old[key].obligation.duty))
    for key in sorted(new.keys() - old.keys()):
        matching.meet(uow, target=new[key], log=log, path=path, duty_name=name(new[key].obligation.duty))
    met = [new[k].ref() for k in sorted(new)]
    unmet = [old[k].ref() for k in sorted(old.keys() - new.keys())]
    return met, unmet


def _facts(log: ContactLog, path: list[uuid.UUID], met: list[ObligationWindowRef]) -> dict[str, Any]:
    return {
        "log_id": log.id,
        "child_id": log.child_id,
        "helper_id": log.helper_id,
        "kind": ContactKind(log.kind),
        "counterpart": Counterpart(log.counterpart),
        "occurred_at": log.occurred_at,
        "duration_minutes": log.duration_minutes,
        "follow_up_needed": log.follow_up_needed,
        "org_path": path,
        "met": met,
        "logged_at": log.logged_at,
    }


def log_contact(*, uow: UnitOfWork, cmd: ContactIn, principal: Principal) -> ContactOut:
    """Log a contact with a child in scope; it meets the windows it matches (ContactLogged says which)."""
    with uow:
        session = uow.session
        child = access.visible_child(session, cmd.child_id, principal)
        helper = _writer(uow, cmd.helper_id, principal)
        path = child_path(session, child)
        check_when(cmd.occurred_at, now=uow.now(), policy=policy_at(session, path).policy)
        log = ContactLog(
            id=uuid.uuid4(),
            child_id=child.id,
            helper_id=helper.id,
            kind=cmd.kind.value,
            counterpart=cmd.counterpart.value,
            occurred_at=cmd.occurred_at,
            duration_minutes=cmd.duration_minutes,
            notes=cmd.notes,
            follow_up_needed=cmd.follow_up_needed,
            logged_at=uow.now(),
            logged_by=principal.subject,
        )
        session.add(log)
        session.flush()
        met, _ = rematch(uow, log=log, child=child, helper=helper, path=path)
        uow.publish(ContactLogged(**_facts(log, path, met)))
        out = answer(uow, log, child, principal)
        uow.commit()
        return out


def _stale(current: int, asked: int) -> Problem:
    return Problem(
        status=412,
        slug="stale-version",
        title="联系记录已被他人更正，请刷新后重试",
        title_en="The contact log changed since you read it",
        current_version=current,
        detail=f"当前版本 {current}，请求基于版本 {asked}",
        detail_en=f"current version {current}, request based on {asked}",
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def correct_contact(
    *, uow: UnitOfWork, log_id: uuid.UUID, patch: dict[str, Any], if_match: int, principal: Principal
) -> ContactOut:
    """Correct a log (If-Match its version): the change kept as history, the windows re-matched."""
    with uow:
        session = uow.session
        log, child = access.visible_log(session, log_id, principal)
        if log.version != if_match:
            raise _stale(log.version, if_match)
        reason = patch.pop("reason", None)
        for field in NOT_NULL:
            if field in patch and patch[field] is None:
                raise _bad(field, "不能为空", "may not be null")
        path = child_path(session, child)
        if "occurred_at" in patch:
            check_when(patch["occurred_at"], now=uow.now(), policy=policy_at(session, path).policy)
        changes: dict[str, list[Any]] = {}
        for field, value in patch.items():
            value = value.value if hasattr(value, "value") else value
            if _plain(getattr(log, field)) != _plain(value):
                changes[field] = [_plain(getattr(log, field)), _plain(value)]
                setattr(log, field, value)
        if not changes:
            out = answer(uow, log, child, principal)
            uow.commit()  # the audit of the read
            return out
        log.corrected_at = uow.now()
        session.flush()  # the version moves on
        session.add(
            ContactLogChange(
                log_id=log.id,
                version=log.version,
                changed_at=uow.now(),
                changed_by=principal.subject,
                changes=changes,
                reason=reason,
            )
        )
        helper = session.get(Helper, log.helper_id)
        assert helper is not None
        met, unmet = rematch(uow, log=log, child=child, helper=helper, path=path)
        uow.publish(
            ContactCorrected(
                **_facts(log, path, met), fields=sorted(changes), unmet=unmet, version=log.version
            )
        )
        out = answer(uow, log, child, principal)
        uow.commit()
        return out


def contact_history(*, uow: UnitOfWork, log_id: uuid.UUID, principal: Principal) -> list[ContactChangeOut]:
    """Each correction of a log, oldest first (notes masked unless the caller may read them, audited)."""
    with uow:
        session = uow.session
        log, child = access.visible_log(session, log_id, principal)
        notes = access.reads_notes(session, log, child, principal)
        rows = session.scalars(
            select(ContactLogChange)
            .where(ContactLogChange.log_id == log.id)
            .order_by(ContactLogChange.version)
        ).all()
        out = []
        for r in rows:
            changes = dict(r.changes)
            if "notes" in changes and not notes:
                changes["notes"] = [None, None]
            out.append(ContactChangeOut.model_validate({**_row(r), "changes": changes}))
        if notes and any("notes" in r.changes for r in rows):
            audit(
                uow,
                principal=principal,
                action="read_contact_notes",
                detail=f"contact log {log.id} history",
                child_id=child.id,
                helper_id=log.helper_id,
            )
        uow.commit()
        return out


def _row(r: ContactLogChange) -> dict[str, Any]:
    return {"version": r.version, "changed_at": r.changed_at, "changed_by": r.changed_by, "reason": r.reason}
