"""What one worker knows about the request or event that started it.

nameko keeps it in `worker_ctx.data`; `current` mirrors it in a green-thread
local so that logging can stamp every line with the correlation id.
"""

from __future__ import annotations

import threading
from typing import Any

CORRELATION_ID = "correlation_id"
CAUSATION_ID = "causation_id"
EVENT_ID = "event_id"
CONSUMER = "consumer"
PROCESSED_RECORDED = "processed_recorded"
# the handler was declared `keyed_by_event=True` (wspolpraca.consumer): its one write, keyed by
# the event's id, is its own processed mark (Store.insert_keyed_by_event)
KEYED_BY_EVENT = "keyed_by_event"
# a request's Idempotency-Key (wspolpraca.idempotency): its mark's id and the body's fingerprint
IDEMPOTENCY_MARK = "idempotency_mark"
IDEMPOTENCY_FINGERPRINT = "idempotency_fingerprint"
IDEMPOTENCY_RECORDED = "idempotency_recorded"
# a request's If-Match (wspolpraca.conditional): the versions it accepts (None: any), the id
# of the one record the condition is about and (when its endpoint names it) its collection
IF_MATCH = "if_match"
IF_MATCH_TARGET = "if_match_target"
IF_MATCH_COLLECTION = "if_match_collection"

current = threading.local()


def bind(data: dict[str, Any]) -> None:
    current.correlation_id = data.get(CORRELATION_ID)


def unbind() -> None:
    current.correlation_id = None


def correlation_id() -> str | None:
    return getattr(current, "correlation_id", None)
