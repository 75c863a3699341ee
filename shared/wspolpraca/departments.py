"""What every service knows about a city department: the shape of its code, who runs what no
department was named for, and the standard queues a department's system reads.

A department's standard queue `dept.<code>.<purpose>` (wspolpraca.queues) is bound like those
of infra/rabbitmq/definitions.json: one exchange and routing-key pattern per purpose.
"""

from __future__ import annotations

import re

DEPARTMENT_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

# A competition an officer drafts without naming a department is run by the liaison office
# itself (only staff act for it); every competition names who runs it.
LIAISON_OFFICE = "liaison_office"

# purpose -> (exchange, routing-key pattern): what a department's system acts on
STANDARD_PURPOSES: dict[str, tuple[str, str]] = {
    "inquiries": ("registry.events", "inquiry.*"),
    "bookings": ("registry.events", "booking.*"),
    "competitions": ("grants.events", "competition.*"),
    "organizations": ("registry.events", "organization.*"),
    "consultations": ("consultations.events", "consultation.*"),
}
# declared for a new department unless the operator asks for other purposes
DEFAULT_PURPOSES = ("inquiries", "bookings", "competitions")


def permission_pattern(code: str) -> str:
    """The RabbitMQ permission regex limiting a department's user to its own queues."""
    return rf"^dept\.{re.escape(code)}\..*"
