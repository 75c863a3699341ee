"""Starts one service in this process: `python -m wspolpraca.runner registry`.

Our own runner (not nameko's CLI, which needs pkg_resources): it monkey-patches
first, reads the settings from the environment, logs in JSON and stops cleanly
on SIGTERM or SIGINT (in-flight workers finish, the relay stops).
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import importlib  # noqa: E402
import logging  # noqa: E402
import signal  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from wspolpraca import logs  # noqa: E402
from wspolpraca.config import SERVICE_PORTS, Settings, load_settings  # noqa: E402

log = logging.getLogger("wspolpraca.runner")


def service_class(service: str) -> type:
    module = importlib.import_module(f"{service}.service")
    for value in vars(module).values():
        if isinstance(value, type) and getattr(value, "name", None) == service:
            return value
    raise SystemExit(f"{service}.service defines no nameko service named {service!r}")


def serve(service_cls: type, settings: Settings) -> None:
    """Run one service until SIGTERM or SIGINT, then stop it cleanly."""
    runner = ServiceRunner(settings.nameko_config())
    runner.add_service(service_cls)

    stopping: list[int] = []

    def shutdown(signum, frame):
        if stopping:  # Ctrl-C reaches the whole process group, then the supervisor's SIGTERM
            return
        stopping.append(signum)
        log.info("stopping %s (signal %s)", settings.service, signum)
        eventlet.spawn_n(runner.stop)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    runner.start()
    log.info("%s listening on %s", settings.service, settings.http_address)
    waiter = eventlet.spawn(runner.wait)
    while True:
        try:
            waiter.wait()
            break
        except OSError:  # interrupted system call while waiting
            continue
    log.info("%s stopped", settings.service)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m wspolpraca.runner")
    parser.add_argument("service", choices=sorted(SERVICE_PORTS))
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)

    logs.configure(args.service, args.log_level)
    serve(service_class(args.service), load_settings(args.service))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
