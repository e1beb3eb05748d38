"""The layout of DESIGN.md holds: who may import whom, no import cycle, small modules.

- `receipts/` (the documents and their rules) imports no web framework, and from `donations`
  only the Flask-free foundations (models, clock, money); its `document/` part imports no
  database either.
- No import cycle among the service's modules, deferred imports included (imports under
  `if TYPE_CHECKING:` are for the type checker only and do not count).
- Jobs are passed by reference, never looked up by a name.
- No module over 400 lines.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("donations", "receipts")
WEB = {"flask", "werkzeug", "flask_sqlalchemy", "flask_babel", "flask_wtf", "flask_login", "jinja2"}
FOUNDATIONS = {"donations", "donations.models", "donations.clock", "donations.money"}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()


def _sandbox_modules() -> dict[str, Path]:
    return {".".join(p.relative_to(ROOT).with_suffix("").parts): p for p in (ROOT / "stripe_sandbox").rglob("*.py")}


def _imported(path: Path) -> set[str]:
    """Every module `path` imports, at the top or deferred in a function, outside TYPE_CHECKING."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            node.body = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _project_module(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _edges(name: str) -> set[str]:
    found = {_project_module(imported) for imported in _imported(MODULES[name])}
    return {module for module in found if module and module != name}


def test_receipts_import_no_web_framework_and_only_the_foundations_of_donations() -> None:
    for name, path in MODULES.items():
        if not name.startswith("receipts"):
            continue
        imported = _imported(path)
        assert not {i.split(".")[0] for i in imported} & WEB, name
        from_donations = {_project_module(i) for i in imported if i.split(".")[0] == "donations"}
        assert {m.rpartition(".models.")[0] or m for m in from_donations if m} <= FOUNDATIONS, (name, from_donations)


def test_the_receipt_document_imports_no_database() -> None:
    for name, path in MODULES.items():
        if name.startswith("receipts.document"):
            imported = {i.split(".")[0] for i in _imported(path)} | {_project_module(i) or "" for i in _imported(path)}
            assert "sqlalchemy" not in imported and not any(i.startswith("donations.models") for i in imported), name


def test_receipts_tax_rules_and_models_load_without_the_web_framework() -> None:
    code = (
        "import sys, pkgutil, importlib, receipts, receipts.document, donations.models, donations.tax, donations.clock\n"
        "for package in (receipts, receipts.document):\n"
        "    for module in pkgutil.iter_modules(package.__path__):\n"
        "        importlib.import_module(package.__name__ + '.' + module.name)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'flask', 'werkzeug', 'flask_sqlalchemy', 'jinja2'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    sys.setrecursionlimit(10_000)

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    return found


def test_no_import_cycle_deferred_imports_included() -> None:
    assert _cycles({name: _edges(name) for name in MODULES}) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]


def test_jobs_are_passed_by_reference() -> None:
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "enqueue":
                assert node.args and not isinstance(node.args[0], ast.Constant), f"{name}: enqueue by name"


def test_no_module_over_400_lines() -> None:
    long = {
        name: n
        for name, path in {**MODULES, **_sandbox_modules()}.items()
        if (n := len(path.read_text().splitlines())) > 400
    }
    assert long == {}


def _project_text() -> dict[str, str]:
    return {name: path.read_text() for name, path in MODULES.items()}


def test_each_amount_refusal_is_worded_once() -> None:
    from donations.money import AMOUNT_MESSAGES

    texts = _project_text()
    for message in AMOUNT_MESSAGES.values():
        assert [name for name, text in texts.items() if message in text] == ["donations.money"], message


def test_the_foundation_is_one_class_and_euros_have_one_format() -> None:
    texts = _project_text()
    assert [name for name, text in texts.items() if "class FoundationIdentity" in text] == []
    assert [name for name, text in texts.items() if "class FoundationMentions" in text] == [
        "receipts.document.snapshot"
    ]
    # Babel's currency formatting is called in one place: the one "34,00 €" of donations/money.py.
    assert [name for name, text in texts.items() if "format_currency(" in text] == ["donations.money"]
