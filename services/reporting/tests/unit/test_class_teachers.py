"""A class's assessment is credited to whoever pairing names as heading the class (班主任)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from reporting.service_layer.assessment_lists import class_teachers
from shouhu_contracts.pairing.v1 import HelperRegistered, HelperUpdated
from shouhu_contracts.pairing.vocabulary import HelperKind

pytestmark = pytest.mark.unit
AT = datetime(2027, 3, 1, tzinfo=UTC)


def _helper(world: Any, helper_id: uuid.UUID, classes: list[uuid.UUID], *, update: bool = False) -> Any:
    t = world.t
    facts: dict[str, Any] = {
        "helper_id": helper_id,
        "kind": HelperKind.CLASS_TEACHER,
        "name": f"老师{str(helper_id)[:4]}",
        "account": str(helper_id),
        "unit_id": t["sA1"],
        "org_path": world.path(t["sA1"]),
        "capacity": 3,
        "active": True,
        "occurred_at": AT,
        "classes": classes,
    }
    return HelperUpdated(**facts, fields=["classes"]) if update else HelperRegistered(**facts)


def _named(rep: Any, class_id: uuid.UUID) -> list[uuid.UUID]:
    with rep.db.sessions() as s:
        return [h.helper_id for h in class_teachers(s, [class_id]).get(class_id, [])]


def test_the_class_teacher_pairing_names_is_the_one_credited_and_a_change_moves_it(
    world: Any, rep: Any
) -> None:
    t, first, second = world.t, uuid.uuid4(), uuid.uuid4()
    rep.apply(*world.published, _helper(world, first, [t["cA1"]]))
    assert _named(rep, t["cA1"]) == [first]
    assert _named(rep, t["cA2"]) == []
    # The class gets a new teacher: pairing announces both; in either order the new one heads it.
    rep.apply(_helper(world, second, [t["cA1"]], update=True))
    rep.apply(_helper(world, first, [], update=True))
    assert _named(rep, t["cA1"]) == [second]
