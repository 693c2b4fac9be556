"""Schemathesis against the served /api/openapi.json (reliability battery, item 4): every
operation, hundreds of generated requests each, sent through the site's WSGI app; none may
get a server error or an answer the description does not allow."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.test_api import OPENAPI

# Left out: positive_data_acceptance, which wants every request the schema allows answered
# 2xx. A description cannot state all the server checks (a bbox's south not above its north,
# a q with a letter in it); those requests get the 400 the description gives them.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    # Requests the description does not allow are refused (4xx).
    negative_data_rejection,
]
# Cases per operation and kind of data: valid by the description, then invalid.
CASES = 150
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]

# Requests that reach the test's places, their other parameters generated: random numbers
# and texts seldom come near a place, and never spell its slug.
NEAR_PLACES = {
    "nearby": [{"query": {"lat": 49.68, "lon": 72.69}}],
    "places_in_box": [{"query": {"bbox": "72,49,73,50"}}],
    "place": [
        {"path_parameters": {"slug": slug}}
        for slug in ["karlag-museum", "shakhtinsk-qalasy", "mine-park", "a-draft"]
    ],
    "search": [{"query": {"q": q}} for q in ["shakh", "karlag", "музей", "museum"]],
}


def operations():
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            # Nothing can be sent wrong to an operation without parameters.
            for mode in MODES if "parameters" in operation else MODES[:1]:
                yield pytest.param(path, method, mode, id=f"{operation['operationId']}-{mode}")


def in_test_transaction(app):
    """The site's WSGI app without Django's closing of database connections around each
    request: as with the test client, requests read the test's data in its transaction."""

    def wsgi(environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = app(environ, start_response)
            try:
                return [b"".join(response)]
            finally:
                response.close()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return wsgi


@pytest.mark.parametrize(("path", "method", "mode"), list(operations()))
def test_generated_requests_get_answers_the_description_allows(rich_places, path, method, mode):
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", in_test_transaction(WSGIHandler()))
    operation = schema[path][method.upper()]
    fixed = NEAR_PLACES.get(operation.definition.raw.get("operationId"), [])
    strategy = st.one_of(
        operation.as_strategy(generation_mode=mode),
        *(operation.as_strategy(generation_mode=mode, **parameters) for parameters in fixed),
    )
    sent = []

    # Derandomized: every run sends the same requests; no example database between runs.
    @settings(
        max_examples=CASES,
        derandomize=True,
        database=None,
        deadline=None,
        # A request with a fixed slug and nothing else has nothing to send wrong: Schemathesis
        # filters those out of the invalid ones.
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=strategy)
    def send(case):
        sent.append(case)
        case.call_and_validate(checks=CHECKS)

    send()

    assert len(sent) >= (CASES if "parameters" in operation.definition.raw else 1)
