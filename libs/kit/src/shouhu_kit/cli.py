"""The command line every service shares: `api`, `worker`, `init-db`, `dev-token`, and a service's own."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import uvicorn
from fastapi import FastAPI

from shouhu_kit.auth import Role, issue_token
from shouhu_kit.settings import ServiceSettings

S = TypeVar("S", bound=ServiceSettings)
BUILT_IN = ("api", "worker", "init-db", "dev-token", "replay-dead-letters")


@dataclass(frozen=True)
class ServiceCommand(Generic[S]):
    """A command of one service's own (`shouhu-reporting rebuild`): it parses the arguments after its name."""

    help: str
    run: Callable[[S, Sequence[str]], int]  # (the service's settings, its arguments) -> exit status


def run_service(
    *,
    settings_cls: type[ServiceSettings],
    build_api: Callable[[ServiceSettings], FastAPI],
    build_worker: Callable[[ServiceSettings], FastAPI],
    init_db: Callable[[ServiceSettings], None],
    argv: list[str] | None = None,
    commands: Mapping[str, ServiceCommand[Any]] | None = None,
) -> int:
    """Parse the command and run it."""
    commands = commands or {}
    clash = set(commands) & set(BUILT_IN)
    if clash:
        raise ValueError(f"a service command may not reuse a built-in name: {sorted(clash)}")
    args_in = sys.argv[1:] if argv is None else argv
    epilog = "; ".join(f"{name}: {c.help}" for name, c in commands.items()) or None
    parser = argparse.ArgumentParser(prog=f"shouhu-{settings_cls.service}", epilog=epilog)
    parser.add_argument("command", choices=[*BUILT_IN, *commands])
    parser.add_argument("--role", default=Role.ADMIN.value, help="dev-token: the role")
    parser.add_argument("--org", default=None, help="dev-token: the org unit id")
    parser.add_argument(
        "--subject", default="dev", help="dev-token: the login subject (a helper's account, for a helper)"
    )
    parser.add_argument(
        "--consumer", default=None, help="replay-dead-letters: the consumer's name, e.g. children"
    )
    own = commands.get(args_in[0]) if args_in else None
    args = parser.parse_args(args_in[:1] if own else args_in)  # a service's command parses its own
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr
    )
    try:
        settings = settings_cls()
    except ValueError as exc:  # fail fast, naming the bad setting
        print(f"invalid settings for {settings_cls.service}: {exc}", file=sys.stderr)
        if "env\n" in str(exc):
            print("set SHOUHU_ENV to dev, test or prod (there is no default)", file=sys.stderr)
        return 2
    if own is not None:
        return own.run(settings, args_in[1:])
    if args.command == "init-db":
        init_db(settings)
        return 0
    if args.command == "dev-token":
        import uuid

        org = uuid.UUID(args.org) if args.org else None
        print(
            issue_token(
                secret=settings.jwt_secret,
                subject=args.subject,
                role=Role(args.role),
                org_id=org,
                issuer=settings.jwt_issuer,
            )
        )
        return 0
    if args.command == "replay-dead-letters":
        return _replay(settings, args.consumer)
    app = build_api(settings) if args.command == "api" else build_worker(settings)
    port = settings.api_port if args.command == "api" else settings.worker_port
    uvicorn.run(app, host=settings.http_host, port=port, log_level="info", access_log=False)
    return 0


def _replay(settings: ServiceSettings, consumer: str | None) -> int:
    """Replay one consumer's dead letters onto their original topics."""
    from shouhu_contracts.topics import dead_letter_topic
    from shouhu_kit.dead_letters import replay_dead_letters
    from shouhu_kit.runtime import kafka_adapters

    if not consumer:
        print("--consumer is required (e.g. --consumer children)", file=sys.stderr)
        return 2
    group = settings.group(consumer)
    broker = kafka_adapters(settings)
    publisher = broker.publisher()
    try:
        count = replay_dead_letters(
            source=broker.source(f"{group}.replay", [dead_letter_topic(group)]), publisher=publisher
        )
    finally:
        publisher.close()
    print(f"replayed {count} dead letters of {group}")
    return 0
