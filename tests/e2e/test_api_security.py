"""A security pass over the JSON API: the OpenAPI schema is fuzzed with schemathesis against the running
server. No input may cause a 5xx, and no write may succeed without a token (no auth bypass).

Cases are generated per operation with schemathesis' Hypothesis strategies (its pytest plugin does not
work with this pytest), bounded in number so the run stops by itself.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

pytestmark = pytest.mark.e2e
EXAMPLES = 20
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def operations(live_server: str) -> list:  # type: ignore[type-arg]
    schema = schemathesis.openapi.from_url(f"{live_server}/api/v1/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_every_operation_survives_fuzzing_and_refuses_anonymous_writes(live_server: str) -> None:
    ops = operations(live_server)
    assert len(ops) >= 15
    failures: list[str] = []
    calls: list[int] = []
    for operation in ops:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(base_url=live_server, timeout=30)
            calls.append(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.formatted_path} {case.query}: {response.status_code}")
            if case.method.upper() in WRITES and response.status_code not in (401, 422):
                failures.append(f"{case.method} {case.formatted_path}: write answered {response.status_code}")

        run()
    assert failures == [] and len(calls) >= 5 * len(ops)  # the server really was exercised
