"""A service's own commands on the shared command line (`shouhu-reporting rebuild`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from shouhu_kit.cli import ServiceCommand, run_service
from shouhu_kit.settings import ServiceSettings

pytestmark = pytest.mark.unit


class DemoSettings(ServiceSettings):
    """Settings of a made-up service."""

    service = "demo"


def _never(_settings: Any) -> Any:
    raise AssertionError("no built-in command runs")


def _run(argv: list[str], commands: dict[str, ServiceCommand[Any]]) -> int:
    return run_service(
        settings_cls=DemoSettings,
        build_api=_never,
        build_worker=_never,
        init_db=_never,
        argv=argv,
        commands=commands,
    )


def test_a_service_command_gets_the_settings_and_its_own_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHOUHU_ENV", "test")
    seen: list[tuple[str, Sequence[str]]] = []

    def rebuild(settings: DemoSettings, args: Sequence[str]) -> int:
        seen.append((settings.service, list(args)))
        return 7

    assert (
        _run(
            ["rebuild", "--batch-size", "100", "--consumer", "x"],
            {"rebuild": ServiceCommand("重建", rebuild)},
        )
        == 7
    )
    assert seen == [("demo", ["--batch-size", "100", "--consumer", "x"])]


def test_a_service_command_may_not_take_a_built_in_name() -> None:
    with pytest.raises(ValueError, match="built-in"):
        _run(["worker"], {"worker": ServiceCommand("no", lambda s, a: 0)})


def test_an_unknown_command_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHOUHU_ENV", "test")
    with pytest.raises(SystemExit):
        _run(["rebuilt"], {"rebuild": ServiceCommand("重建", lambda s, a: 0)})
    assert "rebuild" in capsys.readouterr().err  # the choices name it
