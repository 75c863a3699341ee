"""What a person types to find the organisation to represent: a NIP or a name."""

from __future__ import annotations

import pytest

from portal.workspaces import search_by


@pytest.mark.parametrize("typed", ["5260250274", "526-025-02-74", "526 025 02 74"])
def test_ten_digits_are_a_nip_as_typed(typed):
    assert search_by(typed) == {"nip": typed}


@pytest.mark.parametrize("typed", ["Fundacja Kino Osiedlowe", "526025027", "52602502745",
                                   "Klub 1234567890"])
def test_anything_else_is_a_name(typed):
    assert search_by(typed) == {"q": typed}
