"""The directory API: how to reach a person (masked on read), and who holds each office at a unit."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from alerts.bootstrap import SERVICE
from alerts.config import AlertsSettings
from shouhu_contracts.registry.v1 import OrgUnitCreated
from shouhu_kit.auth import Role
from shouhu_kit.broker import InMemoryBroker
from shouhu_testkit.wiring import ConsumerHarness, bearer, in_memory_adapters
from shouhu_testkit.world import World

pytestmark = pytest.mark.unit


class Api:
    """The alerts API on a fresh database, with the world's org tree applied."""

    def __init__(self, client: TestClient, settings: AlertsSettings, world: World) -> None:
        self.client, self.settings, self.t = client, settings, world.t
        runtime = client.app.state.runtime  # type: ignore[attr-defined]
        harness = ConsumerHarness(db=runtime.db, specs=SERVICE.consumers(settings), source="/shouhu/alerts")
        harness.apply(*(e for e in world.published if isinstance(e, OrgUnitCreated)))

    def auth(self, role: Role, unit: str | None = None) -> dict[str, str]:
        return bearer(secret=self.settings.jwt_secret, role=role, org_id=self.t[unit] if unit else None)

    def __getattr__(self, verb: str) -> Callable[..., Any]:
        return getattr(self.client, verb)


@pytest.fixture
def api(db_urls: Callable[[], str], world: World) -> Iterator[Api]:
    settings = AlertsSettings(database_url=db_urls(), env="test")  # type: ignore[arg-type]
    app = SERVICE.api(settings, in_memory_adapters(InMemoryBroker()))
    with TestClient(app) as client:
        yield Api(client, settings, world)
    app.state.runtime.db.dispose()


PERSON = {"name": "李老师", "email": "li.laoshi@school.example.cn", "phone": "138 0013 8000"}


def test_a_person_is_recorded_and_read_masked_except_by_the_admin(api: Api) -> None:
    city = api.auth(Role.CITY_ADMIN, "city")
    body = {**PERSON, "webhook_url": "https://qyapi.example.cn/webhook/send?key=SECRET"}
    put = api.put("/v1/people/teacher-li", headers=city, json=body)
    assert put.status_code == 200, put.text
    read = api.get("/v1/people/teacher-li", headers=api.auth(Role.TOWNSHIP_ADMIN, "tA")).json()
    assert (read["email"], read["phone"]) == ("l***@school.example.cn", "138****8000")
    assert "SECRET" not in read["webhook_url"]
    clear = api.get("/v1/people/teacher-li", headers=api.auth(Role.ADMIN)).json()
    assert (clear["email"], clear["phone"]) == (PERSON["email"], "+8613800138000")
    assert api.get("/v1/people/nobody", headers=city).status_code == 404
    assert api.get("/v1/people/teacher-li", headers=api.auth(Role.TEACHER, "cA1")).status_code == 403


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "63123456"), ("email", "not-an-address"), ("webhook_url", "ftp://x.cn/a"), ("name", "")],
)
def test_a_bad_contact_is_a_422_naming_the_field(api: Api, field: str, value: str) -> None:
    answer = api.put(
        "/v1/people/teacher-li", headers=api.auth(Role.CITY_ADMIN, "city"), json={**PERSON, field: value}
    )
    assert answer.status_code == 422
    [error] = answer.json()["errors"]
    assert error["field"] == field
    assert error["message"]
    assert error["message_en"]


def test_an_office_is_named_read_and_emptied_within_scope(api: Api) -> None:
    village = api.t["vA"]
    url = f"/v1/org-units/{village}/offices/village_director"
    township = api.auth(Role.TOWNSHIP_ADMIN, "tA")
    put = api.put(url, headers=township, json={"account": "vd-li", "name": "李主任"})
    assert put.status_code == 200, put.text
    assert api.get(url, headers=township).json()["account"] == "vd-li"
    # Another township cannot see it: 404, as for a unit that does not exist.
    other = api.auth(Role.TOWNSHIP_ADMIN, "tB")
    assert api.get(url, headers=other).status_code == 404
    assert api.put(url, headers=other, json={"account": "x", "name": "某"}).status_code == 404
    missing = f"/v1/org-units/{uuid.uuid4()}/offices/village_director"
    assert api.get(missing, headers=api.auth(Role.ADMIN)).status_code == 404
    assert api.delete(url, headers=township).status_code == 204
    assert api.get(url, headers=township).status_code == 404


def test_an_office_must_fit_the_unit_and_the_role_must_be_known(api: Api) -> None:
    city = api.auth(Role.CITY_ADMIN, "city")
    wrong = api.put(
        f"/v1/org-units/{api.t['cA1']}/offices/district_office",
        headers=city,
        json={"account": "a", "name": "某"},
    )
    assert wrong.status_code == 422
    assert wrong.json()["title_en"] == "This unit has no such office"
    unknown = api.put(
        f"/v1/org-units/{api.t['cA1']}/offices/janitor", headers=city, json={"account": "a", "name": "某"}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "path.role"
    bad = api.put("/v1/people/has space", headers=city, json=PERSON)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "path.account"
