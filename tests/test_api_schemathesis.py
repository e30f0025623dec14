"""Schemathesis over the OpenAPI document, as a national user: generated requests for every
operation (a few examples each) never get a server error."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from api_support import national
from api_support import settings as api_settings
from neighbourhood.api import create_app

app = create_app(api_settings(Path(tempfile.mkdtemp(prefix="neighbourhood-api-fuzz-"))))
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@pytest.mark.slow
def test_no_server_errors(case):
    case.call_and_validate(headers=national(), checks=[not_a_server_error])
