"""Which roles may call which registry endpoints (scope is checked separately, per record)."""

from shouhu_kit.auth import Role

ORG_WRITERS = (Role.CITY_ADMIN, Role.DISTRICT_ADMIN, Role.TOWNSHIP_ADMIN)
CHILD_WRITERS = (*ORG_WRITERS, Role.SCHOOL_ADMIN, Role.TEACHER, Role.VILLAGE_DIRECTOR)
RESULT_WRITERS = (*ORG_WRITERS, Role.SCHOOL_ADMIN, Role.TEACHER)
READERS = CHILD_WRITERS
