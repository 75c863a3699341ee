"""No test sleeps to wait (issue #20): a test waits for what it expects with
`wspolpraca.testing.waiting.wait_until`, and for what must *not* happen by synchronising on what
would come before it (`wspolpraca.testing.sync`: a sentinel through the same queue, the outbox
drained, the processed marks, the consumed-events metric), never for time passing.

Every `sleep(...)` call (time.sleep, eventlet.sleep, a connection's sleep) in the tests and the
test kit is found with `ast` (so "sleep(1000)" inside a string does not count) and must be one
of the documented exceptions below, which are not waits for something to happen.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SEARCHED = (ROOT / "tests", ROOT / "shared" / "wspolpraca" / "testing")

# file (from the repository root) -> (how many sleep calls, why each is not a wait)
EXCEPTIONS: dict[str, tuple[int, str]] = {
    "shared/wspolpraca/testing/waiting.py": (
        1, "wait_until's own poll interval between two checks: the one retry loop"),
    "shared/wspolpraca/testing/rabbit.py": (
        1, "the event listener's poll of its queue (pika's connection.sleep keeps the "
           "connection serviced between two basic_get)"),
    "tests/faults/test_faults.py": (
        3, "the fault driver's polls and pacing: it keeps a stream of commands going while "
           "services and the broker are killed, and looks again whether a command whose answer "
           "was lost landed"),
    "tests/integration/notifications/notifications_helpers.py": (
        2, "the test receiver is slow on purpose (/slow answers late, /trickle dribbles its "
           "body): the delay is what those tests are about"),
    "tests/integration/notifications/smtp_auth_server.py": (
        1, "the SMTP test server's main thread idles while aiosmtpd's controller serves"),
}


def sleep_calls(path: Path) -> list[int]:
    """The lines of the calls of something named `sleep` in a Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name == "sleep":
                lines.append(node.lineno)
    return sorted(lines)


def found() -> dict[str, list[int]]:
    calls = {}
    for folder in SEARCHED:
        for path in sorted(folder.rglob("*.py")):
            lines = sleep_calls(path)
            if lines:
                calls[path.relative_to(ROOT).as_posix()] = lines
    return calls


def test_no_test_sleeps_to_wait_except_the_documented_exceptions():
    calls = found()
    unexpected = {name: lines for name, lines in calls.items()
                  if len(lines) != EXCEPTIONS.get(name, (0, ""))[0]}
    assert not unexpected, (
        "a test sleeps to wait: wait for the thing itself (wait_until, or wspolpraca.testing."
        "sync for what must not happen), or document the exception in this test: "
        + ", ".join(f"{name} lines {lines}" for name, lines in unexpected.items()))


def test_every_documented_exception_still_exists_and_gives_its_reason():
    calls = Counter({name: len(lines) for name, lines in found().items()})
    for name, (count, reason) in EXCEPTIONS.items():
        assert calls[name] == count, f"{name}: {calls[name]} sleep calls, {count} documented"
        assert len(reason) > 20, name


def test_the_grep_sees_a_sleep(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text('import time\n\nQUERY = {"$where": "sleep(1000)"}\n\n\n'
                      "def test_it():\n    time.sleep(0.5)\n", encoding="utf-8")
    assert sleep_calls(sample) == [7]
