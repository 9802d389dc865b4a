"""The dashboard in a real headless Chromium: the reporting API in-process on a seeded SQLite city.

The read models are fed through the handlers the worker runs, with contract events: an org tree
(city → districts → townships → schools → classes, villages), 150 children over twelve months,
pairings, monthly contact windows met and missed, follow-up tasks and risk levels. The API runs in
uvicorn on a thread on a free port, with its clock fixed in October 2026.
Chromium and its driver are Debian's (apt-get install chromium chromium-driver); nothing downloads one.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from reporting.bootstrap import SERVICE, consumers
from reporting.config import ReportingSettings
from reporting.service_layer.alerts import mark_overdue
from shouhu_contracts.alerts.tasks import AlertRule, TaskOpened
from shouhu_contracts.alerts.v1 import RiskLevel, RiskLevelChanged
from shouhu_contracts.envelope import EventData
from shouhu_contracts.org import Gender, LeftBehindType, OrgKind
from shouhu_contracts.pairing.v1 import (
    ObligationWindowMet,
    ObligationWindowMissed,
    ObligationWindowOpened,
    PairingCreated,
)
from shouhu_contracts.pairing.vocabulary import Responsible, Rhythm
from shouhu_contracts.registry.v1 import ChildRegistered
from shouhu_kit.auth import Role, issue_token
from shouhu_kit.broker import InMemoryBroker
from shouhu_kit.clock import CHINA_TZ, FakeClock
from shouhu_kit.uow import UnitOfWork
from shouhu_testkit.wiring import ConsumerHarness, in_memory_adapters
from shouhu_testkit.world import World

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[4]
ARTIFACTS = Path(os.environ.get("SHOUHU_TEST_ARTIFACTS", ROOT / "test-artifacts")) / "dashboard"
NOW = datetime(2026, 10, 20, 2, 0, tzinfo=UTC)  # 10:00 on 20 October 2026 in Beijing
MONTH = "2026-10"

# unit key in World -> (name, code); "dC…" are added to the world's tree for a third district.
NAMES = {
    "city": ("江城市", "C"),
    "dA": ("青山区", "D1"),
    "dB": ("白水县", "D2"),
    "dC": ("南湖区", "D3"),
    "tA": ("青石镇", "T11"),
    "tA2": ("柳河乡", "T12"),
    "tB": ("白云镇", "T21"),
    "tC": ("湖滨街道", "T31"),
    "vA": ("青石村", "V11"),
    "vA2": ("柳河村", "V12"),
    "vB": ("白云村", "V21"),
    "vC": ("湖滨社区", "V31"),
    "sA1": ("青石镇中心小学", "S111"),
    "sA2": ("青石镇第二小学", "S112"),
    "sA3": ("柳河乡小学", "S121"),
    "sB": ("白云镇小学", "S211"),
    "sC": ("湖滨小学", "S311"),
    "cA1": ("三年级(1)班", "K1111"),
    "cA2": ("四年级(2)班", "K1121"),
    "cA3": ("五年级(1)班", "K1211"),
    "cB": ("六年级(1)班", "K2111"),
    "cC": ("五年级(3)班", "K3111"),
}
# class -> (children, home village, pairing rate, contact rate): units differ, so their ranks mean something.
CLASSES = {
    "cA1": (40, "vA", 0.92, 0.9),
    "cA2": (30, "vA", 0.8, 0.8),
    "cA3": (35, "vA2", 0.7, 0.72),
    "cB": (25, "vB", 0.5, 0.55),
    "cC": (20, "vC", 0.75, 0.66),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [
    "小红",
    "子涵",
    "浩然",
    "欣怡",
    "宇轩",
    "梓萱",
    "俊杰",
    "雨桐",
    "博文",
    "思琪",
    "明轩",
    "佳怡",
    "天佑",
    "诗涵",
]


def china(month: str, day: int = 1) -> datetime:
    """Midnight of a day in Beijing, as an aware datetime."""
    return datetime(int(month[:4]), int(month[5:7]), day, tzinfo=CHINA_TZ)


def add_months(month: str, n: int) -> str:
    """'2026-10' plus n months."""
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@dataclass
class City:
    """A seeded city: its units by key and the events that built it, in the order they were published."""

    world: World = field(default_factory=World)
    events: list[EventData] = field(default_factory=list)
    children: dict[uuid.UUID, str] = field(default_factory=dict)

    @property
    def t(self) -> dict[str, uuid.UUID]:
        """Units by key."""
        return self.world.t

    def name(self, key: str) -> str:
        """A unit's display name."""
        return NAMES[key][0]

    def build(self, rng: random.Random) -> City:
        """The tree, named; then the children and everything that happened to them."""
        w, t = self.world, self.world.t
        t["dC"] = w.unit(OrgKind.DISTRICT, "dC", t["city"])
        t["tC"] = w.unit(OrgKind.TOWNSHIP, "tC", t["dC"])
        t["vC"] = w.unit(OrgKind.VILLAGE, "vC", t["tC"])
        t["sC"] = w.unit(OrgKind.SCHOOL, "sC", t["tC"])
        t["cC"] = w.unit(OrgKind.CLASS, "cC", t["sC"])
        for key, (name, code) in NAMES.items():
            w.rename(t[key], name, code)
        self.events.extend(w.published)
        names = iter(
            rng.sample([s + g for s in SURNAMES for g in GIVEN], k=sum(c[0] for c in CLASSES.values()))
        )
        for cls, (count, village, pairing, contact) in CLASSES.items():
            for _ in range(count):
                self.child(rng, next(names), cls, village, pairing, contact)
        return self

    def child(
        self, rng: random.Random, name: str, cls: str, village: str, pairing: float, contact: float
    ) -> None:
        """One child's archive, pairing, contact windows, task and risk, as the services publish them."""
        t, path = self.t, self.world.path(self.t[cls])
        child = uuid.uuid4()
        self.children[child] = name
        kind = rng.choices(list(LeftBehindType), weights=[55, 30, 15])[0]
        guardian = rng.choices(["祖母", "爷爷", "姑姑", "舅舅", None], weights=[30, 26, 10, 8, 26])[0]
        missing = (
            []
            if rng.random() > 0.12
            else ["mother.phone" if kind is LeftBehindType.MOTHER else "father.phone"]
        )
        registered = china(
            add_months(MONTH, -rng.choice([13, 13, 13, 10, 8, 6, 4, 2, 1, 0])), rng.randint(1, 15)
        )
        home = t[village] if rng.random() < 0.7 else None
        self.events.append(
            ChildRegistered.example().model_copy(
                update={
                    "child_id": child,
                    "name": name,
                    "gender": rng.choice(list(Gender)),
                    "left_behind_type": kind,
                    "class_id": t[cls],
                    "org_path": path,
                    "school_id": path[-2],
                    "home_village_id": home,
                    "home_path": self.world.path(home) if home else None,
                    "has_guardian": guardian is not None,
                    "guardian_relation": guardian,
                    "missing_contacts": missing,
                    "registered_at": registered,
                }
            )
        )
        if rng.random() < pairing:
            paired = min(registered + timedelta(days=rng.randint(3, 50)), NOW - timedelta(days=1))
            self.paired(rng, child, path, paired, contact)
        self.teacher_talks(rng, child, path, registered, contact)
        if guardian is None or missing or rng.random() < 0.25:
            level = (
                RiskLevel.HIGH
                if guardian is None and rng.random() < 0.45
                else rng.choice([RiskLevel.MEDIUM, RiskLevel.LOW])
            )
            self.events.append(
                RiskLevelChanged.example().model_copy(
                    update={
                        "child_id": child,
                        "level": level,
                        "org_path": path,
                        "changed_at": registered + timedelta(days=2),
                    }
                )
            )

    def paired(
        self, rng: random.Random, child: uuid.UUID, path: list[uuid.UUID], at: datetime, contact: float
    ) -> None:
        """A helper pairs with the child; then a monthly contact window each month, met or missed."""
        pairing, helper = uuid.uuid4(), uuid.uuid4()
        self.events.append(
            PairingCreated.example().model_copy(
                update={
                    "pairing_id": pairing,
                    "child_id": child,
                    "helper_id": helper,
                    "org_path": path,
                    "created_at": at,
                }
            )
        )
        obligation = uuid.uuid4()
        month = at.astimezone(CHINA_TZ).strftime("%Y-%m")
        while month <= MONTH:
            facts = {
                "obligation_id": obligation,
                "child_id": child,
                "duty": "helper_contact_monthly",
                "duty_name": "帮扶人每月联系儿童一次",
                "rhythm": Rhythm.MONTHLY,
                "responsible": Responsible.PRIMARY_HELPER,
                "helper_id": helper,
                "pairing_id": pairing,
                "org_path": path,
                "window_start": china(month),
                "window_end": china(add_months(month, 1)),
            }
            self.window(rng, facts, month, contact)
            month = add_months(month, 1)

    def teacher_talks(
        self,
        rng: random.Random,
        child: uuid.UUID,
        path: list[uuid.UUID],
        registered: datetime,
        contact: float,
    ) -> None:
        """The class teacher's monthly talk, owed for the last three months."""
        obligation = uuid.uuid4()
        for back in (2, 1, 0):
            month = add_months(MONTH, -back)
            if china(add_months(month, 1)) <= registered:
                continue
            facts = {
                "obligation_id": obligation,
                "child_id": child,
                "duty": "class_teacher_talk_monthly",
                "duty_name": "班主任每月谈心一次（谈心记录卡）",
                "rhythm": Rhythm.MONTHLY,
                "responsible": Responsible.CLASS_TEACHER,
                "helper_id": None,
                "pairing_id": None,
                "org_path": path,
                "window_start": china(month),
                "window_end": china(add_months(month, 1)),
            }
            self.window(rng, facts, month, min(1.0, contact + 0.08))

    def window(self, rng: random.Random, facts: dict[str, Any], month: str, contact: float) -> None:
        """A window opens; a past one is met or missed (a missed one opens a task), this month's maybe met."""
        self.events.append(ObligationWindowOpened.example().model_copy(update=facts))
        current = month == MONTH
        if rng.random() < (contact * 0.7 if current else contact):
            met_at = facts["window_start"] + timedelta(days=rng.randint(1, 18 if current else 27))
            self.events.append(
                ObligationWindowMet.example().model_copy(update={**facts, "met_at": met_at, "late": False})
            )
        elif not current:
            self.events.append(
                ObligationWindowMissed.example().model_copy(
                    update={**facts, "closed_at": facts["window_end"]}
                )
            )
            if month == add_months(MONTH, -1) and facts["helper_id"] is not None:
                due = facts["window_end"] + timedelta(days=rng.choice([7, 30]))  # some past due now
                self.events.append(
                    TaskOpened.example().model_copy(
                        update={
                            "task_id": uuid.uuid4(),
                            "child_id": facts["child_id"],
                            "rule": AlertRule.CONTACT_MISSED,
                            "org_path": facts["org_path"],
                            "due_at": due,
                            "cause_key": f"helper_contact_monthly:{month}",
                            "opened_at": facts["window_end"] + timedelta(minutes=5),
                        }
                    )
                )


