import pytest
from identity_helpers import active_account

from identity.service import IdentityService
from wspolpraca.auth import mint_token


@pytest.fixture
def identity(start_service):
    return start_service(IdentityService)


@pytest.fixture
def admin_token(identity):
    """An identity-issued... no: a development HS256 token of an admin account that exists."""
    account = active_account(identity, roles=["admin"], name="Admin Testowy")
    return mint_token(account["_id"], ["admin"])
