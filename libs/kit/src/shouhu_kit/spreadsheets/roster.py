"""A roster declared (花名册): its columns, one parsed row, a row's errors named by column in zh and en."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from shouhu_kit.problems import Problem, field_errors
from shouhu_kit.spreadsheets.columns import Column


class FieldError(ValueError):
    """One column's problem with a row, raised by a to_command function: the column's key and why."""

    def __init__(self, key: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.key, self.zh, self.en = key, zh, en


class RowInvalid(Exception):
    """Several problems of one row at once (FieldErrors, ValidationErrors, 422 Problems), or none more.

    Raised empty, it rejects a row whose reasons row.fail() has noted already.
    """

    def __init__(self, *problems: FieldError | ValidationError | Problem) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


RowProblem = FieldError | RowInvalid | ValidationError | Problem


@dataclass
class Row:
    """One data row as parsed: its spreadsheet row number, the non-blank values by key, the rest."""

    number: int
    roster: Roster
    values: dict[str, Any] = field(default_factory=dict)
    # Non-blank text of the columns the roster does not declare, by header (a results sheet's subjects).
    others: dict[str, str] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)  # cells refused, by their parser or fail()

    def fail(self, key: str, zh: str, en: str) -> None:
        """Note a column's problem and go on checking the row: it is rejected whatever to_command returns."""
        self.errors.append(self.roster.error(key, f"{zh} / {en}"))

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __contains__(self, key: object) -> bool:
        return key in self.values

    def get(self, key: str, default: Any = None) -> Any:
        """The parsed value, or default when the cell was blank, refused or not in the file."""
        return self.values.get(key, default)


@dataclass(frozen=True)
class Roster:
    """A roster's declaration: its columns, and which command fields stand for which column.

    `fields`: command field → column key where they differ (class_id → class_code), so that a
    command's error names the column the user typed. `keyed_by_header`: command fields that are a
    mapping by header (subjects: {语文: 90}); an error at subjects.语文 names the column 语文.
    """

    columns: tuple[Column, ...]
    fields: Mapping[str, str] = field(default_factory=dict)
    keyed_by_header: frozenset[str] = frozenset()

    @cached_property
    def headers(self) -> dict[str, str]:
        """Column key → Chinese header."""
        return {c.key: c.header for c in self.columns}

    @cached_property
    def by_key(self) -> dict[str, Column]:
        """Column key → column."""
        return {c.key: c for c in self.columns}

    def requiring(self, *keys: str) -> Roster:
        """The same roster with these columns required too (a class code above a class)."""
        columns = tuple(replace(c, required=c.required or c.key in keys) for c in self.columns)
        return replace(self, columns=columns)

    def error(self, key: str, text: str) -> dict[str, Any]:
        """A row error from '中文 / English', naming the column as the spreadsheet shows it."""
        zh, _, en = text.partition(" / ")
        key = self.fields.get(key, key)
        return {"column": self.headers.get(key, key), "field": key, "message": zh, "message_en": en or zh}

    def errors(self, exc: RowProblem) -> list[dict[str, Any]]:
        """A row's problem as row errors, each naming its column."""
        if isinstance(exc, RowInvalid):
            return [e for p in exc.problems for e in self.errors(p)]
        if isinstance(exc, FieldError):
            return [self.error(exc.key, f"{exc.zh} / {exc.en}")]
        if isinstance(exc, ValidationError):
            return self._validation_errors(exc)
        errors = exc.extra.get("errors") or [{"field": "", "message": exc.title, "message_en": exc.title_en}]
        return [self.error(e["field"], f"{e['message']} / {e['message_en']}") for e in errors]

    def _validation_errors(self, exc: ValidationError) -> list[dict[str, Any]]:
        """The API's own validation messages, their locations mapped back to columns."""
        out = []
        for err, doc in zip(exc.errors(), field_errors(exc.errors()), strict=True):
            loc = [str(p) for p in err["loc"]]
            key = loc[1] if len(loc) > 1 and loc[0] in self.keyed_by_header else ".".join(loc)
            out.append(self.error(key, f"{doc['message']} / {doc['message_en']}"))
        return out
