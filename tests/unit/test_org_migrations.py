"""The migrations from paths on records to unit ids keep every record's place, both ways."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from shouhu_kit.db import Database
from shouhu_kit.migrations import alembic_config
from shouhu_kit.org.paths import encode_path
from shouhu_kit.org.tree import UNSEEN, OrgTree
from shouhu_testkit.world import World

pytestmark = pytest.mark.unit
BEFORE = {"pairing": "6297629839f3", "alerts": "a2663f26c681", "reporting": "0468c31d36ae"}
# The revision under test: reporting's placements were later replaced by its read models
# (fca4ebf6076a drops them; a rebuild refills the new ones from the topics).
AFTER = {"pairing": "heads", "alerts": "heads", "reporting": "de5ea6bbd1a4"}
AT = datetime(2026, 9, 1, tzinfo=UTC)
ATTRIBUTE = (
    "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'org_tree'::regclass AND attname = 'path'"
)


def _insert(conn: sa.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Rows into a table of an old revision, each column typed by its values."""

    def kind(column: str) -> Any:
        value = next((r[column] for r in rows if r[column] is not None), None)
        types = [(bool, sa.Boolean()), (uuid.UUID, sa.Uuid()), (datetime, sa.DateTime(timezone=True))]
        return next(
            (t for python, t in types if isinstance(value, python)),
            sa.Date() if isinstance(value, date) else None,
        )

    conn.execute(sa.table(table, *(sa.column(c, kind(c)) for c in rows[0])).insert(), rows)


def _migrate(service: str, db: Database, revision: str, *, down: bool = False) -> None:
    bootstrap = importlib.import_module(f"{service}.bootstrap")
    with db.engine.begin() as conn:
        cfg = alembic_config(bootstrap.SERVICE.migrations, conn, db.metadata)
        (command.downgrade if down else command.upgrade)(cfg, revision)


@pytest.fixture(params=list(BEFORE))
def old(request: pytest.FixtureRequest, db_urls: Callable[[], str]) -> Iterator[tuple[str, Database]]:
    """A service's database at the revision before its records named their units."""
    service = request.param
    db = Database(url=db_urls(), metadata=importlib.import_module(f"{service}.bootstrap").SERVICE.metadata)
    _migrate(service, db, BEFORE[service])
    yield service, db
    db.dispose()


def _seed(conn: sa.Connection, service: str, world: World, child: uuid.UUID) -> None:
    """One child (and for alerts a task) in cA1, with home vA, as the old revision stored them."""
    path, home = encode_path(world.path(world.t["cA1"])), encode_path(world.path(world.t["vA"]))
    if service == "pairing":
        row = {
            "id": child,
            "name": "李小红",
            "birth_date": date(2017, 5, 3),
            "left_behind_type": "both_parents",
        }
        row |= {"has_guardian": True, "priority": 2, "org_path_text": path, "status": "active"}
        _insert(conn, "children", [row | {"paired": False, "registered_at": AT}])
    elif service == "alerts":
        _insert(conn, "children", [{"id": child, "name": "李小红", "org_path_text": path}])
        task = {"id": uuid.uuid4(), "child_id": child, "child_name": "李小红", "reason": "grade_drop"}
        task |= {"cause_key": "k", "detail": "", "status": "open", "org_path_text": path}
        _insert(
            conn, "follow_up_tasks", [task | {"cause_event_id": uuid.uuid4(), "opened_at": AT, "due_at": AT}]
        )
    else:
        units = [
            {
                "id": u,
                "kind": k.value,
                "code": world.name[u],
                "name": world.name[u],
                "parent_id": world.parent[u],
            }
            | {"path_text": encode_path(world.path(u))}
            for u, k in world.kind.items()
        ]
        _insert(conn, "org_units", units)
        place = {"child_id": child, "org_path_text": path, "home_path_text": home, "status": "active"}
        _insert(conn, "child_placements", [place])


def _reflected(session: Any, table: str) -> sa.Table:
    """A table as the database holds it (reporting's placements left the models)."""
    return sa.Table(table, sa.MetaData(), autoload_with=session.connection())


UNITS = {
    "pairing": ["children"],
    "alerts": ["children", "follow_up_tasks"],
    "reporting": ["child_placements"],
}


def test_records_keep_their_place_up_and_down(old: tuple[str, Database]) -> None:
    (service, db), world, child = old, World(), uuid.uuid4()
    with db.engine.begin() as conn:
        _seed(conn, service, world, child)
    _migrate(service, db, AFTER[service])
    tree = OrgTree.attach(db.metadata)
    t = world.t
    with db.sessions() as s:
        for table in UNITS[service]:
            classes = s.scalars(sa.select(_reflected(s, table).c.class_id))
            assert {uuid.UUID(str(c)) for c in classes} == {t["cA1"]}, table
        assert tree.path_of(s, t["cA1"]) == encode_path(world.path(t["cA1"]))
        assert tree.path_of(s, t["dA"]) == encode_path(world.path(t["dA"]))
        kind = s.scalar(sa.select(tree.table.c.kind).where(tree.table.c.id == t["sA1"]))
    if db.engine.dialect.name == "postgresql":  # as OrgTree.attach gives create_all
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql(ATTRIBUTE).scalar() == 1000
    # Pairing and alerts never kept the tree: the units their paths name are placeholders until
    # their events come; reporting's view of the tree came over whole.
    assert kind == ("school" if service == "reporting" else UNSEEN)
    if service == "reporting":
        with db.sessions() as s:
            home = s.scalar(sa.select(_reflected(s, "child_placements").c.home_village_id))
            assert home is not None
            assert tree.path_of(s, uuid.UUID(str(home))) == encode_path(world.path(t["vA"]))
    _migrate(service, db, BEFORE[service], down=True)
    with db.engine.connect() as conn:
        for table in UNITS[service]:
            paths = set(
                conn.scalars(sa.select(sa.column("org_path_text", sa.String)).select_from(sa.table(table)))
            )
            assert paths == {encode_path(world.path(t["cA1"]))}, table
        if service == "reporting":
            homes = conn.scalars(
                sa.select(sa.column("home_path_text", sa.String)).select_from(sa.table("child_placements"))
            )
            assert set(homes) == {encode_path(world.path(t["vA"]))}
