"""grants/service.py keeps only routes, schemas, role checks and one call per endpoint: no
query of its own and no rule (issue #20)."""

from __future__ import annotations

import ast
from pathlib import Path

from grants import service

SOURCE = Path(service.__file__).read_text(encoding="utf-8")


def _endpoints() -> list[ast.FunctionDef]:
    return [node for node in ast.walk(ast.parse(SOURCE))
            if isinstance(node, ast.FunctionDef)
            and any(isinstance(d, ast.Call) and getattr(d.func, "id", None) == "api"
                    for d in node.decorator_list)]


def test_every_endpoint_is_one_call():
    endpoints = _endpoints()
    assert len(endpoints) >= 46
    # one call (the results answer what they published: a query after the command)
    long = [f.name for f in endpoints
            if len(f.body) > 2 or (len(f.body) == 2 and f.name != "confirm_results")]
    assert long == []


def test_the_service_queries_nothing_itself():
    subscripts = [ast.unparse(node) for node in ast.walk(ast.parse(SOURCE))
                  if isinstance(node, ast.Subscript) and "db" in ast.unparse(node.value)]
    assert subscripts == []
    assert ".find(" not in SOURCE and ".find_one(" not in SOURCE
    assert "self.db.transaction" not in SOURCE  # units of work run through self.handle
