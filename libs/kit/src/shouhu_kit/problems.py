"""Errors a client can act on; framework-free so service layers can raise them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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


# Chinese wording for pydantic's error types; anything else falls back to a generic message.
_ZH: dict[str, str] = {
    "missing": "必填字段缺失",
    "string_too_short": "长度不能少于 {min_length} 个字符",
    "string_too_long": "长度不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "格式不正确",
    "string_type": "应为文本",
    "uuid_parsing": "不是有效的编号 (UUID)",
    "uuid_type": "不是有效的编号 (UUID)",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "bool_parsing": "应为是/否 (true/false)",
    "greater_than_equal": "不能小于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "不能大于 {le}",
    "less_than": "必须小于 {lt}",
    "enum": "取值无效，可选值：{expected}",
    "literal_error": "取值无效，可选值：{expected}",
    "date_parsing": "不是有效日期（格式 YYYY-MM-DD）",
    "date_from_datetime_parsing": "不是有效日期（格式 YYYY-MM-DD）",
    "date_type": "不是有效日期（格式 YYYY-MM-DD）",
    "datetime_parsing": "不是有效时间（ISO 8601）",
    "timezone_aware": "时间须带时区",
    "json_invalid": "JSON 格式错误",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "extra_forbidden": "不允许的字段",
}


def field_errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each bad field of a pydantic error list with a Chinese and an English message."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
        ctx = dict(err.get("ctx") or {})
        msg_en = str(err.get("msg", "invalid value"))
        if err.get("type") == "value_error" and "error" in ctx:
            # Our validators raise "中文 / English"; split it so each language stands alone.
            text = str(ctx["error"])
            zh, _, en = text.partition(" / ")
            msg_zh, msg_en = zh, (en or text)
        else:
            template = _ZH.get(str(err.get("type")), "取值无效")
            try:
                msg_zh = template.format(**ctx)
            except (KeyError, IndexError):
                msg_zh = template
        out.append(
            {
                "field": ".".join(loc) or "body",
                "location": loc[0] if loc else "body",
                "message": msg_zh,
                "message_en": msg_en,
                "type": err.get("type"),
            }
        )
    return out


def invalid_request(errors: list[dict[str, Any]]) -> Problem:
    """422 naming every bad field, in Chinese and English."""
    names = "、".join(e["field"] for e in errors)
    return Problem(
        status=422,
        slug="validation",
        title="请求数据有误",
        title_en="Invalid request",
        detail=f"以下字段有误：{names}",
        detail_en=f"Invalid fields: {names.replace('、', ', ')}",
        errors=errors,
    )
