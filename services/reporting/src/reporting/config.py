"""Reporting settings."""

from typing import ClassVar

from shouhu_kit.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    """Settings of the reporting service (env SHOUHU_REPORTING_*, then SHOUHU_*)."""

    service: ClassVar[str] = "reporting"
    api_port: int = 8004
    worker_port: int = 9004
