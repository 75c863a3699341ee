"""wspolpraca.timers.scheduled: nameko's timer, idle in a process whose timers are off."""

from __future__ import annotations

from types import SimpleNamespace

from nameko.timer import Timer

from wspolpraca.timers import scheduled


class Service:
    def __init__(self, enabled: bool) -> None:
        self.db = SimpleNamespace(provider=SimpleNamespace(
            settings=SimpleNamespace(timers_enabled=enabled)))

    @scheduled(30)
    def sweep(self) -> int:
        """Sweeps."""
        return 3


def test_the_method_runs_only_where_timers_are_on_and_is_a_timer_entry_point():
    assert Service(enabled=True).sweep() == 3
    assert Service(enabled=False).sweep() == 0
    assert Service.sweep.__name__ == "sweep" and Service.sweep.__doc__ == "Sweeps."
    (entrypoint,) = Service.sweep.nameko_entrypoints
    assert isinstance(entrypoint, Timer) and entrypoint.interval == 30
