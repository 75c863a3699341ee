"""The guard of this suite's design: Playwright's process is not monkey-patched by eventlet."""

import sys


def test_this_process_is_not_monkey_patched() -> None:
    if "eventlet" in sys.modules:
        from eventlet import patcher

        assert not patcher.is_monkey_patched("socket")
        assert not patcher.is_monkey_patched("thread")
