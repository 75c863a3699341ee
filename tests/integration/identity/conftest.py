import sys
from pathlib import Path

import pytest

# the journeys reuse the grants and notifications suites' helpers (organisations verified
# through the real registry, the real SMTP server)
for suite in ("grants", "notifications"):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / suite))

from identity_helpers import active_account  # noqa: E402

from identity.service import IdentityService  # noqa: E402
from wspolpraca.auth import mint_token  # noqa: E402


@pytest.fixture
def identity(start_service):
    return start_service(IdentityService)


@pytest.fixture
def admin_token(identity):
    """A development token of an admin account that exists in identity."""
    account = active_account(identity, roles=["admin"], name="Admin Testowy")
    return mint_token(account["_id"], ["admin"])


@pytest.fixture
def relying(identity):
    """Settings that make a domain service verify identity's tokens through its JWKS (and
    still accept the development HS256 tokens the other helpers mint)."""
    return {"jwt_jwks_url": identity.url("/oauth2/jwks"), "jwt_issuer": identity.base_url,
            "jwt_jwks_cooldown_seconds": 0.0, "jwt_jwks_cache_seconds": 2.0}
