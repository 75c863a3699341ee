"""A status transition of the domain: allowed from some statuses, refused (409) from the
others with a Polish message naming the current status; and the reason some transitions ask
for. The services' domain modules phrase the refusal; the rule is written once here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any, TypeVar

from wspolpraca.errors import DomainError

S = TypeVar("S", bound=StrEnum)


def transition(current: StrEnum, allowed: Iterable[StrEnum], target: S, refusal: str) -> S:
    """`target` when `current` is one of `allowed`; otherwise DomainError("invalid_transition",
    409) whose message is `refusal` with `{label}` replaced by the current status's label
    (its value where the enum has no labels)."""
    if current not in set(allowed):
        label = getattr(current, "label", current.value)
        raise DomainError("invalid_transition", refusal.format(label=label), status=409)
    return target


def require_reason(reason: str | None) -> str:
    """The reason, stripped; DomainError("reason_required") on the field `reason` when blank."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise DomainError("reason_required", "Podaj powód.", field="reason")
    return text


def status_change(statuses: Callable[[Any], S], allowed: Iterable[S], target: S, refusal: str,
                  *, reason: bool = False, doc: str = "") -> Callable[..., S]:
    """A domain transition as a function of the current status (a status or its value):
    `transition` to `target` from `allowed`, refused with `refusal`; with `reason=True` it
    takes the reason too and asks for it first (`require_reason`)."""
    allowed = frozenset(allowed)

    def move(status: Any, *given: str | None) -> S:
        if reason:
            (why,) = given
            require_reason(why)
        elif given:
            raise TypeError("this transition takes no reason")
        return transition(statuses(status), allowed, target, refusal)

    move.__doc__ = doc
    return move
