"""What a rule of the Act refuses, for the unit tests of the services' domain code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from wspolpraca.errors import DomainError


def refused(call: Callable[..., Any], *args: Any, **kwargs: Any) -> DomainError:
    """The DomainError that `call(*args, **kwargs)` raises; the test fails if it raises none."""
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def refusal(error: DomainError) -> tuple[str, str | None, int]:
    """The error's code, field and HTTP status: what the JSON error answer carries."""
    return error.code, error.field, error.status
