"""CSRF protection of the portal's forms: a signed double-submit token (itsdangerous).

The first page with a form sets a random, HttpOnly, SameSite=Lax cookie; every form carries a
hidden `csrf_token`, the cookie's value signed with the portal's secret and a time stamp. A POST
is accepted only when the token's signature is valid, it is younger than `MAX_AGE` and it signs
the cookie the browser sent. A site that is not ours can neither read the cookie nor forge the
signature.
"""

from __future__ import annotations

import hmac
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "portal_csrf"
FIELD = "csrf_token"
MAX_AGE = 4 * 3600  # a form left open for an afternoon still posts


class Csrf:
    def __init__(self, secret: str) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="wspolpraca.portal.csrf")

    @staticmethod
    def new_cookie() -> str:
        return secrets.token_urlsafe(24)

    def token(self, cookie: str) -> str:
        return self.serializer.dumps(cookie)

    def valid(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        try:
            signed = self.serializer.loads(token, max_age=MAX_AGE)
        except BadSignature:  # also SignatureExpired
            return False
        return isinstance(signed, str) and hmac.compare_digest(signed, cookie)
