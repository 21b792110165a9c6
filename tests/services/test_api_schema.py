"""Property-based tests of the API against its own OpenAPI document (schemathesis): generated
requests to every route, over a populated database, never get a server error, and every
response conforms to the declared status codes, media types, headers and schemas."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from services.api.schemas.common import EXAMPLE_SHA256
from tests.services.api_app import populated_api

# Examples per route and phase: enough to reach every parameter's edge cases, small enough
# for the whole module to run in well under a minute on a shared CI core.
MAX_EXAMPLES = 20


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpenApiSchema]:
    """The API's OpenAPI schema, bound to an app over the populated SQLite database."""
    tmp: Path = tmp_path_factory.mktemp("schema")
    with populated_api("sqlite", tmp) as api:
        # The artifact the schema's examples name, so downloads and ranges reach real bytes.
        api.client.put(f"/v1/artifacts/{EXAMPLE_SHA256}", content=b"hello").raise_for_status()
        schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
        schema.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True)
        yield schema


# A job.toml travels as text; schemathesis knows no TOML serializer of its own.
schemathesis.serializer.alias("application/toml", "text/plain")
schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_route_conforms_to_the_openapi_document(case: schemathesis.Case[Any]) -> None:
    # Every default check but "schema-valid data is accepted": it cannot hold for an opaque
    # cursor (any string fits the schema, only ours decode) nor for an upload whose bytes must
    # hash to the URL's hash, so those answer 422 and 400 by design.
    excluded: list[schemathesis.CheckFunction] = [positive_data_acceptance]
    if case.media_type == "application/toml":
        # A job.toml is any text: a "non-string" body is still text once on the wire.
        excluded.append(negative_data_rejection)
    case.call_and_validate(excluded_checks=excluded)
