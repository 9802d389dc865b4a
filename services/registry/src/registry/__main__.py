"""`shouhu-registry api|worker|init-db|dev-token`."""

from registry.bootstrap import build_api, build_worker, init_db
from registry.config import RegistrySettings
from shouhu_kit.cli import run_service


def main() -> int:
    """Entry point."""
    return run_service(
        settings_cls=RegistrySettings, build_api=build_api, build_worker=build_worker, init_db=init_db
    )


if __name__ == "__main__":
    raise SystemExit(main())
