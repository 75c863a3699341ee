"""Runs `bench_consumer` in this process: `python bench/run_consumer.py`.

Environment: MONGO_URI, AMQP_URI (required); BENCH_CONSUMER_DB (database,
default `bench_consumer`); WSPOLPRACA_MAX_WORKERS (default 20); BENCH_CONSUMER_MODE
(`keyed`, the default, or `transaction`: bench/consumer_service.py). The service
publishes nothing, so its outbox relay is off. SIGTERM or SIGINT stops it
cleanly (in-flight workers finish).
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import logging  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

from consumer_service import CONSUMERS, BenchConsumer  # noqa: E402

from wspolpraca.config import DEVELOPMENT_JWT_SECRET, Settings  # noqa: E402
from wspolpraca.runner import serve  # noqa: E402


def settings_from_env() -> Settings:
    return Settings(
        service=BenchConsumer.name,
        amqp_uri=os.environ["AMQP_URI"],
        mongo_uri=os.environ["MONGO_URI"],
        mongo_database=os.environ.get("BENCH_CONSUMER_DB", BenchConsumer.name),
        http_port=0,  # no http entrypoints: nameko opens no port
        jwt_secret=DEVELOPMENT_JWT_SECRET,
        max_workers=int(os.environ.get("WSPOLPRACA_MAX_WORKERS", "20")),
        relay_enabled=False,
        timers_enabled=False,
    )


def main() -> int:
    logging.basicConfig(
        stream=sys.stdout,
        level=os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    serve(CONSUMERS[os.environ.get("BENCH_CONSUMER_MODE", "keyed")], settings_from_env())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
