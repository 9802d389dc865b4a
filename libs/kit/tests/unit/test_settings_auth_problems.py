"""Settings fail fast, tokens carry role and scope, errors answer problem+json in two languages."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from shouhu_kit.auth import Principal, Role, decode_token, issue_token, require_role
from shouhu_kit.clock import FakeClock
from shouhu_kit.problem_responses import install_problem_handlers
from shouhu_kit.problems import Problem
from shouhu_kit.settings import DEV_JWT_SECRET, ServiceSettings

pytestmark = pytest.mark.unit


class DemoSettings(ServiceSettings):
    service: ClassVar[str] = "demo"


def test_service_prefix_wins_over_the_shared_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOUHU_KAFKA_BOOTSTRAP_SERVERS", "shared:9092")
    monkeypatch.setenv("SHOUHU_DATABASE_URL", "postgresql+psycopg://x@h/shared")
    monkeypatch.setenv("SHOUHU_DEMO_DATABASE_URL", "postgresql+psycopg://x@h/demo")
    s = DemoSettings()
    assert s.kafka_bootstrap_servers == "shared:9092"
    assert s.database_url.endswith("/demo")


def test_embedded_default_is_an_sqlite_file_per_service() -> None:
    assert DemoSettings(data_dir="/tmp/d").effective_database_url == "sqlite:////tmp/d/demo.db"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"env": "prod", "database_url": "postgresql+psycopg://a@b/c"}, "jwt_secret"),
        ({"env": "prod", "jwt_secret": "x" * 40, "database_url": "sqlite:///a.db"}, "database_url"),
        ({"api_port": 0}, "api_port"),
        ({"kafka_topic_prefix": "bad prefix!"}, "kafka_topic_prefix"),
    ],
)
def test_unsafe_settings_are_refused_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        DemoSettings(**overrides)  # type: ignore[arg-type]


def test_the_environment_must_be_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOUHU_ENV", raising=False)
    monkeypatch.delenv("SHOUHU_DEMO_ENV", raising=False)
    with pytest.raises(ValueError, match="env"):
        DemoSettings()
    monkeypatch.setenv("SHOUHU_ENV", "dev")
    assert DemoSettings().env == "dev"


def test_prod_accepts_a_real_secret() -> None:
    s = DemoSettings(env="prod", jwt_secret="s" * 40, database_url="postgresql+psycopg://a@b/c")  # type: ignore[arg-type]
    assert s.jwt_secret != DEV_JWT_SECRET


def test_token_round_trip_and_scope() -> None:
    district, other = uuid.uuid4(), uuid.uuid4()
    token = issue_token(secret="k" * 32, subject="u1", role=Role.DISTRICT_ADMIN, org_id=district)
    p = decode_token(token, secret="k" * 32)
    assert p == Principal(subject="u1", role=Role.DISTRICT_ADMIN, org_id=district)
    assert p.sees([uuid.uuid4(), district, uuid.uuid4()])
    assert not p.sees([uuid.uuid4(), other])
    assert not p.sees(None)
    assert Principal(subject="a", role=Role.ADMIN, org_id=None).sees([other])


@pytest.mark.parametrize("case", ["wrong_secret", "expired", "no_org", "bad_role"])
def test_unacceptable_tokens_are_401(case: str) -> None:
    import jwt

    now = datetime.now(UTC)
    if case == "wrong_secret":
        token = issue_token(secret="a" * 32, subject="u", role=Role.TEACHER, org_id=uuid.uuid4())
    elif case == "expired":
        token = issue_token(
            secret="k" * 32,
            subject="u",
            role=Role.TEACHER,
            org_id=uuid.uuid4(),
            now=now - timedelta(days=2),
            ttl=timedelta(hours=1),
        )
    elif case == "no_org":
        token = issue_token(secret="k" * 32, subject="u", role=Role.TEACHER, org_id=None)
    else:
        token = jwt.encode(
            {"sub": "u", "role": "king", "iss": "shouhu", "exp": now + timedelta(hours=1)},
            "k" * 32,
            algorithm="HS256",
        )
    with pytest.raises(Problem) as info:
        decode_token(token, secret="k" * 32)
    assert info.value.status == 401


def test_require_role() -> None:
    teacher = Principal(subject="t", role=Role.TEACHER, org_id=uuid.uuid4())
    require_role(teacher, [Role.TEACHER])
    with pytest.raises(Problem) as info:
        require_role(teacher, [Role.CITY_ADMIN])
    assert info.value.status == 403


class Body(BaseModel):
    name: str = Field(min_length=1)
    rank: int = Field(ge=1)


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    def make(body: Body) -> dict[str, str]:
        return {"ok": body.name}

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("secret internals 13800138000")

    return app


def test_validation_errors_name_every_field_in_chinese_and_english() -> None:
    r = TestClient(_app()).post("/things", json={"name": "", "rank": 0})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["title"] == "请求数据有误"
    assert body["title_en"] == "Invalid request"
    fields = {e["field"]: e for e in body["errors"]}
    assert set(fields) == {"name", "rank"}
    assert fields["rank"]["message"] == "不能小于 1"
    assert "greater than or equal" in fields["rank"]["message_en"]


def test_malformed_json_is_422_not_500() -> None:
    r = TestClient(_app()).post("/things", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["message"] == "JSON 格式错误"


def test_a_crash_is_a_500_problem_without_internals() -> None:
    r = TestClient(_app(), raise_server_exceptions=False).get("/crash")
    assert r.status_code == 500
    assert "13800138000" not in r.text
    assert r.json()["title_en"] == "Internal server error"


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == clock.now()
    clock.advance(timedelta(days=1))
    assert clock.now() == datetime(2026, 1, 2, tzinfo=UTC)
    with pytest.raises(ValueError, match="aware"):
        FakeClock(datetime(2026, 1, 1))


def test_today_is_the_date_in_china() -> None:
    from shouhu_kit.clock import china_today

    assert china_today(datetime(2026, 3, 1, 15, 59, tzinfo=UTC)) == datetime(2026, 3, 1).date()
    assert china_today(datetime(2026, 3, 1, 16, 0, tzinfo=UTC)) == datetime(2026, 3, 2).date()


def test_an_oversized_body_is_413_problem_before_the_route_reads_it(tmp_path: Path) -> None:
    from shouhu_kit.app import create_app
    from shouhu_kit.metrics import Metrics

    settings = DemoSettings(max_request_bytes=2048)
    app = create_app(title="t", settings=settings, metrics=Metrics(service="demo"), readiness=[])
    seen = []

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        body = await request.body()
        seen.append(len(body))
        return {"n": len(body)}

    client = TestClient(app)
    assert client.post("/upload", content=b"x" * 1000).json() == {"n": 1000}
    r = client.post("/upload", content=b"x" * 5000)
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["title"] == "请求体过大"

    def chunks() -> Iterator[bytes]:
        for _ in range(5):
            yield b"y" * 1000

    assert client.post("/upload", content=chunks()).status_code == 413
    assert seen == [1000]


def test_docs_need_no_cdn() -> None:
    from shouhu_kit.app import create_app
    from shouhu_kit.metrics import Metrics

    app = create_app(title="t", settings=DemoSettings(), metrics=Metrics(service="demo"), readiness=[])
    client = TestClient(app)
    page = client.get("/docs").text
    assert "cdn." not in page
    js = page.split('src="')[1].split('"')[0]
    assert client.get(js).status_code == 200
