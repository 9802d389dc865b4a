"""Seed a running platform with a demo city through the registry's HTTP API, as a user would.

    .venv/bin/python tools/demo_city.py [--api http://127.0.0.1:8001] [--children-per-class 12]

Creates 示范市 with two districts, their townships, villages, schools and classes, registers children
with valid GB 11643 ID numbers and phones, and records two terms of results in which a few children
fall sharply (so the alerts service opens follow-up tasks). Then, through the pairing API: teachers
at each school (one named class teacher per class), a volunteer and a caring mother per township, a
leader per district; match suggestions for each school accepted; this month's call logged for most
paired children, so some obligations are met and some are due. Prints what it made.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("小明 小红 子涵 欣怡 浩然 梓轩 雨桐 思远 佳怡 宇航 诗涵 俊杰 一诺 晨曦 安琪 家豪").split()  # noqa: SIM905
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number(birth: str, rng: random.Random) -> str:
    """A valid 18-character ID for a birth date (YYYYMMDD)."""
    body = "410102" + birth + f"{rng.randrange(1000):03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


class Api:
    """A tiny JSON client."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base.rstrip("/"), token

    def call(self, method: str, path: str, body: Any = None) -> Any:
        req = urllib.request.Request(  # noqa: S310 - the platform's own loopback URL
            self.base + path,
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310
                return json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            sys.exit(f"{method} {path} → {e.code}: {e.read().decode()[:500]}")


def main() -> int:
    """Build the demo city."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--api", default="http://127.0.0.1:8001")
    p.add_argument("--pairing", default="http://127.0.0.1:8002", help="the pairing API ('' to skip)")
    p.add_argument("--alerts", default="http://127.0.0.1:8003", help="the alerts API ('' to skip)")
    p.add_argument("--token", default=None, help="default: a development admin token")
    p.add_argument("--children-per-class", type=int, default=12)
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    token = (
        args.token
        or subprocess.run(
            [str(ROOT / ".venv/bin/shouhu-registry"), "dev-token"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "SHOUHU_ENV": os.environ.get("SHOUHU_ENV", "dev")},
        ).stdout.strip()
    )
    api, rng, tag = Api(args.api, token), random.Random(args.seed), uuid.uuid4().hex[:4]

    def unit(kind: str, code: str, name: str, parent: str | None) -> str:
        return str(
            api.call(
                "POST",
                "/v1/org-units",
                {"kind": kind, "code": f"{tag}-{code}", "name": name, "parent_id": parent},
            )["id"]
        )

    city = unit("city", "C", "示范市", None)
    classes, villages, made, drops = [], [], 0, 0
    schools: dict[str, list[str]] = {}
    towns: list[str] = []
    districts: list[str] = []
    for d, dname in enumerate(("城关区", "青山县")):
        district = unit("district", f"D{d}", dname, city)
        districts.append(district)
        for t, tname in enumerate(("东城镇", "西河乡")):
            town = unit("township", f"D{d}T{t}", f"{dname[:2]}{tname}", district)
            towns.append(town)
            villages += [
                unit("village", f"D{d}T{t}V{v}", f"{tname[:2]}{'一二'[v]}村", town) for v in range(2)
            ]
            school = unit("school", f"D{d}T{t}S", f"{tname[:2]}中心小学", town)
            schools[school] = [
                unit("class", f"D{d}T{t}S{g}", f"{'三四五'[g]}年级(1)班", school) for g in range(3)
            ]
            classes += schools[school]
    for klass in classes:
        for i in range(args.children_per_class):
            birth = f"{rng.randint(2012, 2018)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            kind = rng.choice(["both_parents", "both_parents", "father", "mother"])
            guardian = (
                None
                if rng.random() < 0.15
                else {
                    "name": rng.choice(SURNAMES) + "奶奶",
                    "relation": "祖母",
                    "age": rng.randint(55, 82),
                    "phone": f"139{rng.randrange(10**8):08d}",
                    "rating": rng.choice(["好", "较好", "差"]),
                }
            )
            child = api.call(
                "POST",
                "/v1/children",
                {
                    "name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                    "gender": rng.choice(["男", "女"]),
                    "birth_date": f"{birth[:4]}-{birth[4:6]}-{birth[6:]}",
                    "id_number": id_number(birth, rng),
                    "left_behind_type": kind,
                    "class_id": klass,
                    "home_village_id": rng.choice(villages),
                    "father": {
                        "name": "父亲",
                        "phone": f"138{rng.randrange(10**8):08d}",
                        "work_city": "深圳",
                    },
                    "mother": {
                        "name": "母亲",
                        "work_city": "东莞",
                        **({"phone": f"137{rng.randrange(10**8):08d}"} if rng.random() < 0.8 else {}),
                    },
                    "guardian": guardian,
                },
            )
            made += 1
            rank = rng.randint(1, 40)
            fall = i % 5 == 0
            drops += fall
            for term, r, total in (
                ("2025-2026-1", rank, 520.0),
                ("2025-2026-2", min(rank + (15 if fall else 2), 45), 520.0 * (0.8 if fall else 0.98)),
            ):
                api.call(
                    "PUT",
                    f"/v1/children/{child['id']}/term-results/{term}",
                    {"total_score": round(total, 1), "class_rank": r, "class_size": 45},
                )
    print(
        f"示范市 {city}: 2 districts, 4 townships, {len(villages)} villages, 4 schools, "
        f"{len(classes)} classes"
    )
    print(
        f"registered {made} children; {drops} with a big drop in 2025-2026-2 (expect as many follow-up tasks)"
    )
    teachers: dict[str, dict[str, Any]] = {}
    if args.pairing:
        teachers = pair_city(
            Api(args.pairing, token), rng, made, schools=schools, towns=towns, districts=districts
        )
    if args.alerts:
        offices = Api(args.alerts, token)
        holders = [(k, "class_teacher", t["account"], t["name"]) for k, t in teachers.items()]
        holders += [(v, "village_director", f"{tag}-vd{i}", "村儿童主任") for i, v in enumerate(villages)]
        holders += [(t, "township_supervisor", f"{tag}-ts{i}", "儿童督导员") for i, t in enumerate(towns)]
        holders += [(d, "district_office", f"{tag}-do{i}", "区民政局") for i, d in enumerate(districts)]
        for unit_id, role, account, name in holders:
            offices.call("PUT", f"/v1/org-units/{unit_id}/offices/{role}", {"account": account, "name": name})
            offices.call(
                "PUT", f"/v1/people/{account}", {"name": name, "email": f"{account}@demo.example.cn"}
            )
        print(
            f"alerts: {len(holders)} offices named (class teachers, child directors, supervisors, district)"
        )
    return 0


def pair_city(
    api: Api,
    rng: random.Random,
    children: int,
    *,
    schools: dict[str, list[str]],
    towns: list[str],
    districts: list[str],
) -> dict[str, dict[str, Any]]:
    """Helpers, class teachers, suggestions accepted, this month's calls for most paired children; the
    class teacher of each class."""
    for _ in range(60):  # the pairing worker follows the registry's events within a second or two
        if len(api.call("GET", "/v1/children/unpaired?limit=500")) >= children:
            break
        time.sleep(1)
    helpers = 0
    now = datetime.now(UTC)  # replaced by the platform's own time (it may run on an accelerated clock)

    def helper(name: str, kind: str, unit_id: str) -> dict[str, Any]:
        nonlocal helpers
        helpers += 1
        body = {"name": name, "kind": kind, "unit_id": unit_id, "phone": f"136{rng.randrange(10**8):08d}"}
        nonlocal now
        made: dict[str, Any] = api.call("POST", "/v1/helpers", body)
        now = datetime.fromisoformat(made["registered_at"])
        return made

    class_teachers: dict[str, dict[str, Any]] = {}
    for school, its_classes in schools.items():
        for klass in its_classes:
            teacher = helper(rng.choice(SURNAMES) + "老师", "teacher", school)
            api.call("PUT", f"/v1/classes/{klass}/class-teacher", {"helper_id": teacher["id"]})
            class_teachers[klass] = teacher
            helper(rng.choice(SURNAMES) + "老师", "teacher", school)
    for town in towns:
        helper(rng.choice(SURNAMES) + "志愿者", "volunteer", town)
        helper(rng.choice(SURNAMES) + "妈妈", "caring_mother", town)
    for district in districts:
        helper(rng.choice(SURNAMES) + "书记", "leader", district)
    paired = called = 0
    for school in schools:
        run = api.call("POST", "/v1/suggestions", {"unit_id": school, "limit": 500})
        decided = api.call("POST", f"/v1/suggestions/{run['run_id']}/accept", {"all": True})
        made = [d for d in decided if d["outcome"] == "created"]
        paired += len(made)
        accepted = {d["child_id"] for d in made}
        # Most helpers made this month's call; the rest are still due.
        for proposal in run["items"]:
            if proposal["child_id"] in accepted and rng.random() < 0.7:
                when = now - timedelta(hours=rng.randint(1, 48))
                api.call(
                    "POST",
                    "/v1/contacts",
                    {
                        "child_id": proposal["child_id"],
                        "helper_id": proposal["helper_id"],
                        "kind": rng.choice(["phone_call", "video_call"]),
                        "counterpart": "child",
                        "occurred_at": when.isoformat(),
                        "duration_minutes": rng.randint(5, 30),
                    },
                )
                called += 1
    print(
        f"pairing: {helpers} helpers, {paired} children paired from suggestions, "
        f"{called} calls logged this month"
    )
    return class_teachers


if __name__ == "__main__":
    raise SystemExit(main())
