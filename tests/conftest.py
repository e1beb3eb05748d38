"""The suite's shared fixtures come from the modules of tests/support, registered here as a plugin.

A folder's conftest.py keeps only what is local to that folder (an override of
`app` or `live_settings`, the browser's fixtures); test modules import plain
helpers from tests.support only, never from another test module or a conftest
(tests/test_test_layout.py checks it).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

# The helpers' asserts explain themselves as a test's do (the plugin modules are rewritten anyway).
pytest.register_assert_rewrite("tests.support")

os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", "/tmp/donations-hypothesis")

# No time limit per example: a property test fails on what it checks, never on how busy the machine is
# (Hypothesis' default 200 ms deadline is a timed assertion; several workers share the CPUs).
hypothesis_settings.register_profile("donations", deadline=None)
hypothesis_settings.load_profile("donations")

# Every module of tests/support that defines fixtures.
pytest_plugins = [
    "tests.support.database",
    "tests.support.app_factory",
    "tests.support.live_service",
    "tests.support.mailbox",
    "tests.support.finance_staff",
    "tests.support.factories",
    "tests.support.recorded_events",
    "tests.support.sandbox_server",
    "tests.support.gunicorn_server",
    "tests.support.redis_databases",
]
