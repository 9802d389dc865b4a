"""Reporting settings."""

from typing import ClassVar

from pydantic import Field

from shouhu_kit.settings import ServiceSettings

# Debian's fonts-wqy-zenhei: a CJK TrueType collection reportlab embeds (subfont 0, 文泉驿正黑).
WQY_ZENHEI = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"


class ReportingSettings(ServiceSettings):
    """Settings of the reporting service (env SHOUHU_REPORTING_*, then SHOUHU_*)."""

    service: ClassVar[str] = "reporting"
    api_port: int = 8004
    worker_port: int = 9004
    # The monthly bulletin (每月一通报): built once a month has closed in China's time.
    bulletin_every_seconds: int = Field(default=300, ge=1, le=86_400, description="how often the job looks")
    bulletin_batch: int = Field(
        default=500, ge=1, le=5_000, description="units one run ranks (whole sibling groups)"
    )
    bulletin_grace_minutes: int = Field(
        default=15,
        ge=0,
        le=24 * 60,
        description="wait after the month's close, so its last events and window closes arrive first",
    )
    bulletin_font_path: str = Field(
        default=WQY_ZENHEI, description="a CJK TrueType font (.ttf/.ttc) for PDFs"
    )
    bulletin_font_index: int = Field(default=0, ge=0, le=32, description="the font's index in a .ttc")
