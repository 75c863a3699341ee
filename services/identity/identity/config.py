"""Settings of the identity service, read from the environment, then `Settings.extra` (tests).

Secrets only from the environment or files (`<NAME>_FILE` names a file holding the value).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from wspolpraca.config import ConfigurationError, Settings, check_production_secret

# Documented development default of the passphrase that encrypts the signing keys at rest;
# production refuses to start with it.
DEVELOPMENT_KEY_PASSPHRASE = "wspolpraca-identity-development-passphrase"
# Likewise the key that encrypts the accounts' TOTP secrets at rest.
DEVELOPMENT_TOTP_KEY = "wspolpraca-identity-development-totp-key"
CLI_CLIENT_ID = "wspolpraca-cli"


@dataclass(frozen=True)
class IdentitySettings:
    issuer: str
    key_passphrase: bytes
    totp_key: bytes = DEVELOPMENT_TOTP_KEY.encode("utf-8")
    access_token_minutes: int = 10
    refresh_token_days: int = 30
    session_hours: int = 12
    admin_email: str | None = None
    admin_password: str | None = None
    public_url: str = ""          # where links in emails point (the proxy, or identity itself)
    secure_cookies: bool = False  # the Secure flag: true behind HTTPS
    audit_retention_days: int = 365  # sign-ins and role changes are kept this long


def _secret(env: dict[str, str], name: str) -> str | None:
    path = env.get(f"{name}_FILE")
    if path:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    return env.get(name) or None


def _production_secret(settings: Settings, env: dict[str, str], name: str, development: str,
                       purpose: str) -> str:
    """A secret from the environment or a file; the documented development value when unset,
    which production refuses (as it refuses a missing, short or well-known one)."""
    value = _secret(env, name)
    if settings.production:
        if not value:
            raise ConfigurationError(f"Production mode needs {name} (or _FILE): {purpose}.")
        if value == development:
            raise ConfigurationError(f"Production mode refuses the development value of "
                                     f"{name}.")
        check_production_secret(name, value)
    return value or development


def load_identity_settings(settings: Settings, env: dict[str, str] | None = None
                           ) -> IdentitySettings:
    env = {**(os.environ if env is None else env), **settings.extra}
    issuer = (env.get("WSPOLPRACA_IDENTITY_ISSUER")
              or f"http://127.0.0.1:{settings.http_port}").rstrip("/")
    passphrase = _production_secret(settings, env, "WSPOLPRACA_IDENTITY_KEY_PASSPHRASE",
                                    DEVELOPMENT_KEY_PASSPHRASE,
                                    "it encrypts the signing keys at rest")
    totp_key = _production_secret(settings, env, "WSPOLPRACA_IDENTITY_TOTP_KEY",
                                  DEVELOPMENT_TOTP_KEY, "it encrypts the TOTP secrets at rest")
    return IdentitySettings(
        issuer=issuer,
        key_passphrase=passphrase.encode("utf-8"),
        totp_key=totp_key.encode("utf-8"),
        access_token_minutes=int(env.get("WSPOLPRACA_IDENTITY_ACCESS_TOKEN_MINUTES", "10")),
        refresh_token_days=int(env.get("WSPOLPRACA_IDENTITY_REFRESH_TOKEN_DAYS", "30")),
        session_hours=int(env.get("WSPOLPRACA_IDENTITY_SESSION_HOURS", "12")),
        admin_email=env.get("WSPOLPRACA_ADMIN_EMAIL") or None,
        admin_password=_secret(env, "WSPOLPRACA_ADMIN_PASSWORD"),
        public_url=(env.get("WSPOLPRACA_IDENTITY_PUBLIC_URL") or issuer).rstrip("/"),
        secure_cookies=issuer.startswith("https://"),
        audit_retention_days=int(env.get("WSPOLPRACA_IDENTITY_AUDIT_RETENTION_DAYS", "365")),
    )
