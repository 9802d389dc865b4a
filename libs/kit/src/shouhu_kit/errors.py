"""Errors a client can act on; framework-free so service layers can raise them."""

from __future__ import annotations

from typing import Any

TYPE_BASE = "https://shouhu.example/problems/"


class Problem(Exception):
    """An error a client can act on, answered as problem+json."""

    def __init__(
        self,
        *,
        status: int,
        slug: str,
        title: str,
        title_en: str,
        detail: str = "",
        detail_en: str = "",
        **extra: Any,
    ) -> None:
        super().__init__(title_en)
        self.status, self.slug = status, slug
        self.title, self.title_en = title, title_en
        self.detail, self.detail_en = detail, detail_en
        self.extra = extra

    def body(self, instance: str) -> dict[str, Any]:
        """The problem document."""
        doc: dict[str, Any] = {
            "type": TYPE_BASE + self.slug,
            "status": self.status,
            "title": self.title,
            "title_en": self.title_en,
            "instance": instance,
        }
        if self.detail:
            doc["detail"] = self.detail
        if self.detail_en:
            doc["detail_en"] = self.detail_en
        doc.update(self.extra)
        return doc


def not_found(what_zh: str, what_en: str) -> Problem:
    """404 for a resource that does not exist or is outside the caller's scope."""
    return Problem(status=404, slug="not-found", title=f"{what_zh}不存在", title_en=f"{what_en} not found")
