"""The names of the platform's exchanges, queues and message headers, in one place.

A leaf: imports nothing of the platform, so every module (the consumer, the relay, the DLQ
tools, the topology, the metrics) names things the same way.

- `<service>.events`: the topic exchange a service publishes its events to;
- `<queue>.retry.<ms>ms`: a consumer queue's retry queue for one delay (its messages expire
  back into the queue);
- `<queue>.dlq`: where a consumer queue's failed messages are parked;
- `dept.<code>.<purpose>`: a department's standard queue.
"""

from __future__ import annotations

DLQ_SUFFIX = ".dlq"

# headers the consumer sets on a message it retries or parks
ATTEMPTS_HEADER = "x-wspolpraca-attempts"
ERROR_HEADER = "x-wspolpraca-error"
FAILED_AT_HEADER = "x-wspolpraca-failed-at"
QUEUE_HEADER = "x-wspolpraca-queue"
REPLAYED_HEADER = "x-wspolpraca-replayed"
HEADER_PREFIX = "x-wspolpraca-"


def events_exchange(service: str) -> str:
    return f"{service}.events"


def retry_queue_name(queue: str, delay: float) -> str:
    return f"{queue}.retry.{int(delay * 1000)}ms"


def dead_letter_queue_name(queue: str) -> str:
    return f"{queue}{DLQ_SUFFIX}"


def is_dead_letter_queue(name: str) -> bool:
    return name.endswith(DLQ_SUFFIX)


def consumer_queue_name(queue: str) -> str:
    """The consumer queue of `queue`, given as itself or as its `.dlq`."""
    return queue[:-len(DLQ_SUFFIX)] if is_dead_letter_queue(queue) else queue


def department_queue_name(code: str, purpose: str) -> str:
    return f"dept.{code}.{purpose}"
