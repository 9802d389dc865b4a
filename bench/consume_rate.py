"""Each service's consumer in events per second, beside the raw kafka-python rate on the same broker.

    .venv/bin/python -m bench.consume_rate [--db sqlite|postgres|both] [--events 20000]
        [--raw-messages 50000] [--services pairing,alerts,reporting] [--label before]
        [--profile alerts] [--smoke]

(a) Raw: N real encoded events (the ChildRegistered and TermResultRecorded examples with a fresh
    child id each, wrapped by new_event/encode_event, keyed by child id; one registration then two
    results per child) produced with the platform's producer settings into a fresh 12-partition
    topic, then consumed four ways: poll only; poll and a synchronous offset commit per poll (what
    the consumer loop does); that plus decode_event per record; that plus one empty SQLite
    transaction per record.
(b) Consumers: a prefixed registry.org and registry.children are filled with a consistent
    synthetic city (org units first, then per child: registered and two term results), then each
    service's consumer loops are built from its bootstrap with shouhu_kit.runtime, exactly as its
    worker builds them (relay included), on a fresh database, and run from the start until every
    record is processed. Rate = records / (last record processed − first record received).
`--city N` fills the consumer topics from bench.synthetic_city instead: the first `--events`
registrations and results of a city of N children and the org units they sit in (the city's own
sizes and keys; `--compact-city`: in the demo's small shape, for a smoke run); `--skip-raw`
leaves out (a), which bench.raw_limits measures in the harness's run.
`--profile SERVICE` runs that service's catch-up under cProfile (all threads; slower).
Writes bench/results/<date>-consume_rate-<db>-<label>.json (or `--json-out`) and prints Markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import resource
import sqlite3
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer
from sqlalchemy import func, select, text

from bench import benchlib as bl
from shouhu_contracts.catalogue import decode_event
from shouhu_contracts.envelope import EventData, encode_event, new_event
from shouhu_contracts.org import Gender, GuardianshipRating, LeftBehindType, OrgKind
from shouhu_contracts.registry.v1 import ChildRegistered, OrgUnitCreated, TermResultRecorded
from shouhu_contracts.topics import DEAD_LETTER_PARTITIONS, TOPICS_BY_NAME, dead_letter_topic
from shouhu_kit.broker import IncomingMessage, MessageSource
from shouhu_kit.runtime import ConsumerSpec, Runtime
from shouhu_kit.settings import ServiceSettings

SOURCE = "/shouhu/registry"
AT = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
Message = tuple[bytes, bytes]  # key, value


# ---------------------------------------------------------------- events


def encoded(data: EventData, at: datetime = AT) -> Message:
    """An event as the relay puts it on the wire: key, structured CloudEvent bytes."""
    event = new_event(event_id=uuid.uuid4(), source=SOURCE, time=at, data=data)
    return data.key().encode(), encode_event(event)


def example_messages(n: int) -> list[Message]:
    """n messages from the contract examples: per child a registration and two results."""
    reg, res = ChildRegistered.example(), TermResultRecorded.example()
    out: list[Message] = []
    while len(out) < n:
        child = uuid.uuid4()
        out.append(encoded(reg.model_copy(update={"child_id": child})))
        out.append(encoded(res.model_copy(update={"child_id": child})))
        out.append(
            encoded(res.model_copy(update={"child_id": child, "term": "2025-2026-2", "class_rank": 9}))
        )
    return out[:n]


@dataclass
class City:
    """A synthetic city's events, in the order the registry would publish them."""

    org: list[Message]
    children: list[Message]
    n_children: int
    drops: int


