"""Raw limits of the machine's own Kafka and PostgreSQL, beside which the platform's figures are read.

    .venv/bin/python -m bench.raw_limits [--messages 50000] [--rows 20000] [--repeat 3] [--smoke]

Kafka (KAFKA_BOOTSTRAP_SERVERS, else SHOUHU_KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:19092): the
synthetic city's own registry events (bench.synthetic_city: registrations and term results, keyed
by child id, each a structured CloudEvent of the platform's size), produced with the platform's
producer settings into a fresh prefixed 12-partition topic, then read back with kafka-python as the
platform's consumers read (a fresh group, a synchronous commit per poll) and plain (poll only); the
topic is deleted after. Best of `--repeat` each: the machine is shared.

PostgreSQL (DATABASE_URL, else BENCH_PG_URL): in a schema of its own (dropped after), a table of the
outbox's shape (uuid, topic, key, jsonb payload, time), rows the size of the platform's events;
one INSERT and one COMMIT per row; multi-row INSERTs of 1,000 rows per statement (one commit per
statement); COPY of 1,000 rows per COPY (one commit per COPY).

Writes bench/results/<date>-raw_limits-kafka+pg-<label>.json (or --json-out) and prints Markdown.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from bench import benchlib as bl
from bench.consume_rate import create_topics, produce, raw_consume
from bench.synthetic_city import SyntheticCity
from shouhu_contracts.topics import TOPICS_BY_NAME

Message = tuple[bytes, bytes]


def kafka_url() -> str:
    """The broker the run uses: the tests' variable first, then the platform's."""
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or bl.DEFAULT_KAFKA


def pg_url() -> str:
    """A libpq URL of the database the run may create a schema in."""
    url = os.environ.get("DATABASE_URL") or bl.DEFAULT_PG
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def city_messages(n: int, seed: int = 2026) -> list[Message]:
    """n of the synthetic city's registry.children events, as the relay puts them on the wire."""
    city = SyntheticCity(max(n // 3 + 1, 100), seed)
    wanted = frozenset({"registry.children"})
    return [(k, v) for _t, k, v in itertools.islice(city.encoded(kinds=wanted), n)]


def kafka_rates(bootstrap: str, n: int, repeat: int) -> dict[str, Any]:
    """Produce n messages (best of `repeat` topics), then consume them two ways (best of `repeat`)."""
    msgs = city_messages(n)
    prefix = bl.unique_prefix("raw")
    partitions = TOPICS_BY_NAME["registry.children"].partitions
    out: dict[str, Any] = {
        "messages": len(msgs),
        "partitions": partitions,
        "mean_value_bytes": round(sum(len(v) for _k, v in msgs) / len(msgs), 1),
        "mean_key_bytes": round(sum(len(k) for k, _v in msgs) / len(msgs), 1),
    }
    try:
        produced = []
        topic = ""
        for i in range(repeat):
            topic = f"{prefix}registry.children.{i}"
            create_topics(bootstrap, [(topic, partitions)])
            bl.say(f"raw kafka: producing {len(msgs):,} messages into {topic}")
            produced.append(len(msgs) / produce(bootstrap, topic, msgs))
        out["produce_per_s"] = round(max(produced), 1)
        out["produce_all_per_s"] = [round(x, 1) for x in produced]
        for name, commit in (("consume_poll_only", False), ("consume_commit_per_poll", True)):
            runs = [
                raw_consume(bootstrap, topic, len(msgs), commit=commit, per_record=None)
                for _ in range(repeat)
            ]
            best = max(runs, key=lambda r: r["per_s"])
            out[f"{name}_per_s"] = best["per_s"]
            out[f"{name}_all_per_s"] = [r["per_s"] for r in runs]
            out[f"{name}_records"] = best["records"]
            bl.say(f"raw kafka: {name} {best['per_s']:,.0f}/s")
    finally:
        with contextlib.suppress(Exception):
            bl.delete_topics(bootstrap, prefix)
    return out


def pg_rates(url: str, rows: int, repeat: int, payload_bytes: int) -> dict[str, Any]:
    """Single-row and batched insert rates in a schema of its own, dropped after."""
    import psycopg
    from psycopg.types.json import Jsonb

    schema = f"bench_raw_{uuid.uuid4().hex[:8]}"
    payload = {"type": "registry.child.term_result_recorded.v1", "pad": "x" * max(payload_bytes - 60, 0)}
    out: dict[str, Any] = {"rows": rows, "payload_bytes": payload_bytes}
    with psycopg.connect(url) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        conn.execute(
            f"CREATE TABLE {schema}.t (seq bigserial PRIMARY KEY, id uuid NOT NULL, topic text NOT NULL,"
            " key text NOT NULL, payload jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())"
        )
        conn.commit()
        try:

            def row() -> tuple[Any, ...]:
                return (uuid.uuid4(), "registry.children", str(uuid.uuid4()), Jsonb(payload))

            def single(n: int) -> float:
                sql = f"INSERT INTO {schema}.t (id, topic, key, payload) VALUES (%s, %s, %s, %s)"  # noqa: S608
                t0 = time.perf_counter()
                for _ in range(n):
                    conn.execute(sql, row())
                    conn.commit()
                return n / (time.perf_counter() - t0)

            def multi(n: int, batch: int = 1000) -> float:
                values = ", ".join(["(%s, %s, %s, %s)"] * batch)
                sql = f"INSERT INTO {schema}.t (id, topic, key, payload) VALUES {values}"  # noqa: S608
                t0 = time.perf_counter()
                for _ in range(n // batch):
                    conn.execute(sql, [v for _ in range(batch) for v in row()])
                    conn.commit()
                return (n // batch) * batch / (time.perf_counter() - t0)

            def copy(n: int, batch: int = 1000) -> float:
                t0 = time.perf_counter()
                with conn.cursor() as cur:
                    for _ in range(n // batch):
                        with cur.copy(f"COPY {schema}.t (id, topic, key, payload) FROM STDIN") as cp:
                            for _ in range(batch):
                                cp.write_row(row())
                        conn.commit()
                return (n // batch) * batch / (time.perf_counter() - t0)

            single_n = max(500, rows // 4)
            for name, fn, n in (
                ("single_row_insert_commit", single, single_n),
                ("multi_row_insert_1000", multi, rows),
                ("copy_1000", copy, rows),
            ):
                runs = [fn(n) for _ in range(repeat)]
                out[f"{name}_per_s"] = round(max(runs), 1)
                out[f"{name}_all_per_s"] = [round(x, 1) for x in runs]
                out[f"{name}_rows"] = n
                bl.say(f"raw postgresql: {name} {max(runs):,.0f} rows/s")
            out["table_rows_at_end"] = conn.execute(f"SELECT count(*) FROM {schema}.t").fetchone()[0]  # type: ignore[index]  # noqa: S608
        finally:
            conn.rollback()
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
            conn.commit()
    return out


def run(*, messages: int, rows: int, repeat: int) -> dict[str, Any]:
    """Both halves, with the machine described."""
    url = pg_url()
    m = bl.machine(pg_url=url)
    bl.say(bl.machine_markdown(m))
    kafka = kafka_rates(kafka_url(), messages, repeat)
    pg = pg_rates(url, rows, repeat, int(kafka["mean_value_bytes"]))
    return {"bench": "raw_limits", "machine": m, "kafka": kafka, "postgresql": pg}


def markdown(r: dict[str, Any]) -> str:
    """The figures as a table."""
    k, p = r["kafka"], r["postgresql"]
    rows = [
        ["Kafka produce (acks=all, idempotent, linger 5 ms)", f"{k['produce_per_s']:,.0f} msg/s"],
        ["Kafka consume, poll only", f"{k['consume_poll_only_per_s']:,.0f} msg/s"],
        [
            "Kafka consume, commit per poll (as the platform)",
            f"{k['consume_commit_per_poll_per_s']:,.0f} msg/s",
        ],
        ["PostgreSQL single-row INSERT + COMMIT", f"{p['single_row_insert_commit_per_s']:,.0f} rows/s"],
        ["PostgreSQL multi-row INSERT of 1,000", f"{p['multi_row_insert_1000_per_s']:,.0f} rows/s"],
        ["PostgreSQL COPY of 1,000", f"{p['copy_1000_per_s']:,.0f} rows/s"],
    ]
    return "\n".join(
        [
            "### raw limits",
            "",
            bl.machine_markdown(r["machine"]),
            "",
            f"Kafka: {k['messages']:,} messages, {k['mean_value_bytes']} bytes (key {k['mean_key_bytes']}),"
            f" {k['partitions']} partitions. PostgreSQL rows: a {p['payload_bytes']}-byte jsonb payload.",
            "",
            bl.md_table(["what", "rate"], rows),
        ]
    )


def main() -> int:
    """Run, write the result, print the table."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=50_000)
    p.add_argument("--rows", type=int, default=20_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--label", default="run")
    p.add_argument("--json-out", type=Path, default=None, help="write the result here instead")
    p.add_argument("--smoke", action="store_true", help="3,000 messages, 2,000 rows, once")
    args = p.parse_args()
    if args.smoke:
        args.messages, args.rows, args.repeat = 3000, 2000, 1
    result = run(messages=args.messages, rows=args.rows, repeat=args.repeat)
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        bl.say(f"result: {bl.write_result('raw_limits', args.label, 'kafka+pg', result)}")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
