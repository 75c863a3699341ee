"""One handler convention (docs/architecture.md, issue #20): a command handler is
`handler(command, uow)`, run by the entry points' `self.handle(handler, command)` (or
identity's `self.handle_now`). This test reads the services' entry points with `ast`,
resolves every handler they run and checks its signature, and fails on the other
convention, `run(self.db, handler, *args)`."""

from __future__ import annotations

import ast
import dataclasses
import importlib
import inspect
import re
import typing
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[3] / "services"
CONVERTED = ("registry", "consultations", "identity", "grants", "notifications")
RUNNERS = ("handle", "handle_now")


def _modules(service: str) -> list[Path]:
    package = SERVICES / service / service
    return sorted(p for p in package.rglob("*.py") if "handlers" not in p.parts)


def _imports(tree: ast.Module) -> dict[str, str]:
    """The names a module imports: local name -> module (or module.attribute)."""
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found[alias.asname or alias.name] = alias.name
    return found


def _resolve(dotted: str):
    """`pkg.module.attr` -> the object (a module or a function)."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            target = getattr(target, name)
        return target
    raise ImportError(dotted)


def _handlers_run(service: str) -> list[tuple[str, object]]:
    """Every handler the service's entry points run, as (where, function)."""
    found = []
    for path in _modules(service):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _imports(tree)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in RUNNERS and node.args):
                continue
            target = ast.unparse(node.args[0])
            head, _, rest = target.partition(".")
            if head not in names:
                continue
            dotted = names[head] + (f".{rest}" if rest else "")
            found.append((f"{path.name}:{node.lineno} {target}", _resolve(dotted)))
    return found


@pytest.mark.parametrize("service", CONVERTED)
def test_every_handler_a_service_runs_takes_the_command_then_the_unit(service):
    run = _handlers_run(service)
    assert run, f"{service} runs no handler through self.handle"
    wrong = []
    for where, handler in run:
        parameters = list(inspect.signature(handler).parameters)
        if len(parameters) != 2 or parameters[1] != "uow":
            wrong.append(f"{where}{parameters}")
    assert wrong == []


@pytest.mark.parametrize("service", CONVERTED)
def test_every_command_is_a_frozen_dataclass(service):
    wrong = []
    for where, handler in _handlers_run(service):
        command = next(iter(inspect.signature(handler).parameters))
        kind = typing.get_type_hints(handler).get(command)
        if not (dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen):
            wrong.append(f"{where} {command}: {kind}")
    assert wrong == []


@pytest.mark.parametrize("service", CONVERTED)
def test_no_converted_service_runs_handlers_with_positional_arguments(service):
    for path in _modules(service):
        source = path.read_text(encoding="utf-8")
        assert "run(self.db" not in source, path
        assert "from identity.unit import run\n" not in source, path
        assert "from grants.unit import run\n" not in source, path


@pytest.mark.parametrize("service", ("notifications", "identity"))
def test_no_handler_is_given_the_database_to_open_its_own_transaction(service):
    for path in _modules(service):
        source = path.read_text(encoding="utf-8")
        assert re.search(r"handlers\.\w+\(self\.db\b", source) is None, path
