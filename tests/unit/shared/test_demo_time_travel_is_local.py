"""`make demo` moves dates (the committee's competition; everything with --time-travel) only in
a database on this machine: a URI naming any other host is refused before anything is written."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[3] / "scripts" / "demo.py"


@pytest.fixture
def demo(monkeypatch):
    for name in ("MONGO_URI", "MONGO_URI_GRANTS"):
        monkeypatch.delenv(name, raising=False)
    spec = importlib.util.spec_from_file_location("demo_safety_under_test", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("uri", "local"), [
    ("mongodb://127.0.0.1:27027/?directConnection=true", True),
    ("mongodb://localhost:27017,127.0.0.1:27018/?replicaSet=rs0", True),
    ("mongodb://grants:pw@[::1]:27017/grants?authSource=grants", True),
    ("mongodb://grants:pw@mongo-0.mongo:27017/grants?replicaSet=rs0", False),
    ("mongodb://127.0.0.1:27017,db.city.example.pl:27017/?replicaSet=rs0", False),
    ("mongodb+srv://cluster.example.net/grants", False),
])
def test_only_a_database_on_this_machine_is_used(demo, monkeypatch, uri: str,
                                                 local: bool) -> None:
    monkeypatch.setenv("MONGO_URI_GRANTS", uri)
    if local:
        assert demo.local_database("grants")[0] == uri
        return
    with pytest.raises(demo.Unexpected, match="not on this machine"):
        demo.move_clock("grants", "competitions", "c1", "submission_deadline")
