"""What the suggestions API reads and answers (结对推荐)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shouhu_contracts.pairing.vocabulary import HelperKind, PairingRole

MAX_PAGE = 5000
MAX_CHILDREN = 5000  # per accept or decline call; "all" has no limit


class ReasonOut(BaseModel):
    """A reason in Chinese and English (`code` only on a proposal that went stale)."""

    zh: str
    en: str
    code: str | None = None


class SuggestIn(BaseModel):
    """推荐结对 / Propose helpers for the unpaired children of a unit."""

    model_config = ConfigDict(extra="forbid")

    unit_id: uuid.UUID = Field(description="学校、乡镇、区县或市 / a school, township, district or city")
    limit: int = Field(default=500, ge=1, le=MAX_PAGE, description="首页条数 / proposals in the first page")


class SuggestionOut(BaseModel):
    """A proposed pairing, its reasons and what became of it."""

    rank: int = Field(description="需要程度排序，1 最需要 / order of need, 1 the neediest")
    child_id: uuid.UUID
    child_name: str
    helper_id: uuid.UUID
    helper_name: str
    helper_kind: HelperKind
    role: PairingRole
    reasons: list[ReasonOut]
    status: Literal["open", "accepted", "declined", "stale"]
    pairing_id: uuid.UUID | None


class UnmatchedOut(BaseModel):
    """A child no helper could be proposed for, and why."""

    rank: int
    child_id: uuid.UUID
    child_name: str
    reasons: list[ReasonOut]


class SuggestionPage(BaseModel):
    """One page of a run's proposals, in order of need (keyset: pass `next_after` as `after`)."""

    run_id: uuid.UUID
    unit_id: uuid.UUID
    source: str = Field(description="request 申请 / transfer 转学")
    created_at: datetime
    proposals: int = Field(description="本轮推荐总数 / proposals in the run")
    items: list[SuggestionOut]
    next_after: int | None = Field(description="下一页 `after` / the next page's `after`, None at the end")


class SuggestionRunSummary(BaseModel):
    """一轮推荐 / A run, without its proposals."""

    id: uuid.UUID
    unit_id: uuid.UUID
    source: str = Field(description="request 申请 / transfer 转学")
    created_at: datetime
    created_by: str
    proposals: int


class SuggestionRunOut(SuggestionPage):
    """A new run: its first page of proposals, and the children left without a helper."""

    unmatched_count: int
    unmatched: list[UnmatchedOut] = Field(description="前 limit 名 / the first `limit` of them")


class DecideIn(BaseModel):
    """采纳或不采纳 / Accept or decline proposals: some children's, or (accept only) all open ones."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    child_ids: list[uuid.UUID] | None = Field(default=None, min_length=1, max_length=MAX_CHILDREN)
    all_open: bool = Field(default=False, alias="all", description="全部未决推荐 / every open proposal")

    @model_validator(mode="after")
    def _one_of(self) -> DecideIn:
        if (self.child_ids is None) == (not self.all_open):
            raise ValueError("须给出 child_ids 或 all=true（二选一） / give child_ids or all=true, not both")
        return self


class DecisionOut(BaseModel):
    """What a decision did for one child."""

    child_id: uuid.UUID
    outcome: Literal["created", "stale", "declined", "not_open"] = Field(
        description="created 已结对 / stale 已失效 / declined 不采纳 / not_open 无未决推荐"
    )
    pairing_id: uuid.UUID | None = None
    reason: ReasonOut | None = None
