"""Who may pair with whom (结对规则): reach by helper kind, capacity, one primary helper per child.

Each helper has a reach: the unit whose children they may help. A teacher, class teacher or peer
student reaches their own school; a volunteer or caring mother their township (or, as the city's
policy allows, the district or the whole city); a leader or a company the unit they belong to.
A child is within reach when the reach unit lies on the child's class path.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from pairing.domain.policy import PairingPolicy, Reach
from shouhu_contracts.org import OrgKind
from shouhu_contracts.pairing.vocabulary import HelperKind, PairingRole

SCHOOL_KINDS = frozenset({HelperKind.TEACHER, HelperKind.CLASS_TEACHER, HelperKind.PEER_STUDENT})
COMMUNITY_KINDS = frozenset({HelperKind.VOLUNTEER, HelperKind.CARING_MOTHER})
# A peer student is a study buddy (学习帮手): a minor, never the one who owes the family its calls.
SECONDARY_ONLY = frozenset({HelperKind.PEER_STUDENT})
_REACH_KIND = {Reach.TOWNSHIP: OrgKind.TOWNSHIP, Reach.DISTRICT: OrgKind.DISTRICT, Reach.CITY: OrgKind.CITY}


@dataclass(frozen=True)
class Refusal:
    """Why a pairing may not be made, in Chinese and English, and the field to blame."""

    field: str
    zh: str
    en: str
    code: str


def reach_unit(
    kind: HelperKind, unit: Sequence[tuple[uuid.UUID, str]], policy: PairingPolicy
) -> uuid.UUID | None:
    """The unit whose children a helper may pair with; `unit` is the helper's path as (id, kind).

    None when the helper's kind needs a school and the helper's unit is in none.
    """
    if kind in SCHOOL_KINDS:
        wanted: OrgKind | None = OrgKind.SCHOOL
    elif kind in COMMUNITY_KINDS:
        wanted = _REACH_KIND[policy.volunteer_reach]
    else:
        wanted = None
    if wanted is None:
        return unit[-1][0]
    for unit_id, unit_kind in reversed(unit):
        if unit_kind == wanted.value:
            return unit_id
    if wanted is OrgKind.SCHOOL:
        return None
    return unit[-1][0]  # a volunteer registered above the township reaches their own unit


def refusal(
    *,
    helper_kind: HelperKind,
    helper_active: bool,
    caseload: int,
    capacity: int,
    reach: uuid.UUID,
    child_path: Sequence[uuid.UUID],
    child_active: bool,
    role: PairingRole,
    has_primary: bool,
    already_paired_with_helper: bool,
) -> Refusal | None:
    """The first rule a proposed pairing breaks, or None when it may be made."""
    if not child_active:
        return Refusal(
            "child_id", "儿童不在关爱名单中（已退出或转出）", "the child is not active", "child_inactive"
        )
    if not helper_active:
        return Refusal("helper_id", "帮扶人已停用", "the helper is inactive", "helper_inactive")
    if already_paired_with_helper:
        return Refusal(
            "helper_id", "该帮扶人已与此儿童结对", "already paired with this child", "already_paired"
        )
    if role is PairingRole.PRIMARY and helper_kind in SECONDARY_ONLY:
        return Refusal(
            "role",
            "学习帮手只能作为协助帮扶人",
            "a peer student can only be a secondary helper",
            "peer_primary",
        )
    if role is PairingRole.PRIMARY and has_primary:
        return Refusal(
            "role", "该儿童已有主要帮扶人", "the child already has a primary helper", "has_primary"
        )
    if caseload >= capacity:
        return Refusal(
            "helper_id",
            f"帮扶人已达帮扶容量（{caseload}/{capacity}）",
            f"the helper is at capacity ({caseload}/{capacity})",
            "at_capacity",
        )
    if reach not in child_path:
        where = "本校" if helper_kind in SCHOOL_KINDS else "其帮扶范围"
        return Refusal(
            "helper_id",
            f"该儿童不在帮扶人的{where}内",
            "the child is outside the helper's reach (own school for teachers, township for volunteers)",
            "out_of_reach",
        )
    return None
