"""The OpenAPI document says which problems each route answers, and the answers keep to it."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, ClassVar

import jsonschema
import pytest
from fastapi import APIRouter, File, UploadFile
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from shouhu_kit.app import create_app
from shouhu_kit.auth import Role, issue_token
from shouhu_kit.deps import CurrentUser
from shouhu_kit.metrics import Metrics
from shouhu_kit.openapi_problems import PROBLEM_JSON, problem_responses
from shouhu_kit.settings import DEV_JWT_SECRET, ServiceSettings

pytestmark = pytest.mark.unit


class DemoSettings(ServiceSettings):
    service: ClassVar[str] = "demo"


class Thing(BaseModel):
    name: str = Field(min_length=1)


router = APIRouter()
ADMIN = {
    "Authorization": "Bearer " + issue_token(secret=DEV_JWT_SECRET, subject="t", role=Role.ADMIN, org_id=None)
}


@router.put("/things/{thing_id}", responses=problem_responses(409))
def put_thing(thing_id: uuid.UUID, body: Thing, user: CurrentUser) -> dict[str, str]:
    return {"name": body.name}


@router.get("/open")
def open_route() -> dict[str, str]:
    return {"ok": "yes"}


@router.post("/files", responses={422: {"description": "report", "content": {"text/csv": {}}}})
def upload(file: Annotated[UploadFile, File()], user: CurrentUser) -> dict[str, int]:
    return {"n": len(file.file.read())}


def _app() -> Any:
    settings = DemoSettings(env="test")  # type: ignore[call-arg]
    return create_app(
        title="t", settings=settings, metrics=Metrics(service="demo"), readiness=[], routers=[router]
    )


@pytest.fixture
def doc() -> dict[str, Any]:
    return TestClient(_app()).get("/openapi.json").json()  # type: ignore[no-any-return]


def _problem_codes(operation: dict[str, Any]) -> set[str]:
    return {
        code
        for code, response in operation["responses"].items()
        if PROBLEM_JSON in response.get("content", {})
    }


def test_each_route_declares_the_problems_the_kit_answers(doc: dict[str, Any]) -> None:
    put = doc["paths"]["/things/{thing_id}"]["put"]
    # token: 401, 403; a path names a record: 404; a body: 413; anything to validate: 422; its own 409
    assert _problem_codes(put) == {"401", "403", "404", "409", "413", "422"}
    assert put["responses"]["422"]["content"] == {
        PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    assert _problem_codes(doc["paths"]["/open"]["get"]) == set()
    assert {"Problem", "FieldError"} <= set(doc["components"]["schemas"])
    # FastAPI's own 422 body is never answered, so it is not documented either.
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_a_route_keeps_the_error_bodies_it_declares(doc: dict[str, Any]) -> None:
    content = doc["paths"]["/files"]["post"]["responses"]["422"]["content"]
    assert set(content) == {"text/csv", PROBLEM_JSON}


def test_ops_endpoints_declare_what_they_answer(doc: dict[str, Any]) -> None:
    assert set(doc["paths"]["/metrics"]["get"]["responses"]["200"]["content"]) == {"text/plain"}
    assert set(doc["paths"]["/readyz"]["get"]["responses"]) == {"200", "503"}


def test_every_problem_answered_matches_the_declared_schema(doc: dict[str, Any]) -> None:
    client = TestClient(_app())
    schema = {"$ref": "#/components/schemas/Problem", "components": doc["components"]}
    answers = [
        client.put(f"/things/{uuid.uuid4()}", json={"name": "x"}),  # 401: no token
        client.put("/things/not-a-uuid", json={"name": ""}, headers=ADMIN),  # 422 with errors[]
        client.post("/files", content=b"junk", headers={"content-type": "multipart/form-data"}),
    ]
    for r in answers:
        assert r.headers["content-type"] == PROBLEM_JSON
        jsonschema.validate(r.json(), schema)
    assert [r.status_code for r in answers] == [401, 422, 422]


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"name": "\xff\xfe"}'),  # not UTF-8
        ("multipart/form-data", b"junk"),  # no boundary
        ("multipart/form-data; boundary=zz", b"junk"),  # not multipart
    ],
)
def test_an_unreadable_body_is_a_422_naming_the_body_not_a_bare_400(content_type: str, body: bytes) -> None:
    """The fuzzer sent these; FastAPI answered 400 with an English-only title, undeclared."""
    client = TestClient(_app())
    path = "/files" if content_type.startswith("multipart") else f"/things/{uuid.uuid4()}"
    r = client.request(
        "POST" if path == "/files" else "PUT", path, content=body, headers={"content-type": content_type}
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["title"] == "请求数据有误"
    assert [e["field"] for e in problem["errors"]] == ["body"]
    assert problem["errors"][0]["message"].startswith("请求体无法解析")
