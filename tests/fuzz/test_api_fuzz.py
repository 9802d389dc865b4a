"""Property-based fuzzing of the four HTTP APIs against their own OpenAPI documents (schemathesis).

For each service and each caller role, every operation gets schemathesis' examples, coverage
(boundary values) and fuzzing phases, valid and invalid data, with real seeded ids mixed into
path, query and body. A response fails when it is a 5xx, answers a status the operation does not
declare, or breaks the content type or schema it declares (problem+json errors included).
Generation is seeded and derandomised, so a failure reproduces; nothing is kept on disk.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import hypothesis.strategies as st
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

if TYPE_CHECKING:  # the fixtures bring them; a test module importing its conftest is fragile
    from tests.fuzz.conftest import Caller, Seed, Tally, Target

pytestmark = pytest.mark.fuzz

SEED = 62026  # one seed: the same cases every run
# Not negative_data_rejection: the steering hooks put real ids and tokens into cases schemathesis
# meant to be invalid, so it would blame the API for accepting what was, in the end, valid.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Body fields that name a record: fuzzed values are mixed with the seeded ids.
ID_FIELDS = {
    "parent_id": "unit_id",
    "class_id": "class_id",
    "to_class_id": "class_id",
    "home_village_id": "unit_id",
    "unit_id": "unit_id",
}


def _config(caller: Caller) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "suppress-health-check": ["all"],
            # Deterministic and no example database: the same cases every run, no .hypothesis/ left.
            "generation": {"max-examples": caller.examples, "deterministic": True, "database": "none"},
            "phases": {"coverage": {"enabled": caller.coverage}, "stateful": {"enabled": False}},
        }
    )


# What a page's `next_cursor` is made of (base64 of a JSON [sort value, id]): the schema only says
# "string", so without this the fuzzer would never get past the base64 decoding.
_JSON_SCALARS = st.one_of(
    st.text(max_size=30),
    st.uuids().map(str),
    st.dates().map(str),
    st.datetimes().map(str),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
)
_PAIRS = st.tuples(_JSON_SCALARS, _JSON_SCALARS).map(list)
CURSORS = st.one_of(_PAIRS, _PAIRS, st.lists(_JSON_SCALARS, max_size=3), _JSON_SCALARS).map(
    lambda values: base64.urlsafe_b64encode(json.dumps(values).encode()).decode()
)
SORTS = st.sampled_from([f"{d}{k}" for k in ("name", "birth_date", "registered_at") for d in ("", "-")])


def _alternatives(name: str, seed: Seed) -> st.SearchStrategy[Any] | None:
    """Values that reach past the first lookup for a parameter of this name, if any."""
    if name == "cursor":
        return CURSORS
    if name == "sort":
        return SORTS
    real = seed.ids(name)
    return st.sampled_from([str(v) for v in real]) if real else None


def _mixed(value: Any, alternatives: st.SearchStrategy[Any] | None, quarters: int = 3) -> Any:
    """An alternative `quarters` times in four, else the generated value (a random id is mostly a 404)."""
    if alternatives is None:
        return st.just(value)
    return st.integers(0, 3).flatmap(lambda i: alternatives if i < quarters else st.just(value))


def _steer(schema: schemathesis.BaseSchema, seed: Seed) -> None:
    """Hooks on this schema only: seeded ids, cursors and sorts that parse, and NUL in body text."""

    def mix(values: Any, *, names: dict[str, str] | None = None) -> st.SearchStrategy[Any]:
        if not isinstance(values, dict):
            return st.just(values)
        out = {}
        for k, v in values.items():
            alternatives = _alternatives(names.get(k, "") if names is not None else k, seed)
            if alternatives is None and names is not None and isinstance(v, str):
                # Now and then a NUL in body text: SQLite keeps it, PostgreSQL refuses it (conftest).
                out[k] = _mixed(v, st.just(v + "\x00"), quarters=1)
            else:
                out[k] = _mixed(v, alternatives)
        return st.fixed_dictionaries(out)

    schema.hook("flatmap_path_parameters")(lambda _context, values: mix(values))
    schema.hook("flatmap_query")(lambda _context, values: mix(values))
    schema.hook("flatmap_body")(lambda _context, values: mix(values, names=ID_FIELDS))


def _schema(target: Target, caller: Caller) -> Any:
    """The service's own /openapi.json, loaded by schemathesis, steered towards the seeded records."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", target.app, config=_config(caller))
    _steer(schema, target.seed)
    return schema


def test_every_answer_keeps_the_contract(
    fuzz_target: Target, caller: Caller, fuzz_tally: Tally, subtests: pytest.Subtests
) -> None:
    """No 5xx; only declared statuses, content types, headers and bodies; each operation a subtest."""
    headers = caller.headers(fuzz_target)

    def call_and_check(case: Any) -> None:
        response = case.call(session=fuzz_target.client, headers=headers)
        fuzz_tally.record(
            service=fuzz_target.service,
            caller=caller.name,
            operation=case.operation.label,
            status=response.status_code,
        )
        case.validate_response(response, checks=CHECKS, headers=headers)

    schema = _schema(fuzz_target, caller)
    # The same builder schemathesis' pytest plugin uses (its lazy loader predates pytest 9's node ids).
    tests = list(get_all_tests(schema=schema, test_func=call_and_check, settings=None, given_kwargs={}))
    assert tests, "the OpenAPI document has operations"
    for result in tests:
        if not isinstance(result, Ok):
            raise result.err()  # schemathesis cannot read this operation: the document is broken
        operation, run = result.ok()
        with subtests.test(msg=operation.label):
            run()
