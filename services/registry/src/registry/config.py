"""Registry settings."""

from typing import ClassVar

from shouhu_kit.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    """Settings of the registry service (env SHOUHU_REGISTRY_*, then SHOUHU_*)."""

    service: ClassVar[str] = "registry"
    api_port: int = 8001
    worker_port: int = 9001