def synthetic_city(total: int, seed: int = 11) -> City:
    """Org units (1 city, 2 districts, 4 townships, 8 villages, 4 schools, 24 classes), then children."""
    rng = random.Random(seed)  # noqa: S311 - made-up children
    org: list[Message] = []
    classes: list[list[uuid.UUID]] = []
    villages: list[list[uuid.UUID]] = []

    def unit(kind: OrgKind, code: str, name: str, parent: list[uuid.UUID] | None) -> list[uuid.UUID]:
        uid = uuid.uuid4()
        path = [*(parent or []), uid]
        org.append(
            encoded(
                OrgUnitCreated(
                    unit_id=uid,
                    kind=kind,
                    code=code,
                    name=name,
                    parent_id=parent[-1] if parent else None,
                    path=path,
                    created_at=AT,
                )
            )
        )
        return path

    city = unit(OrgKind.CITY, "C", "压测市", None)
    for d in range(2):
        district = unit(OrgKind.DISTRICT, f"D{d}", f"第{d + 1}区", city)
        for t in range(2):
            town = unit(OrgKind.TOWNSHIP, f"D{d}T{t}", f"{t + 1}镇", district)
            villages += [unit(OrgKind.VILLAGE, f"D{d}T{t}V{v}", f"{v + 1}村", town) for v in range(2)]
            school = unit(OrgKind.SCHOOL, f"D{d}T{t}S", "中心小学", town)
            classes += [unit(OrgKind.CLASS, f"D{d}T{t}S{g}", f"{g + 1}年级(1)班", school) for g in range(6)]
    n_children = max(1, (total - len(org)) // 3)
    children: list[Message] = []
    drops = 0
    for i in range(n_children):
        child = uuid.uuid4()
        klass, home = classes[i % len(classes)], villages[i % len(villages)]
        at = AT + timedelta(seconds=i)
        children.append(
            encoded(
                ChildRegistered(
                    child_id=child,
                    name="王小明",
                    gender=Gender.MALE if i % 2 else Gender.FEMALE,
                    birth_date=date(2012, 1, 1) + timedelta(days=i % 2500),
                    left_behind_type=rng.choice(list(LeftBehindType)),
                    class_id=klass[-1],
                    org_path=klass,
                    school_id=klass[-2],
                    home_village_id=home[-1],
                    home_path=home,
                    has_guardian=i % 7 != 0,
                    guardian_rating=None if i % 7 == 0 else GuardianshipRating.GOOD,
                    guardian_age=None if i % 7 == 0 else 60 + i % 20,
                    registered_at=at,
                ),
                at,
            )
        )
        fall = i % 5 == 0
        drops += fall
        rank = 1 + i % 30
        for term, r, total_score in (
            ("2025-2026-1", rank, 520.0),
            ("2025-2026-2", rank + (15 if fall else 2), 520.0 * (0.8 if fall else 0.98)),
        ):
            children.append(
                encoded(
                    TermResultRecorded(
                        child_id=child,
                        term=term,
                        total_score=round(total_score, 1),
                        class_rank=r,
                        class_size=45,
                        org_path=klass,
                        recorded_at=at,
                    ),
                    at,
                )
            )
    return City(org=org, children=children, n_children=n_children, drops=drops)


def generated_city(children: int, events: int, seed: int = 2026, *, compact: bool = False) -> City:
    """bench.synthetic_city's first `events` child events, and the org units they need.

    The city, its districts, then township by township (as the registry publishes them) the units
    and the registrations and results of each township, until `events` child events are taken:
    the org part grows with the events read, not with the city (whose whole tree of a million
    children is 150,000 units).
    """
    from bench.synthetic_city import SyntheticCity, encode, org_event, town_events

    city = (
        SyntheticCity(children, seed, districts=2, townships_per_district=2, villages_per_township=3)
        if compact
        else SyntheticCity(children, seed)
    )
    org = [(d.key().encode(), encode(d)) for d in map(org_event, [city.root, *city.districts])]
    msgs: list[Message] = []
    registered = 0
    wanted = {"registry.children"}.__contains__
    for town in city.townships():
        org += [(d.key().encode(), encode(d)) for d in map(org_event, town.units())]
        for data in town_events(town, wanted):
            msgs.append((data.key().encode(), encode(data)))
            registered += isinstance(data, ChildRegistered)
            if len(msgs) >= events:
                return City(org=org, children=msgs, n_children=registered, drops=0)
    return City(org=org, children=msgs, n_children=registered, drops=0)


# ---------------------------------------------------------------- Kafka


def producer(bootstrap: str) -> Any:
    """The platform's producer settings (shouhu_kit.kafka_adapters.KafkaPublisher)."""
    return KafkaProducer(
        bootstrap_servers=bootstrap.split(","),
        client_id="shouhu-bench",
        acks="all",
        enable_idempotence=True,
        max_in_flight_requests_per_connection=5,
        linger_ms=5,
    )


def produce(bootstrap: str, topic: str, messages: Sequence[Message]) -> float:
    """Send all and wait for the acknowledgements; seconds."""
    p = producer(bootstrap)
    try:
        t0 = time.perf_counter()
        for key, value in messages:
            p.send(topic, key=key, value=value)
        p.flush(timeout=120)
        return time.perf_counter() - t0
    finally:
        p.close(timeout=10)


def create_topics(bootstrap: str, topics: Sequence[tuple[str, int]]) -> None:
    from shouhu_kit.kafka_adapters import ensure_topics

    ensure_topics(bootstrap_servers=bootstrap, topics=topics)


def raw_consume(
    bootstrap: str, topic: str, n: int, *, commit: bool, per_record: Callable[[bytes], object] | None
) -> dict[str, float]:
    """Read n records with a fresh group as the platform's source does; rate from the first record."""
    c = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","),
        group_id=f"{topic}.raw.{uuid.uuid4().hex[:6]}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=500,
    )
    c.subscribe([topic])
    got, first, t_start = 0, 0.0, time.perf_counter()
    cpu0 = time.thread_time()
    try:
        deadline = t_start + 300
        while got < n and time.perf_counter() < deadline:
            batches = c.poll(timeout_ms=500)
            for records in batches.values():
                if records and not first:
                    first = time.perf_counter()
                if per_record is not None:
                    for r in records:
                        per_record(r.value)
                got += len(records)
            if commit and batches:
                c.commit()
        end = time.perf_counter()
    finally:
        c.close(autocommit=False)
    steady = end - first if first else 0.0
    return {
        "records": got,
        "seconds_from_first_record": round(steady, 3),
        "seconds_with_join": round(end - t_start, 3),
        "per_s": round(got / steady, 1) if steady else 0.0,
        "thread_cpu_s": round(time.thread_time() - cpu0, 3),
    }


