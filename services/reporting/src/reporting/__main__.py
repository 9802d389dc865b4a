"""`shouhu-reporting api|worker|init-db|dev-token`."""

from reporting.bootstrap import build_api, build_worker, init_db
from reporting.config import ReportingSettings
from shouhu_kit.cli import run_service


def main() -> int:
    """Entry point."""
    return run_service(
        settings_cls=ReportingSettings, build_api=build_api, build_worker=build_worker, init_db=init_db
    )


if __name__ == "__main__":
    raise SystemExit(main())
