"""Fixtures of the flow tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def harness(tmp_path_factory):
    """A temporary Prefect server and home for the test module that asks for it."""
    from prefect.settings import PREFECT_HOME, PREFECT_SERVER_ANALYTICS_ENABLED, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    home = tmp_path_factory.mktemp("prefect-home")
    with temporary_settings({PREFECT_HOME: home, PREFECT_SERVER_ANALYTICS_ENABLED: False}):
        with prefect_test_harness(server_startup_timeout=180):
            yield
