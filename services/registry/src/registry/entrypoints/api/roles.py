"""Which roles may call which registry endpoints (scope is checked separately, per record)."""

from shouhu_kit.auth import Role

ORG_WRITERS = (Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.TOWNSHIP_ADMIN)
CHILD_WRITERS = (*ORG_WRITERS, Role.SCHOOL_ADMIN, Role.TEACHER, Role.VILLAGE_DIRECTOR)
RESULT_WRITERS = (*ORG_WRITERS, Role.SCHOOL_ADMIN, Role.TEACHER)
READERS = CHILD_WRITERS
# One child's archive, term results, awards and health checks: helpers too, for the children they
# are paired with only (access.visible_child). Not lists, history, violations or counselling notes.
PAIRED_READERS = (*READERS, Role.HELPER)
