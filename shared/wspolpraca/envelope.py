"""The CloudEvents 1.0 envelope of every event (DESIGN.md, "Events")."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wspolpraca.queues import events_exchange

SPEC_VERSION = "1.0"
REQUIRED = ("specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data")


class InvalidEnvelope(ValueError):
    pass


def new_id() -> str:
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Now, to the millisecond: what BSON dates keep, so a record reads back as written."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


@dataclass(frozen=True)
class CloudEvent:
    service: str
    routing_key: str
    subject: str
    data: dict[str, Any]
    id: str = field(default_factory=new_id)
    time: str = field(default_factory=lambda: format_time(utcnow()))
    correlation_id: str | None = None
    causation_id: str | None = None

    @property
    def source(self) -> str:
        return f"/wspolpraca/{self.service}"

    @property
    def type(self) -> str:
        return f"{self.service}.{self.routing_key}"

    @property
    def exchange(self) -> str:
        return events_exchange(self.service)

    def to_dict(self) -> dict[str, Any]:
        return {
            "specversion": SPEC_VERSION,
            "id": self.id,
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time,
            "datacontenttype": "application/json",
            "correlationid": self.correlation_id or self.id,
            "causationid": self.causation_id or self.id,
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, body: Any) -> CloudEvent:
        if not isinstance(body, dict):
            raise InvalidEnvelope("an event must be a JSON object")
        missing = [name for name in REQUIRED if name not in body]
        if missing:
            raise InvalidEnvelope(f"missing attributes: {', '.join(missing)}")
        if body["specversion"] != SPEC_VERSION:
            raise InvalidEnvelope(f"unsupported specversion {body['specversion']!r}")
        source = str(body["source"])
        prefix = "/wspolpraca/"
        if not source.startswith(prefix):
            raise InvalidEnvelope(f"unknown source {source!r}")
        service = source[len(prefix):]
        event_type = str(body["type"])
        if not event_type.startswith(service + "."):
            raise InvalidEnvelope(f"type {event_type!r} does not belong to {source!r}")
        if not isinstance(body["data"], dict):
            raise InvalidEnvelope("data must be a JSON object")
        return cls(
            service=service,
            routing_key=event_type[len(service) + 1:],
            subject=str(body["subject"]),
            data=body["data"],
            id=str(body["id"]),
            time=str(body["time"]),
            correlation_id=body.get("correlationid"),
            causation_id=body.get("causationid"),
        )

    def caused(self, service: str, routing_key: str, subject: str, data: dict) -> CloudEvent:
        """A new event caused by this one: same correlation, causation = this id."""
        return CloudEvent(
            service=service,
            routing_key=routing_key,
            subject=subject,
            data=data,
            correlation_id=self.correlation_id or self.id,
            causation_id=self.id,
        )
