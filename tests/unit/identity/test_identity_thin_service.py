"""identity/service.py keeps only routes, schemas, role checks and one call per endpoint: no
query of its own and no rule (issue #20). The sign-in, reset and logout pages keep their page
logic and Authlib's server calls (protocol plumbing), but no database access either."""

from __future__ import annotations

import ast
from pathlib import Path

from identity import service

SOURCE = Path(service.__file__).read_text(encoding="utf-8")
TREE = ast.parse(SOURCE)


def _endpoints() -> dict[str, tuple[str, ast.FunctionDef]]:
    found = {}
    for node in ast.walk(TREE):
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and \
                    getattr(decorator.func, "id", None) == "identity_api":
                found[node.name] = (ast.literal_eval(decorator.args[1]), node)
    return found


def test_every_api_endpoint_is_one_call():
    endpoints = _endpoints()
    assert len(endpoints) >= 30
    api = {name: node for name, (path, node) in endpoints.items() if path.startswith("/api/")}
    # one call (a registration answers the same whatever happened: a constant after it;
    # a deletion answers 204)
    long = [name for name, node in api.items()
            if len(node.body) > 2 or (len(node.body) == 2
                                      and name not in ("register", "request_reset",
                                                       "delete_me"))]
    assert long == []


def test_the_service_queries_nothing_itself():
    subscripts = [ast.unparse(node) for node in ast.walk(TREE)
                  if isinstance(node, ast.Subscript) and "db" in ast.unparse(node.value)]
    assert subscripts == []
    for call in (".find(", ".find_one(", ".insert_one(", ".update_one(", ".update_many(",
                 ".delete_one(", ".replace_one(", "self.db.transaction", "tx.db"):
        assert call not in SOURCE, call


def test_the_openid_provider_reads_and_writes_through_the_repositories():
    from identity import oidc

    source = Path(oidc.__file__).read_text(encoding="utf-8")
    subscripts = [ast.unparse(node) for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Subscript) and "db" in ast.unparse(node.value)]
    assert subscripts == []
    for call in (".find(", ".find_one(", ".insert_one(", ".update_one(", ".update_many(",
                 ".delete_one(", ".delete_many(", ".replace_one("):
        assert call not in source, call
