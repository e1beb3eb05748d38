"""The dependency tree is pinned whole, and pip-audit finds no known vulnerability in it.

requirements.txt and requirements-dev.txt name what the project asks for;
requirements-lock.txt pins everything they install, transitive dependencies
included, and the Makefile installs with it as constraints. The first tests hold
offline: they fail when a requirement is not pinned, when the lock misses a
distribution of the tree, or when the virtualenv runs other versions than the
lock says. The last runs pip-audit on the lock; it needs one of the
vulnerability services pip-audit reads (PyPI's JSON API per release, or OSV)
and skips, saying so, when neither answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = ("requirements.txt", "requirements-dev.txt")
LOCK = ROOT / "requirements-lock.txt"


def requirement_lines(name: str) -> list[Requirement]:
    found: list[Requirement] = []
    for raw in (ROOT / name).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            found.append(Requirement(line))
    return found


def pinned_version(requirement: Requirement) -> str | None:
    specifiers = list(requirement.specifier)
    if len(specifiers) == 1 and specifiers[0].operator == "==" and "*" not in specifiers[0].version:
        return specifiers[0].version
    return None


def lock() -> dict[str, str]:
    return {canonicalize_name(r.name): pinned_version(r) or "" for r in requirement_lines(LOCK.name)}


def tree(roots: list[Requirement]) -> set[str]:
    """The canonical names of every distribution the roots install, by the installed metadata."""
    seen: set[str] = set()
    pending = [(r, frozenset(r.extras)) for r in roots]
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or []:
            child = Requirement(text)
            if child.marker is not None and not any(
                child.marker.evaluate({**default_environment(), "extra": extra}) for extra in (extras or {""})
            ):
                continue
            pending.append((child, frozenset(child.extras)))
    return seen


def test_every_requirement_is_pinned_to_one_version_and_agrees_with_the_lock() -> None:
    locked = lock()
    for name in REQUIREMENTS:
        for requirement in requirement_lines(name):
            version = pinned_version(requirement)
            assert version, f"{name}: {requirement} is not pinned with =="
            assert locked.get(canonicalize_name(requirement.name)) == version, (
                f"{name} pins {requirement} but requirements-lock.txt says {locked.get(canonicalize_name(requirement.name))}: run 'make lock'"
            )
    assert all(locked.values()), "every line of requirements-lock.txt pins one version"


def test_the_lock_covers_the_whole_installed_tree_at_its_versions() -> None:
    roots = requirement_lines("requirements-dev.txt") + requirement_lines("requirements.txt")
    locked = lock()
    installed = tree(roots)
    assert {
        "werkzeug",
        "jinja2",
        "kombu",
        "psycopg-binary",
    } <= installed  # the walk reaches transitive and extra dependencies
    missing = sorted(installed - locked.keys())
    assert not missing, f"installed by the requirements but not pinned in requirements-lock.txt: {missing}"
    drift = {
        name: (locked[name], metadata.version(name)) for name in installed if metadata.version(name) != locked[name]
    }
    assert not drift, f"the virtualenv runs other versions than the lock (locked, installed): {drift}"


def vulnerability_service() -> str | None:
    """The service pip-audit can query from here, if any: it asks PyPI for one release's JSON, or OSV."""
    probes = (
        ("pypi", urllib.request.Request("https://pypi.org/pypi/pip-audit/2.10.1/json")),
        (
            "osv",
            urllib.request.Request(
                "https://api.osv.dev/v1/query", data=b"{}", headers={"Content-Type": "application/json"}
            ),
        ),
    )
    for service, request in probes:
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return service
        except urllib.error.HTTPError as error:
            if service == "osv" and error.code == 400:  # OSV answers an empty query with 400: it is there
                return service
        except OSError:
            pass
    return None


def test_pip_audit_finds_no_known_vulnerability_in_the_locked_tree() -> None:
    service = vulnerability_service()
    if service is None:
        pytest.skip(
            "pip-audit NOT RUN: neither PyPI's per-release JSON API nor api.osv.dev answers from this machine; "
            "run 'make audit' where they do"
        )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(LOCK),
            "--no-deps",
            "--disable-pip",
            "--strict",
            "--progress-spinner",
            "off",
            "--vulnerability-service",
            service,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    report = json.loads(result.stdout or "{}")
    vulnerable = {
        d["name"]: [v["id"] for v in d.get("vulns", [])] for d in report.get("dependencies", []) if d.get("vulns")
    }
    skipped = [d["skip_reason"] for d in report.get("dependencies", []) if d.get("skip_reason")]
    assert not vulnerable, f"known vulnerabilities in pinned dependencies: {vulnerable}"
    assert not skipped, f"pip-audit could not audit: {skipped}"
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(report["dependencies"]) == len(lock())
