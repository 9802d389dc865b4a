"""The org tree's rules (pure)."""

from __future__ import annotations

from shouhu_contracts.org import OrgKind

# Which kind may sit under which: 市 → 区/县 → 乡镇/街道 → 村/居; 学校 under a township
# (or directly under a district for county-run schools); 班级 under a school.
ALLOWED_PARENTS: dict[OrgKind, frozenset[OrgKind]] = {
    OrgKind.CITY: frozenset(),
    OrgKind.DISTRICT: frozenset({OrgKind.CITY}),
    OrgKind.TOWNSHIP: frozenset({OrgKind.DISTRICT}),
    OrgKind.VILLAGE: frozenset({OrgKind.TOWNSHIP}),
    OrgKind.SCHOOL: frozenset({OrgKind.TOWNSHIP, OrgKind.DISTRICT}),
    OrgKind.CLASS: frozenset({OrgKind.SCHOOL}),
}

KIND_ZH: dict[OrgKind, str] = {
    OrgKind.CITY: "市",
    OrgKind.DISTRICT: "区/县",
    OrgKind.TOWNSHIP: "乡镇/街道",
    OrgKind.VILLAGE: "村/居",
    OrgKind.SCHOOL: "学校",
    OrgKind.CLASS: "班级",
}


class OrgRuleViolation(ValueError):
    """A unit placed where the tree does not allow it."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh, self.en = zh, en


def check_placement(*, kind: OrgKind, parent_kind: OrgKind | None) -> None:
    """Raise unless a unit of this kind may sit under a parent of that kind."""
    allowed = ALLOWED_PARENTS[kind]
    if parent_kind is None:
        if allowed:
            raise OrgRuleViolation(f"{KIND_ZH[kind]}必须有上级单位", f"a {kind.value} needs a parent")
        return
    if parent_kind not in allowed:
        raise OrgRuleViolation(
            f"{KIND_ZH[kind]}不能设在{KIND_ZH[parent_kind]}之下",
            f"a {kind.value} cannot sit under a {parent_kind.value}",
        )
