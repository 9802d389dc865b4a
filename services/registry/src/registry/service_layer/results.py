"""Term results (期末成绩): one per child per term, per subject with total, rank and class size."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from registry.adapters.orm import ChildRow, TermResultRow
from registry.service_layer.access import visible_child
from registry.service_layer.commands import TermResultIn
from registry.service_layer.read_models import TermResultOut
from shouhu_contracts.registry.v1 import TermResultRecorded
from shouhu_kit.auth import Principal
from shouhu_kit.org.paths import decode_path
from shouhu_kit.problems import invalid_request
from shouhu_kit.uow import UnitOfWork


def record_term_result(
    *, uow: UnitOfWork, child_id: uuid.UUID, term: str, cmd: TermResultIn, principal: Principal
) -> tuple[TermResultOut, bool]:
    """Record (or correct) a term result and commit it with its event; the result and whether it was new."""
    with uow:
        row, created = record_in(uow=uow, child=visible_child(uow, child_id, principal), term=term, cmd=cmd)
        out = TermResultOut.model_validate(row, from_attributes=True)
        uow.commit()
        return out, created


def record_in(
    *, uow: UnitOfWork, child: ChildRow, term: str, cmd: TermResultIn
) -> tuple[TermResultRow, bool]:
    """Record one result inside an open unit of work (a roster import records many in one)."""
    errors = []
    if cmd.class_size is not None and cmd.class_rank > cmd.class_size:
        errors.append(
            {
                "field": "class_rank",
                "message": "班级排名不能大于班级人数",
                "message_en": "rank exceeds class size",
            }
        )
    if cmd.total_score is None and not cmd.subjects:
        errors.append(
            {
                "field": "total_score",
                "message": "须填写总分或各科成绩",
                "message_en": "give the total or the subjects",
            }
        )
    if errors:
        raise invalid_request(errors)
    total = cmd.total_score if cmd.total_score is not None else round(sum((cmd.subjects or {}).values()), 2)
    row = uow.session.scalar(
        select(TermResultRow).where(TermResultRow.child_id == child.id, TermResultRow.term == term)
    )
    created = row is None
    if row is None:
        row = TermResultRow(child_id=child.id, term=term)
        uow.session.add(row)
    row.subjects, row.total_score = cmd.subjects, total
    row.class_rank, row.class_size, row.recorded_at = cmd.class_rank, cmd.class_size, uow.now()
    uow.session.flush()
    uow.publish(
        TermResultRecorded(
            child_id=child.id,
            term=term,
            total_score=total,
            class_rank=cmd.class_rank,
            class_size=cmd.class_size,
            subjects=cmd.subjects,
            org_path=decode_path(child.org_path_text),
            recorded_at=row.recorded_at,
        )
    )
    return row, created


def list_term_results(*, uow: UnitOfWork, child_id: uuid.UUID, principal: Principal) -> list[TermResultOut]:
    """A child's term results, in term order."""
    with uow:
        visible_child(uow, child_id, principal)
        rows = uow.session.scalars(
            select(TermResultRow).where(TermResultRow.child_id == child_id).order_by(TermResultRow.term)
        )
        return [TermResultOut.model_validate(r, from_attributes=True) for r in rows]
