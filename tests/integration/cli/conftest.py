import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

# registry_helpers (valid NIPs, request bodies) are shared with the registry's tests
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "registry"))


@pytest.fixture
def cli(amqp_uri):
    """`cli("dlq", "list", env={...}, input="n\\n") -> Result`, the AMQP_URI of the session."""
    from wspolpraca.cli import app

    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None):
        return runner.invoke(app, list(args), env={"AMQP_URI": amqp_uri, **(env or {})},
                             input=input, catch_exceptions=False)

    return invoke

