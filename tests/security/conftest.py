from tests.e2e.conftest import give, live, live_settings  # noqa: F401
