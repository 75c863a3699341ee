"""JSON log lines stamped with the service and the correlation id."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from nameko.extensions import DependencyProvider

from wspolpraca import context


class JsonFormatter(logging.Formatter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        correlation = getattr(record, "correlation_id", None) or context.correlation_id()
        if correlation:
            line["correlation_id"] = correlation
        for key in ("method", "route", "status", "duration_ms", "event_type", "event_id"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # eventlet's server writes a line per request; our entrypoint logs requests itself
    logging.getLogger("nameko.web.server").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.WARNING)
    logging.getLogger("pymongo").setLevel(logging.WARNING)


class WorkerLogContext(DependencyProvider):
    """Binds the worker's correlation id for the log lines it writes."""

    def worker_setup(self, worker_ctx) -> None:
        context.bind(worker_ctx.data)

    def worker_teardown(self, worker_ctx) -> None:
        context.unbind()
