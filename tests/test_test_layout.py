"""The tests' own layout: shared fixtures and helpers live in tests/support, registered as a plugin.

A test module or a conftest imports plain helpers from tests.support only, never
another test module or a conftest (a fixture imported from elsewhere hides
where it comes from and runs that module's tests' imports twice); the benches
follow the same rule. Every module of tests/support that defines a fixture is
one of the root conftest's `pytest_plugins`, so its fixtures reach every folder.
`make test` runs every test; `make test-fast` skips those marked `slow`, the
load and crash tests.
"""

from __future__ import annotations

import ast
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module `path` imports (deferred imports included), with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                found.append((node.lineno, "." * node.level + (node.module or "")))
            elif node.module:
                found += [(node.lineno, node.module)] + [
                    (node.lineno, f"{node.module}.{alias.name}") for alias in node.names
                ]
    return found


def is_test_code(module: str) -> bool:
    """A test module or a conftest, whatever the package it is reached through."""
    parts = module.split(".")
    return any(part == "conftest" or part.startswith("test_") for part in parts) or (
        parts[0] == "tests" and len(parts) > 1 and parts[1] != "support"
    )


def wrong_imports(paths: list[Path]) -> list[str]:
    wrong = []
    for path in paths:
        for line, module in imported_modules(path):
            if module.startswith(".") or is_test_code(module):
                wrong.append(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}:{line} imports {module}")
    return wrong


def test_no_test_module_conftest_or_bench_imports_another_test_module_or_conftest() -> None:
    paths = sorted(TESTS.rglob("*.py")) + sorted((ROOT / "bench").rglob("*.py"))
    assert wrong_imports(paths) == []


def test_the_check_sees_an_import_of_a_test_module_or_a_conftest(tmp_path: Path) -> None:
    sample = tmp_path / "test_sample.py"
    sample.write_text(
        "from tests.support.pages import form_fields\n"
        "import tests.support.network\n"
        "from tests.e2e.conftest import Live\n"
        "def later():\n"
        "    from tests.receipts.test_receipts_e2e import pay\n"
        "    import conftest\n"
        "from . import helpers\n"
        "from tests.finance import bulk\n"
    )
    found = sorted(entry.split(" imports ", 1)[1] for entry in wrong_imports([sample]))
    assert found == sorted(
        [
            "tests.e2e.conftest",
            "tests.e2e.conftest.Live",
            "tests.receipts.test_receipts_e2e",
            "tests.receipts.test_receipts_e2e.pay",
            "conftest",
            ".",
            "tests.finance",
            "tests.finance.bulk",
        ]
    )


def test_every_support_module_with_fixtures_is_a_registered_plugin() -> None:
    plugins = runpy.run_path(str(TESTS / "conftest.py"))["pytest_plugins"]
    with_fixtures = set()
    for path in (TESTS / "support").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            decorators = getattr(node, "decorator_list", [])
            if any("fixture" in ast.unparse(decorator) for decorator in decorators):
                with_fixtures.add(f"tests.support.{path.stem}")
    assert with_fixtures and with_fixtures == set(plugins)


def test_only_the_root_conftest_registers_plugins() -> None:
    for conftest in TESTS.rglob("conftest.py"):
        if conftest.parent != TESTS:
            assert "pytest_plugins" not in conftest.read_text(), conftest


def make_commands(target: str) -> list[str]:
    """The pytest commands `make <target>` would run (make -n prints them without running them)."""
    printed = subprocess.run(["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in printed.splitlines() if "-m pytest" in line]


def test_make_test_runs_everything_and_make_test_fast_skips_the_slow_tests() -> None:
    # One line: the parallel run of all but the serial tests, then the serial ones alone.
    [everything] = make_commands("test")
    [fast] = make_commands("test-fast")
    parallel, serial = everything.split("-m pytest")[1:]
    assert "-n " in parallel and '-m "not serial"' in parallel
    assert '-m "serial"' in serial and "-n " not in serial
    assert '-m "not serial and not slow"' in fast and '-m "serial and not slow"' in fast


def files_marked(marker: str) -> tuple[set[str], str]:
    """The test files pytest selects with `-m marker`, and the end of its listing (for a failure's message)."""
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", marker, "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    return {line.split("::", 1)[0] for line in listed.stdout.splitlines() if "::" in line}, listed.stdout[-2000:]


def test_the_serial_tests_are_those_that_stop_a_shared_server() -> None:
    files, listing = files_marked("serial")
    assert files == {"tests/load/test_database_outage.py"}, listing


def test_the_slow_tests_are_the_load_and_crash_tests() -> None:
    files, listing = files_marked("slow")
    load = {str(path.relative_to(ROOT)) for path in (TESTS / "load").glob("test_*.py")}
    assert files == load | {"tests/webhooks/test_webhook_concurrency.py"}, listing
