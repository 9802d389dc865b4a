"""The platform as a user runs it (deploy/local/run.sh, SQLite defaults) against the real Kafka."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from prometheus_client.parser import text_string_to_metric_families

from shouhu_contracts.codegen import CONTRACTS_DIR

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "pairing", "alerts", "reporting")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Platform:
    """The eight processes, their URLs and an admin token."""

    def __init__(self, tmp: Path, kafka: str) -> None:
        self.kafka = kafka
        self.prefix = f"e2e{uuid.uuid4().hex[:8]}."
        self.env = {
            **os.environ,
            "SHOUHU_RUN_DIR": str(tmp / "run"),
            "SHOUHU_DATA_DIR": str(tmp / "data"),
            "SHOUHU_KAFKA_BOOTSTRAP_SERVERS": kafka,
            "SHOUHU_KAFKA_TOPIC_PREFIX": self.prefix,
        }
        self.env.pop("SHOUHU_DATABASE_URL", None)
        self.api: dict[str, str] = {}
        self.worker: dict[str, str] = {}
        for svc in SERVICES:
            a, w = _free_port(), _free_port()
            self.env[f"SHOUHU_{svc.upper()}_API_PORT"] = str(a)
            self.env[f"SHOUHU_{svc.upper()}_WORKER_PORT"] = str(w)
            self.api[svc], self.worker[svc] = f"http://127.0.0.1:{a}", f"http://127.0.0.1:{w}"
        self.token = ""

    def run(self, command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", str(ROOT / "deploy/local/run.sh"), command],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    def call(self, method: str, url: str, body: Any = None) -> tuple[int, Any]:
        req = urllib.request.Request(
            url,
            method=method,
            data=json.dumps(body).encode() if body else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def text(self, url: str) -> str:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.read().decode()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str) -> Iterator[Platform]:
    p = Platform(tmp_path_factory.mktemp("platform"), kafka_bootstrap)
    started = p.run("start")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        # The run command prints a development admin token: take it as a user would.
        p.token = [line for line in started.stdout.splitlines() if line.startswith("eyJ")][-1]
        yield p
    finally:
        stopped = p.run("stop")
        assert stopped.returncode == 0, stopped.stderr


def eventually(check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.5)


def test_every_process_answers_health_readiness_and_metrics(platform: Platform) -> None:
    for base in [*platform.api.values(), *platform.worker.values()]:
        assert json.loads(platform.text(f"{base}/healthz"))["status"] == "ok"
        assert json.loads(platform.text(f"{base}/readyz"))["status"] == "ok"
        families = {f.name for f in text_string_to_metric_families(platform.text(f"{base}/metrics"))}
        assert {"shouhu_http_requests", "shouhu_outbox_backlog"} <= families


@pytest.fixture(scope="module")
def grade_drop(platform: Platform) -> dict[str, Any]:
    """Through the registry API: an org tree, a child and two terms with a big drop."""
    reg = platform.api["registry"]
    ids: dict[str, str] = {}
    parent = None
    for kind, name in (
        ("市", "示范市"),
        ("区/县", "城区"),
        ("乡镇/街道", "城关镇"),
        ("学校", "中心小学"),
        ("班级", "三年级(1)班"),
    ):
        status, unit = platform.call(
            "POST",
            f"{reg}/v1/org-units",
            {"kind": kind, "code": f"{platform.prefix}{len(ids)}", "name": name, "parent_id": parent},
        )
        assert status == 201, unit
        ids[unit["kind"]] = parent = unit["id"]
    status, child = platform.call(
        "POST",
        f"{reg}/v1/children",
        {
            "name": "王小明",
            "gender": "男",
            "birth_date": "2016-03-01",
            "left_behind_type": "父母双方外出",
            "class_id": ids["class"],
            "guardian": None,
        },
    )
    assert status == 201, child
    for term, rank, total in (("2025-2026-1", 4, 310), ("2025-2026-2", 19, 300)):
        status, _ = platform.call(
            "PUT",
            f"{reg}/v1/children/{child['id']}/term-results/{term}",
            {"total_score": total, "class_rank": rank, "class_size": 45},
        )
        assert status == 201
    return {"child": child, "units": ids}


def test_a_big_grade_drop_becomes_a_follow_up_task(platform: Platform, grade_drop: dict[str, Any]) -> None:
    child, ids = grade_drop["child"], grade_drop["units"]

    def tasks() -> list[Any]:
        return platform.call("GET", f"{platform.api['alerts']}/v1/tasks?child_id={child['id']}")[1]

    # The child has no guardian: a no-guardian task for the village at once, beside the grade drop's.
    found = eventually(lambda: [t for t in tasks() if t["reason"] == "grade_drop"])
    assert len(found) == 1
    assert "下降15名" in found[0]["detail"]
    assert sorted(t["reason"] for t in tasks()) == ["grade_drop", "no_guardian"]
    count = eventually(
        lambda: platform.call("GET", f"{platform.api['reporting']}/v1/org-units/{ids['city']}/kpis")[1][
            "children"
        ]
    )
    assert count == 1
    unpaired = platform.call("GET", f"{platform.api['pairing']}/v1/children/unpaired")[1]
    assert [c["id"] for c in unpaired] == [child["id"]]
    # both parents away, no guardian, and, once pairing has alerts' risk event, high risk (+2)
    assert eventually(
        lambda: platform.call("GET", f"{platform.api['pairing']}/v1/children/unpaired")[1][0]["priority"] == 4
    )
    consumed = platform.text(f"{platform.worker['alerts']}/metrics")
    assert 'shouhu_events_consumed_total{group="' in consumed


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian: prometheus) not installed")
def test_promtool_finds_nothing_to_report(platform: Platform) -> None:
    for base in [*platform.api.values(), *platform.worker.values()]:
        out = subprocess.run(
            ["promtool", "check", "metrics"],
            input=platform.text(f"{base}/metrics"),
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 0, base + out.stdout + out.stderr
        assert (out.stdout + out.stderr).strip() == "", base + out.stdout + out.stderr


@pytest.mark.skipif(shutil.which("kcat") is None, reason="kcat (Debian: kcat) not installed")
def test_events_read_by_kcat_carry_cloudevents_and_validate(
    platform: Platform, grade_drop: dict[str, Any]
) -> None:
    assert eventually(lambda: platform.call("GET", f"{platform.api['alerts']}/v1/tasks")[1])
    seen: set[str] = set()
    for topic in ("registry.org", "registry.children", "alerts.tasks"):
        out = subprocess.run(
            ["kcat", "-b", platform.kafka, "-C", "-t", platform.prefix + topic, "-e", "-q", "-f", "%s\n"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        for line in filter(None, out.stdout.splitlines()):
            doc = json.loads(line)
            assert {"id", "source", "type", "subject", "time", "specversion", "data"} <= set(doc)
            schema = json.loads((CONTRACTS_DIR / "schemas" / f"{doc['type']}.schema.json").read_text())
            jsonschema.validate(doc, schema)
            seen.add(doc["type"])
    assert seen == {
        "registry.org.unit_created.v1",
        "registry.child.registered.v1",
        "registry.child.term_result_recorded.v1",
        "alerts.task.opened.v1",
        "alerts.task.opened.v2",
    }


def _token(platform: Platform, role: str, org: str, subject: str) -> str:
    """A development token for another caller, as `make dev-token` would print it."""
    out = subprocess.run(
        [
            str(ROOT / ".venv/bin/shouhu-registry"),
            "dev-token",
            "--role",
            role,
            "--org",
            org,
            "--subject",
            subject,
        ],
        env={**platform.env, "SHOUHU_ENV": "dev"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return out.stdout.strip().splitlines()[-1]


def test_a_school_pairs_its_children_and_a_helper_logs_and_reads_only_their_own(
    platform: Platform, grade_drop: dict[str, Any]
) -> None:
    """Helpers registered, suggestions for the school accepted, a contact logged; the helper's
    view shows the obligation met, and the registry lets the helper read exactly their child."""
    reg, pair = platform.api["registry"], platform.api["pairing"]
    units = grade_drop["units"]
    status, other = platform.call(
        "POST",
        f"{reg}/v1/children",
        {
            "name": "赵小雨",
            "gender": "女",
            "birth_date": "2015-06-01",
            "left_behind_type": "父亲外出",
            "class_id": units["class"],
            "guardian": {"name": "赵奶奶", "relation": "祖母", "phone": "13800138001", "rating": "好"},
        },
    )
    assert status == 201, other
    assert eventually(lambda: len(platform.call("GET", f"{pair}/v1/children/unpaired")[1]) == 2)
    status, teacher = platform.call(
        "POST",
        f"{pair}/v1/helpers",
        {
            "name": "李老师",
            "kind": "teacher",
            "unit_id": units["school"],
            "account": "teacher-li",
            "capacity": 1,
        },
    )
    assert status == 201, teacher
    status, run = platform.call("POST", f"{pair}/v1/suggestions", {"unit_id": units["school"]})
    assert status == 201, run
    assert [s["child_id"] for s in run["items"]] == [grade_drop["child"]["id"]]  # the neediest first
    assert run["unmatched_count"] == 1  # one teacher, one place
    status, decided = platform.call("POST", f"{pair}/v1/suggestions/{run['run_id']}/accept", {"all": True})
    assert status == 200, decided
    platform_token = platform.token
    try:
        platform.token = _token(platform, "helper", units["school"], "teacher-li")
        status, logged = platform.call(
            "POST",
            f"{pair}/v1/contacts",
            {
                "child_id": grade_drop["child"]["id"],
                "kind": "phone_call",
                "counterpart": "child",
                "occurred_at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 60)),
                "duration_minutes": 15,
                "notes": "孩子说想妈妈",
            },
        )
        assert status == 201, logged
        assert "helper_contact_monthly" in [m["duty"] for m in logged["met"]]
        status, mine = platform.call("GET", f"{pair}/v1/me/children")
        assert status == 200, mine
        assert [c["child_id"] for c in mine] == [grade_drop["child"]["id"]]
        monthly = next(o for o in mine[0]["obligations"] if o["duty"] == "helper_contact_monthly")
        assert monthly["met"] is True
        assert any(not o["met"] for o in mine[0]["obligations"])  # the home visit is still due
        card = eventually(lambda: platform.call("GET", f"{reg}/v1/children/{grade_drop['child']['id']}"))
        assert card[0] == 200, card  # the registry learnt of the pairing from pairing.pairings
        assert platform.call("GET", f"{reg}/v1/children/{other['id']}")[0] == 404
        status, cards = platform.call("GET", f"{reg}/v1/my-children")
        assert status == 200
        assert [c["child_id"] for c in cards["items"]] == [grade_drop["child"]["id"]]
    finally:
        platform.token = platform_token
    # Reporting learnt it all from the topics: half the school paired, the call met this month.
    rep = platform.api["reporting"]

    def school() -> dict[str, Any]:
        found: dict[str, Any] = platform.call("GET", f"{rep}/v1/org-units/{units['school']}/kpis")[1]
        return found

    def settled() -> dict[str, Any] | None:
        k = school()
        return k if k["paired"] == 1 and k["compliance"]["met"] >= 1 else None

    kpis = eventually(settled)
    assert kpis is not None, school()
    assert (kpis["children"], kpis["unpaired"], kpis["coverage"]) == (2, 1, 0.5)
    assert kpis["by_guardian"] == {"grandparent": 1, "none": 1}
    monthly = next(d for d in kpis["compliance"]["by_duty"] if d["duty"] == "helper_contact_monthly")
    assert (monthly["due"], monthly["met"]) == (1, 1)
    status, behind = platform.call("GET", f"{rep}/v1/org-units/{units['school']}/children?figure=unpaired")
    assert status == 200, behind
    assert [c["child_id"] for c in behind["items"]] == [other["id"]]
