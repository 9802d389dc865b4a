"""Seed a running platform with a demo city through its HTTP APIs, as its users would.

    .venv/bin/python tools/demo_city.py [--api http://127.0.0.1:8001] [--pairing …:8002] [--alerts …:8003]
        [--children 200] [--seed 7] [--token T]

The city is bench.synthetic_city's, small: 示范市 with a district and a county (城关区, 青山县), two
townships each, three villages per township, their schools and classes, and about 200 children
(`--children`; `--children-per-class N` of the old demo asks for 16·N). Each child is registered
with a valid GB 11643 ID number and phones (the guardian mix, left-behind types, boarding and
missing phones of the seed's figures) and two terms of results in which a few fall sharply (the
alerts service opens follow-up tasks; children with no guardian get theirs too). Then, through the
pairing API: the helpers of each kind (teachers and a class teacher per class, volunteers, caring
mothers, leaders, peer students, companies), most pairings made directly and the rest by accepting
each school's match suggestions, and this month's contact logged for most paired children, so some
obligations are met and some are due. Through the alerts API: the offices a task escalates to
(class teachers, village child directors, township supervisors, the district office). Prints what
it made; a newcomer who ran `make run` sees a living city within a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench/ is a folder of the repository, not an installed package

from bench.synthetic_city import ApiLoader, LoadReport, SyntheticCity  # noqa: E402


class ApiError(RuntimeError):
    """An answer the demo did not expect."""


class Api:
    """A tiny JSON client for one service."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base.rstrip("/"), token

    def call(self, method: str, path: str, body: Any = None, *, retry_for: float = 0.0) -> Any:
        """Send one request; an unknown unit or child is retried while the workers follow (`retry_for`)."""
        deadline = time.monotonic() + retry_for
        while True:
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
                text = e.read().decode()
                # 404: a child not yet known; 422 naming a unit "not yet received from the registry".
                waiting = e.code == 404 or (e.code == 422 and "not yet received" in text)
                if waiting and time.monotonic() < deadline:
                    time.sleep(0.5)
                    continue
                raise ApiError(f"{method} {path} → {e.code}: {text[:500]}") from e


def dev_token() -> str:
    """A development admin token from the registry's own command."""
    return subprocess.run(
        [str(ROOT / ".venv/bin/shouhu-registry"), "dev-token"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "SHOUHU_ENV": os.environ.get("SHOUHU_ENV", "dev")},
    ).stdout.strip()


def demo_city(children: int, seed: int) -> SyntheticCity:
    """The demo's small city: 2 districts of 2 townships of 3 villages."""
    return SyntheticCity(children, seed, districts=2, townships_per_district=2, villages_per_township=3)


def name_offices(offices: Any, report: LoadReport, tag: str) -> int:
    """The people a task escalates to: class teachers, child directors, supervisors, the district.

    `offices(method, path, body)` calls the alerts API.
    """
    holders = [(k, "class_teacher", f"{tag}-{t.account}", t.name) for k, t in report.class_teachers.items()]
    holders += [(v, "village_director", f"{tag}-vd{i}", "村儿童主任") for i, v in enumerate(report.villages)]
    holders += [
        (t, "township_supervisor", f"{tag}-ts{i}", "儿童督导员") for i, t in enumerate(report.townships)
    ]
    holders += [(d, "district_office", f"{tag}-do{i}", "区民政局") for i, d in enumerate(report.districts)]
    for unit_id, role, account, name in holders:
        offices("PUT", f"/v1/org-units/{unit_id}/offices/{role}", {"account": account, "name": name})
        offices("PUT", f"/v1/people/{account}", {"name": name, "email": f"{account}@demo.example.cn"})
    return len(holders)


def wait_for_pairing(pairing: Api, children: int, timeout: float = 60.0) -> None:
    """Until the pairing service knows every child (its worker follows the registry's events)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        known = pairing.call("GET", "/v1/children/unpaired?limit=500")
        if len(known) >= min(children, 500):
            return
        time.sleep(1)
    raise ApiError(f"the pairing service did not learn the {children} children within {timeout:.0f} s")


def main() -> int:
    """Build the demo city."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--api", default="http://127.0.0.1:8001", help="the registry API")
    p.add_argument("--pairing", default="http://127.0.0.1:8002", help="the pairing API ('' to skip)")
    p.add_argument("--alerts", default="http://127.0.0.1:8003", help="the alerts API ('' to skip)")
    p.add_argument("--token", default=None, help="default: a development admin token")
    p.add_argument("--children", type=int, default=200, help="how many children (100–300 is a demo)")
    p.add_argument("--children-per-class", type=int, default=None, help="the old option: 16 classes of N")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args()
    children = args.children if args.children_per_class is None else 16 * args.children_per_class
    token = args.token or dev_token()
    tag = uuid.uuid4().hex[:4]  # unit codes and accounts of this run: the demo may run twice
    apis = {"registry": Api(args.api, token)}
    if args.pairing:
        apis["pairing"] = Api(args.pairing, token)
    city = demo_city(children, args.seed)

    def call(service: str, method: str, path: str, body: Any) -> Any:
        # Pairing learns units and children from the registry's events: an unknown one is awaited.
        return apis[service].call(method, path, body, retry_for=30.0 if service == "pairing" else 0.0)

    def settle(what: str, count: int) -> None:
        if what == "pairing children" and "pairing" in apis:
            wait_for_pairing(apis["pairing"], count)

    loader = ApiLoader(city, call, settle=settle, tag=tag)
    try:
        report = loader.load() if "pairing" in apis else loader.load_registry()
    except ApiError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(
        f"{city.name}: {len(report.districts)} districts, {len(report.townships)} townships, "
        f"{len(report.villages)} villages, {report.units} units in all"
    )
    print(
        f"registered {report.children} children with {report.results} term results "
        "(a few fall sharply: alerts opens follow-up tasks for them and for children with no guardian)"
    )
    if "pairing" in apis:
        print(
            f"pairing: {report.helpers} helpers, {report.pairings} pairings "
            f"({report.suggested} accepted from match suggestions), "
            f"{report.contacts} contacts logged this month"
        )
    if args.alerts:
        alerts = Api(args.alerts, token)
        try:
            named = name_offices(lambda m, path, body: alerts.call(m, path, body), report, tag)
        except ApiError as exc:
            print(exc, file=sys.stderr)
            return 1
        print(f"alerts: {named} offices named (class teachers, child directors, supervisors, district)")
    print(f"done in {report.seconds:.0f} s ({report.calls} API calls)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
