"""The portal's form secret in production (issue 15, item 7, the same class elsewhere): like
the link secret, its own, never the JWT secret, and refused when short or well known."""

from __future__ import annotations

import pytest

from portal.web import portal_secret
from wspolpraca.config import DEVELOPMENT_JWT_SECRET, ConfigurationError, Settings

JWT = "j" * 40


def settings(production: bool, jwt_secret: str | None = JWT) -> Settings:
    return Settings(service="portal", amqp_uri="", mongo_uri="", mongo_database="",
                    http_port=8000, jwt_secret=jwt_secret, production=production)


@pytest.mark.parametrize("env", [
    {},                                             # fell back to the JWT secret
    {"PORTAL_SECRET": JWT},                         # the JWT secret itself
    {"PORTAL_SECRET": "short-portal-secret"},       # under 32 bytes
    {"PORTAL_SECRET": DEVELOPMENT_JWT_SECRET},      # written in this repository
    {"PORTAL_SECRET": "change-me"},
])
def test_production_refuses_a_missing_shared_short_or_documented_form_secret(env):
    with pytest.raises(ConfigurationError):
        portal_secret(settings(production=True), env)


def test_production_takes_its_own_secret_development_may_use_the_jwt_secret():
    own = "p" * 40
    assert portal_secret(settings(production=True), {"PORTAL_SECRET": own}) == own
    assert portal_secret(settings(production=False), {}) == JWT
    with pytest.raises(ConfigurationError):
        portal_secret(settings(production=False, jwt_secret=None), {})
