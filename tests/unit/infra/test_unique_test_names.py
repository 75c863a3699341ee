"""The suite imports test modules by their base name (rootdir-relative, no packages), so two
test files with one name in different folders stop the whole run at collection ("import file
mismatch"). Helpers and modules named like tests count too."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parents[2]


def test_every_test_module_has_a_name_of_its_own() -> None:
    seen: dict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("*.py"):
        if "browser" in path.parts or path.name in {"__init__.py", "conftest.py"}:
            continue
        seen[path.name].append(str(path.relative_to(TESTS)))
    clashes = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert not clashes, f"give these test modules names of their own: {clashes}"
