"""`shouhu-reporting rebuild`: the read models rebuilt from every topic, into an empty database.

Stop the reporting worker first and point the rebuild at an empty database (SHOUHU_REPORTING_
DATABASE_URL); start the worker on it afterwards. The rebuild reads outside any consumer group, so
the worker resumes at its committed offsets, and its inbox skips what the rebuild applied.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from reporting.service_layer.rebuild import NotEmpty, Rebuilt, rebuild
from shouhu_kit.runtime import ConsumerSpec, Runtime

HELP = (
    "从全部事件重建统计读模型（空数据库）/ rebuild the read models from every topic, into an empty database"
)


def rebuild_command(
    runtime: Runtime, specs: Sequence[ConsumerSpec], argv: Sequence[str], out: TextIO = sys.stdout
) -> int:
    """Parse the options, rebuild, print what was replayed per topic; 0, or 1 when refused."""
    parser = argparse.ArgumentParser(prog="shouhu-reporting rebuild", description=HELP)
    parser.add_argument(
        "--batch-size", type=int, default=None, help="events per transaction (default: consumer_batch_size)"
    )
    args = parser.parse_args(list(argv))
    try:
        done = rebuild(runtime=runtime, specs=specs, batch_size=args.batch_size)
    except NotEmpty as refused:
        tables = ", ".join(f"{name} {n}" for name, n in refused.held.items())
        print(
            "重建需要空数据库，以下表已有数据 / the rebuild needs an empty database; these tables hold rows: "
            f"{tables}.\n请将 SHOUHU_REPORTING_DATABASE_URL 指向新数据库 / point "
            "SHOUHU_REPORTING_DATABASE_URL at a new database (or empty these tables) and run it again.",
            file=sys.stderr,
        )
        return 1
    finally:
        runtime.db.dispose()
    print(report(done), file=out)
    return 0


def report(done: Rebuilt) -> str:
    """A table of what each topic gave, and the overdue tasks found."""
    heads = ("topic", "read", "applied", "skipped", "not handled", "undecodable", "failed")
    rows = [
        (
            t,
            str(s.read),
            str(s.applied),
            str(s.skipped),
            str(s.not_handled),
            str(s.undecodable),
            str(s.failed),
        )
        for t, s in sorted(done.topics.items())
    ]
    widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(len(heads))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in [heads, *rows]
    ]
    lines.append(f"逾期任务 / tasks marked overdue: {done.overdue}")
    for topic, s in sorted(done.topics.items()):
        if s.deleted:
            lines.append(
                f"警告 / warning: {topic} lost {s.deleted} records to retention before its first offsets; "
                "the rebuilt figures lack them"
            )
    return "\n".join(lines)
