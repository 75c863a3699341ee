"""The registry's and consultations' entry points keep only the route, the schema, the role
check and one call (a command handler in a unit of work, or a query function): no query
and no transaction of their own (issue #20)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from consultations import service as consultations_service
from registry import partnerships, patronages, resources, trainings
from registry import service as registry_service

MODULES = [registry_service, trainings, resources, patronages, partnerships,
           consultations_service]
# the organisation search stays where another change gives it its own read model
SEARCH = "list_organizations"


def _source(module) -> str:
    return Path(module.__file__).read_text(encoding="utf-8")


def _endpoints(module) -> list[ast.FunctionDef]:
    return [node for node in ast.walk(ast.parse(_source(module)))
            if isinstance(node, ast.FunctionDef)
            and any(isinstance(d, ast.Call) and getattr(d.func, "id", None) in ("api", "timer")
                    for d in node.decorator_list)]


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_every_endpoint_checks_who_acts_and_makes_one_call(module):
    endpoints = _endpoints(module)
    assert endpoints
    calls = [f.name for f in endpoints if f.name != SEARCH
             and len([s for s in f.body if not isinstance(s, ast.Expr)
                      or not isinstance(s.value, ast.Constant)]) > 3]
    assert calls == []


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_the_entry_points_query_and_transact_nothing_themselves(module):
    source = _source(module)
    subscripts = [ast.unparse(node) for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Subscript) and "db" in ast.unparse(node.value)]
    assert subscripts == []
    for written_here in (".find(", ".find_one(", ".transaction(", "def work", "tx.emit"):
        assert written_here not in source