@dataclass
class Server:
    """The reporting API serving the seeded city."""

    url: str
    secret: str
    city: City

    def token(self, role: Role, unit: str | None = None, subject: str = "official") -> str:
        """A bearer token for a role scoped to a unit (by key)."""
        org = self.city.t[unit] if unit else None
        return issue_token(secret=self.secret, subject=subject, role=role, org_id=org)

    def get(self, token: str, path: str, **params: Any) -> Any:
        """An API answer, as the page should show it."""
        r = httpx.get(
            f"{self.url}{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        r.raise_for_status()
        return r.json()

    def kpis(self, token: str, unit: str, month: str | None = None) -> Any:
        """A unit's KPIs."""
        return self.get(
            token, f"/v1/org-units/{self.city.t[unit]}/kpis", **({"month": month} if month else {})
        )

    def sub_units(self, token: str, unit: str) -> list[Any]:
        """A unit's sub-units (one page holds them all here)."""
        return list(self.get(token, f"/v1/org-units/{self.city.t[unit]}/sub-units", limit=500)["items"])

    def children(self, token: str, unit: str, figure: str, **params: Any) -> list[str]:
        """Every name behind a figure, following the pages."""
        names: list[str] = []
        after = None
        while True:
            page = self.get(
                token,
                f"/v1/org-units/{self.city.t[unit]}/children",
                figure=figure,
                limit=200,
                **params,
                **({"after": after} if after else {}),
            )
            names += [c["name"] for c in page["items"]]
            after = page["next_after"]
            if not after:
                return names


def _serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="reporting-api", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the reporting API did not start")
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The reporting API on a seeded city, for the whole session."""
    path = tmp_path_factory.mktemp("dashboard") / "reporting.db"
    settings = ReportingSettings(database_url=f"sqlite:///{path}", env="test")  # type: ignore[call-arg]
    clock = FakeClock(NOW)
    app = SERVICE.api(settings, in_memory_adapters(InMemoryBroker()), clock)
    api, thread, url = _serve(app)  # its start migrates the database
    city = City().build(random.Random(2026))
    db = app.state.runtime.db
    harness = ConsumerHarness(db=db, specs=consumers(settings), source="/shouhu/reporting", clock=clock)
    for i in range(0, len(city.events), 400):
        harness.apply_as_one_poll(*city.events[i : i + 400])
    with UnitOfWork(db=db, clock=clock, source="/shouhu/reporting") as uow:
        mark_overdue(uow)
        uow.commit()
    yield Server(url=url, secret=settings.jwt_secret, city=city)
    api.should_exit = True
    thread.join(timeout=30)


def _need_browser() -> None:
    if CHROMIUM.exists() and CHROMEDRIVER.exists() and shutil.which("chromedriver"):
        return
    message = (
        "browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)"
    )
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def driver() -> Iterator[Any]:
    """One headless Chromium for the session, its console captured (goog:loggingPrefs)."""
    _need_browser()
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not fetch a driver or a browser
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1366,900",
        "--force-device-scale-factor=1",
        "--lang=zh-CN",
        "--no-first-run",
        "--disable-extensions",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    browser = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    browser.set_page_load_timeout(60)
    yield browser
    browser.quit()


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (gitignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
