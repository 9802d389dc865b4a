"""Registry API fixtures: the real app on a database URL, with the in-memory broker."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from registry.bootstrap import SERVICE
from registry.config import RegistrySettings
from shouhu_kit.auth import Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_kit.db import Database
from shouhu_testkit.wiring import bearer, in_memory_adapters


class Api:
    """A client plus helpers to build a small org tree."""

    def __init__(self, client: TestClient, settings: RegistrySettings) -> None:
        self.client, self.settings = client, settings
        self.admin = self.auth(Role.ADMIN)

    def auth(self, role: Role, org: Any = None) -> dict[str, str]:
        return bearer(secret=self.settings.jwt_secret, role=role, org_id=org)

    def unit(self, kind: str, code: str, name: str, parent: str | None = None) -> str:
        r = self.client.post(
            "/v1/org-units",
            headers=self.admin,
            json={"kind": kind, "code": code, "name": name, "parent_id": parent},
        )
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def tree(self) -> dict[str, str]:
        """A city with two districts, each with a township, a school and a class."""
        t = {"city": self.unit("city", "C", "示范市")}
        for d in ("A", "B"):
            t[f"d{d}"] = self.unit("district", f"D{d}", f"{d}区", t["city"])
            t[f"t{d}"] = self.unit("township", f"T{d}", f"{d}镇", t[f"d{d}"])
            t[f"v{d}"] = self.unit("village", f"V{d}", f"{d}村", t[f"t{d}"])
            t[f"s{d}"] = self.unit("school", f"S{d}", f"{d}小学", t[f"t{d}"])
            t[f"c{d}"] = self.unit("class", f"K{d}", "三年级(1)班", t[f"s{d}"])
        return t

    def child(self, class_id: str, **extra: Any) -> dict[str, Any]:
        body = {
            "name": "王小明",
            "gender": "男",
            "birth_date": "2016-03-01",
            "left_behind_type": "父母双方外出",
            "class_id": class_id,
            "father": {"name": "王大力", "phone": "13900000001", "work_city": "深圳"},
            "mother": {"name": "李秀英", "phone": "13900000002", "work_city": "东莞"},
            "guardian": {
                "name": "王奶奶",
                "relation": "祖母",
                "age": 66,
                "phone": "13800138000",
                "rating": "好",
            },
            **extra,
        }
        r = self.client.post("/v1/children", headers=self.admin, json=body)
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head; each test starts from a copy (Alembic takes ~0.6 s a run)."""
    path = tmp_path_factory.mktemp("registry-template") / "registry.db"
    db = Database(url=f"sqlite:///{path}", metadata=SERVICE.metadata, migrations=SERVICE.migrations)
    db.create_schema()
    db.dispose()
    return path


@pytest.fixture
def registry_db_url(db_urls: Callable[[], str], migrated_sqlite: Path) -> str:
    """Every registry API test runs on SQLite (unit) and on the real PostgreSQL (integration)."""
    url = db_urls()
    if url.startswith("sqlite:///"):
        shutil.copyfile(migrated_sqlite, url.removeprefix("sqlite:///"))
    return url


@pytest.fixture
def broker() -> InMemoryBroker:
    return InMemoryBroker()


@pytest.fixture
def api(registry_db_url: str, broker: InMemoryBroker) -> Iterator[Api]:
    settings = RegistrySettings(database_url=registry_db_url, env="test")  # type: ignore[arg-type]
    app = SERVICE.api(settings, in_memory_adapters(broker))
    with TestClient(app) as client:
        yield Api(client, settings)
    app.state.runtime.db.dispose()