def raw_rates(bootstrap: str, n: int, work: Path, repeat: int) -> dict[str, Any]:
    """Produce and consume the raw topic four ways, each the best of `repeat` (the machine is shared)."""
    topic = f"{bl.unique_prefix('raw')}registry.children"
    msgs = example_messages(n)
    create_topics(bootstrap, [(topic, TOPICS_BY_NAME["registry.children"].partitions)])
    bl.say(f"raw: producing {n} messages into {topic}")
    seconds = produce(bootstrap, topic, msgs)
    db = sqlite3.connect(work / "raw-txn.db", isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE seen (n INTEGER)")

    def one_txn(value: bytes) -> None:
        decode_event(value)
        db.execute("BEGIN")
        db.execute("INSERT INTO seen (n) VALUES (1)")
        db.execute("COMMIT")

    out: dict[str, Any] = {
        "topic_partitions": TOPICS_BY_NAME["registry.children"].partitions,
        "messages": n,
        "mean_value_bytes": round(sum(len(v) for _k, v in msgs) / n, 1),
        "produce": {"seconds": round(seconds, 3), "per_s": round(n / seconds, 1)},
    }
    try:
        for name, commit, fn in (
            ("consume (poll only)", False, None),
            ("consume + commit per poll", True, None),
            ("consume + commit + decode_event", True, decode_event),
            ("consume + commit + decode + 1 SQLite txn per record", True, one_txn),
        ):
            bl.say(f"raw: {name} (best of {repeat})")
            limit = n if fn is not one_txn else min(n, 3000)
            runs = [raw_consume(bootstrap, topic, limit, commit=commit, per_record=fn) for _ in range(repeat)]
            best = max(runs, key=lambda r: r["per_s"])
            out[name] = {**best, "all_per_s": [r["per_s"] for r in runs]}
    finally:
        db.close()
        with contextlib.suppress(Exception):
            bl.delete_topics(bootstrap, topic.split(".", 1)[0] + ".")
    return out


# ---------------------------------------------------------------- one service's consumers


def service_parts(
    service: str, settings_kw: dict[str, Any]
) -> tuple[ServiceSettings, Runtime, list[ConsumerSpec]]:
    """The service's settings, runtime and consumer specs, from its own bootstrap."""
    import importlib

    boot = importlib.import_module(f"{service}.bootstrap")
    s: ServiceSettings = boot.SERVICE.settings(**settings_kw)
    return s, boot.SERVICE.runtime(s), list(boot.SERVICE.consumers(s))


class TimedSource:
    """A MessageSource that notes when its first record arrived."""

    def __init__(self, inner: MessageSource, mark: Callable[[], None]) -> None:
        self._inner, self._mark = inner, mark

    def poll(self, timeout_ms: int) -> list[IncomingMessage]:
        got = self._inner.poll(timeout_ms)
        if got:
            self._mark()
        return got

    def commit(self, offsets: dict[tuple[str, int], int]) -> None:
        self._inner.commit(offsets)

    def close(self) -> None:
        self._inner.close()


def run_service(
    service: str,
    db_url: str,
    prefix: str,
    counts: dict[str, int],
    bootstrap: str,
    work: Path,
    *,
    profile: bool,
    extra_pids: Callable[[], list[int]],
) -> dict[str, Any]:
    """Catch one service up from the start of the prefilled topics; its figures."""
    settings, rt, specs = service_parts(
        service,
        {
            "env": "dev",
            "database_url": db_url,
            "kafka_bootstrap_servers": bootstrap,
            "kafka_topic_prefix": prefix,
            "data_dir": str(work),
        },
    )
    rt.db.create_schema()
    # What the worker does at start: the catalogue's topics and its dead-letter topics exist.
    rt.broker.ensure_topics(
        rt.catalogue_topics()
        + [(dead_letter_topic(settings.group(s.name)), DEAD_LETTER_PARTITIONS) for s in specs]
    )
    first: list[float] = []
    lock = threading.Lock()

    def mark() -> None:
        with lock:
            if not first:
                first.append(time.perf_counter())

    plain_source = rt.broker.source
    rt.broker.source = lambda group, topics: TimedSource(plain_source(group, topics), mark)
    publisher = rt.broker.publisher()
    relay = rt.relay(publisher)
    loops = [(spec, rt.consumer(spec, publisher)) for spec in specs]
    expected = {spec.name: sum(counts.get(t, 0) for t in spec.topics) for spec in specs}
    got = dict.fromkeys(expected, 0)
    thread_cpu = dict.fromkeys(expected, 0.0)
    finished: dict[str, float] = {}
    stop = threading.Event()
    deadline = time.perf_counter() + 900

    errors: dict[str, int] = {}

    def drive(name: str, loop: Any) -> None:
        cpu0 = time.thread_time()
        while got[name] < expected[name] and time.perf_counter() < deadline and not stop.is_set():
            try:
                got[name] += loop.run_once(timeout_ms=200)
            except Exception as exc:  # as ConsumerLoop.run_forever: the member rejoins and reads again
                key = f"{name}: {type(exc).__name__}"
                errors[key] = errors.get(key, 0) + 1
                bl.say(f"{service} {key}: {str(exc)[:300]}; retrying")
                time.sleep(1.0)
        finished[name] = time.perf_counter()
        thread_cpu[name] = time.thread_time() - cpu0

    profiler = None
    if profile:
        from bench.profiling import ThreadProfiler

        profiler = ThreadProfiler()
        profiler.start()
    meter = bl.CpuMeter({"kafka broker (shared)": extra_pids, **_pg_group(db_url)})
    usage0 = resource.getrusage(resource.RUSAGE_SELF)
    meter.start()
    t0 = time.perf_counter()
    relay_thread = threading.Thread(target=relay.run_forever, args=(stop,), daemon=True)
    relay_thread.start()
    threads = [threading.Thread(target=drive, args=(spec.name, loop), daemon=True) for spec, loop in loops]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    end = max(finished.values())
    stop.set()
    relay_thread.join(10)
    cpu = meter.stop()
    usage1 = resource.getrusage(resource.RUSAGE_SELF)
    stats = profiler.stop() if profiler else None
    for _spec, loop in loops:
        loop.close()
    publisher.close()
    total = sum(got.values())
    steady = end - first[0] if first else 0.0
    with rt.db.engine.connect() as conn:
        processed: dict[str, int] = dict(
            conn.execute(
                select(rt.db.tables.processed_events.c.consumer_group, func.count()).group_by(
                    rt.db.tables.processed_events.c.consumer_group
                )
            ).all()
        )
        tasks = (
            conn.execute(text("SELECT count(*) FROM follow_up_tasks")).scalar_one()
            if service == "alerts"
            else None
        )
    rt.db.dispose()
    result: dict[str, Any] = {
        "records": total,
        "expected": sum(expected.values()),
        "per_loop": {n: {"records": got[n], "thread_cpu_s": round(thread_cpu[n], 2)} for n in got},
        "applied_rows_in_processed_events": {str(k): int(v) for k, v in processed.items()},
        "seconds_from_first_record": round(steady, 2),
        "seconds_with_join": round(end - t0, 2),
        "per_s": round(total / steady, 1) if steady else 0.0,
        "process_cpu_s": round((usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime), 2),
        "cpu": cpu,
        "profiled": profile,
        "loop_errors": errors,
    }
    if tasks is not None:
        result["tasks_opened"] = int(tasks)
    if stats is not None:
        from bench.profiling import summarise

        result["profile"] = summarise(stats, per=total, unit="event")
    return result


def _pg_group(db_url: str) -> dict[str, Callable[[], list[int]]]:
    if not db_url.startswith("postgresql"):
        return {}
    name = db_url.rsplit("/", 1)[1]
    return {"postgresql backends": lambda: bl.pg_backends([name])}


# ---------------------------------------------------------------- the run


@contextlib.contextmanager
def service_database(db: str, service: str, work: Path) -> Iterator[str]:
    """A fresh database for one service's catch-up."""
    if db == "sqlite":
        path = work / f"{service}-{uuid.uuid4().hex[:6]}.db"
        yield f"sqlite:///{path}"
        return
    name = f"bench_{uuid.uuid4().hex[:8]}_{service}"
    with bl.pg_databases([name]) as urls:
        yield urls[name]


def consumers_on(db: str, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Prefill a prefixed registry.org and registry.children, then catch each service up."""
    prefix = bl.unique_prefix("cons")
    city = (
        generated_city(args.city, args.events, compact=args.compact_city)
        if args.city
        else synthetic_city(args.events)
    )
    org_topic, children_topic = f"{prefix}registry.org", f"{prefix}registry.children"
    create_topics(
        args.kafka,
        [
            (org_topic, TOPICS_BY_NAME["registry.org"].partitions),
            (children_topic, TOPICS_BY_NAME["registry.children"].partitions),
        ],
    )
    bl.say(f"{db}: prefilling {len(city.org)} org and {len(city.children)} child events under {prefix}")
    produce(args.kafka, org_topic, city.org)
    produce(args.kafka, children_topic, city.children)
    counts = {"registry.org": len(city.org), "registry.children": len(city.children)}
    kafka_pid = bl.pid_listening(int(args.kafka.rsplit(":", 1)[1]))
    out: dict[str, Any] = {
        "events": sum(counts.values()),
        "by_topic": counts,
        "children": city.n_children,
        "city_children": args.city or None,
        "grade_drops": city.drops,
        "mean_value_bytes": round(
            sum(len(v) for _k, v in city.org + city.children) / sum(counts.values()), 1
        ),
        "services": {},
    }
    try:
        for service in args.services:
            bl.say(f"{db}: {service} catching up on {out['events']} events")
            with service_database(db, service, work) as url:
                out["services"][service] = run_service(
                    service,
                    url,
                    prefix,
                    counts,
                    args.kafka,
                    work,
                    profile=args.profile == service,
                    extra_pids=lambda: [kafka_pid] if kafka_pid else [],
                )
            r = out["services"][service]
            bl.say(f"{db}: {service}: {r['records']} records, {r['per_s']} /s")
    finally:
        with contextlib.suppress(Exception):
            bl.delete_topics(args.kafka, prefix)
    return out


def markdown(r: dict[str, Any]) -> str:
    raw = r["raw"] or {}
    base = raw["consume (poll only)"]["per_s"] if raw else 0.0
    rows: list[list[Any]] = (
        [["raw produce (acks=all, idempotent, linger 5 ms)", f"{raw['produce']['per_s']:,.0f}", "", ""]]
        if raw
        else []
    )
    for name in (
        ()
        if not raw
        else (
            "consume (poll only)",
            "consume + commit per poll",
            "consume + commit + decode_event",
            "consume + commit + decode + 1 SQLite txn per record",
        )
    ):
        v = raw[name]
        rows.append(
            [
                f"raw {name}",
                f"{v['per_s']:,.0f}",
                f"{v['per_s'] / base:.1%}" if base else "",
                f"{v['thread_cpu_s'] * 1000 / max(v['records'], 1):.3f}",
            ]
        )
    for db, part in r["consumers"].items():
        for svc, v in part["services"].items():
            rows.append(
                [
                    f"{svc} consumer on {db} ({v['records']} records, CPU {v['process_cpu_s']} s"
                    f" in {v['seconds_from_first_record']} s)",
                    f"{v['per_s']:,.0f}",
                    f"{v['per_s'] / base:.1%}" if base else "",
                    f"{v['process_cpu_s'] * 1000 / max(v['records'], 1):.3f}",
                ]
            )
    out = [
        f"### consume_rate — label {r['label']}",
        "",
        bl.machine_markdown(r["machine"]),
        "",
        (
            f"Raw topic: {raw['messages']} messages of {raw['mean_value_bytes']} bytes on average, "
            f"{raw['topic_partitions']} partitions. "
            if raw
            else ""
        )
        + "Consumer topics: "
        + "; ".join(
            f"{db} {p['events']} events ({p['children']} children, {p['mean_value_bytes']} bytes on average)"
            for db, p in r["consumers"].items()
        )
        + ".",
        f"One-row commit, at start → at end: SQLite WAL {r['commit_ms']['sqlite']} → "
        f"{r['commit_ms_at_end']['sqlite']} ms; PostgreSQL (fsync off, loopback) "
        f"{r['commit_ms']['postgresql']} → {r['commit_ms_at_end']['postgresql']} ms.",
        "",
        bl.md_table(["what", "events/s", "of raw consume", "CPU ms per event"], rows),
    ]
    for db, part in r["consumers"].items():
        for svc, v in part["services"].items():
            if "profile" in v:
                from bench.profiling import summary_markdown

                out += [
                    "",
                    f"Profile of the {svc} consumer's catch-up on {db}:",
                    "",
                    summary_markdown(v["profile"]),
                ]
    return "\n".join(out)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    p.add_argument("--events", type=int, default=20_000, help="registry events the consumers catch up on")
    p.add_argument("--raw-messages", type=int, default=50_000)
    p.add_argument("--services", default="pairing,alerts,reporting")
    p.add_argument("--profile", default=None, help="a service whose catch-up runs under cProfile")
    p.add_argument("--repeat", type=int, default=3, help="raw consume runs per variant (the best counts)")
    p.add_argument("--kafka", default=bl.DEFAULT_KAFKA)
    p.add_argument("--label", default="run")
    p.add_argument("--smoke", action="store_true", help="600 events, 3,000 raw messages")
    p.add_argument("--city", type=int, default=0, help="children of a bench.synthetic_city to read")
    p.add_argument("--skip-raw", action="store_true", help="leave out the raw kafka-python rates")
    p.add_argument(
        "--compact-city", action="store_true", help="--city in the demo's shape (2 districts of 2 townships)"
    )
    p.add_argument("--json-out", type=Path, default=None, help="write the result here instead")
    args = p.parse_args()
    if args.smoke:
        args.events, args.raw_messages, args.repeat = 600, 3000, 1
        if args.label == "run":
            args.label = "smoke"
    args.services = [s for s in args.services.split(",") if s]
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    m = bl.machine(pg_url=bl.DEFAULT_PG if "postgres" in dbs else None)
    bl.say(bl.machine_markdown(m))
    with tempfile.TemporaryDirectory(prefix="shouhu-bench-consume-") as tmp:
        work = Path(tmp)
        result: dict[str, Any] = {
            "bench": "consume_rate",
            "label": args.label,
            "db": args.db,
            "machine": m,
            "commit_ms": {
                "sqlite": bl.sqlite_commit_ms(work),
                "postgresql": bl.pg_commit_ms() if "postgres" in dbs else None,
            },
            "raw": None if args.skip_raw else raw_rates(args.kafka, args.raw_messages, work, args.repeat),
            "consumers": {db: consumers_on(db, args, work) for db in dbs},
        }
        # The disk is shared: what a commit costs can change during the run, so measure it again.
        result["commit_ms_at_end"] = {
            "sqlite": bl.sqlite_commit_ms(work),
            "postgresql": bl.pg_commit_ms() if "postgres" in dbs else None,
        }
    label = args.label + (f"-profile-{args.profile}" if args.profile else "")
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        path = bl.write_result("consume_rate", label, args.db, result)
        bl.say(f"result: {path.relative_to(bl.ROOT)}")
    print(markdown(result))
    complete = all(
        v["records"] >= v["expected"]
        for part in result["consumers"].values()
        for v in part["services"].values()
    )
    return 0 if complete else 1


if __name__ == "__main__":
    raise SystemExit(main())
