"""Handlers applied many to a transaction (one poll) hold what they hold applied one by one."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from shouhu_testkit.world import World

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("seed", [1, 7, 23])
def test_a_poll_in_one_transaction_ends_where_one_by_one_does(make: Callable[[], object], seed: int) -> None:
    world = World()
    world.random_script(random.Random(seed), 40, home_moves=True)
    one_by_one, one_poll = make(), make()
    one_by_one.apply(*world.published)  # type: ignore[attr-defined]
    one_poll.apply_as_one_poll(*world.published)  # type: ignore[attr-defined]
    assert one_poll.state() == one_by_one.state()  # type: ignore[attr-defined]
    assert one_poll.placements(), "the script placed children"  # type: ignore[attr-defined]
