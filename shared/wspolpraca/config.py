"""Settings of one service process, read from the environment (DESIGN.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SERVICE_PORTS: dict[str, int] = {
    "registry": 8001,
    "grants": 8002,
    "consultations": 8003,
    "notifications": 8004,
    "reporting": 8005,
    "identity": 8006,
}

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
# Documented development default; production refuses to start without a real secret.
DEVELOPMENT_JWT_SECRET = "wspolpraca-development-secret-do-not-use-in-production"
DEFAULT_AUDIENCE = "wspolpraca"

SETTINGS_KEY = "WSPOLPRACA_SETTINGS"


class ConfigurationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Settings:
    service: str
    amqp_uri: str
    mongo_uri: str
    mongo_database: str
    http_port: int
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_jwks_url: str | None = None
    jwt_jwks_timeout: float = 5.0
    jwt_jwks_cache_seconds: float = 300.0
    jwt_jwks_cooldown_seconds: float = 10.0
    jwt_audience: str = DEFAULT_AUDIENCE
    # the identity provider's `iss`, checked on its (asymmetric) tokens when set
    jwt_issuer: str | None = None
    production: bool = False
    max_workers: int = 20
    relay_enabled: bool = True
    relay_poll_seconds: float = 0.5
    timers_enabled: bool = True
    consumer_retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0)
    max_body_bytes: int = 1024 * 1024
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def http_address(self) -> str:
        return f"0.0.0.0:{self.http_port}"

    def nameko_config(self) -> dict:
        return {
            "AMQP_URI": self.amqp_uri,
            "WEB_SERVER_ADDRESS": self.http_address,
            "max_workers": self.max_workers,
            "serializer": "json",
            SETTINGS_KEY: self,
        }


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def resolve_mongo(service: str, env: dict[str, str]) -> tuple[str, str]:
    """The service's own URI (`MONGO_URI_<SERVICE>`) or the shared one plus its database."""
    own = env.get(f"MONGO_URI_{service.upper()}")
    if own:
        database = urlsplit(own).path.lstrip("/") or service
        return own, database
    shared = env.get("MONGO_URI")
    if shared:
        return shared, service
    raise ConfigurationError(
        f"No database configured for {service}: set MONGO_URI_{service.upper()} or MONGO_URI "
        "(`make run` starts the embedded SecantusDB and sets it for you)."
    )


def load_settings(service: str, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    production = env.get("WSPOLPRACA_ENV", "development").lower() == "production"
    secret = env.get("WSPOLPRACA_JWT_SECRET") or None
    public_key = env.get("WSPOLPRACA_JWT_PUBLIC_KEY") or None
    jwks_url = env.get("WSPOLPRACA_JWT_JWKS_URL") or None
    if production and secret == DEVELOPMENT_JWT_SECRET:
        raise ConfigurationError(
            "Production mode refuses the documented development WSPOLPRACA_JWT_SECRET.")
    if not secret and not public_key and not jwks_url:
        if production:
            raise ConfigurationError(
                "Production mode needs WSPOLPRACA_JWT_SECRET, WSPOLPRACA_JWT_PUBLIC_KEY "
                "or WSPOLPRACA_JWT_JWKS_URL."
            )
        secret = DEVELOPMENT_JWT_SECRET
    mongo_uri, database = resolve_mongo(service, env)
    port_override = env.get(f"WSPOLPRACA_HTTP_PORT_{service.upper()}")
    port = int(port_override or SERVICE_PORTS.get(service, 8000))
    delays = env.get("WSPOLPRACA_RETRY_DELAYS")
    return Settings(
        service=service,
        amqp_uri=env.get("AMQP_URI", DEFAULT_AMQP_URI),
        mongo_uri=mongo_uri,
        mongo_database=database,
        http_port=port,
        jwt_secret=secret,
        jwt_public_key=public_key,
        jwt_jwks_url=jwks_url,
        jwt_jwks_timeout=float(env.get("WSPOLPRACA_JWT_JWKS_TIMEOUT_SECONDS", "5")),
        jwt_jwks_cache_seconds=float(env.get("WSPOLPRACA_JWT_JWKS_CACHE_SECONDS", "300")),
        jwt_jwks_cooldown_seconds=float(env.get("WSPOLPRACA_JWT_JWKS_COOLDOWN_SECONDS", "10")),
        jwt_audience=env.get("WSPOLPRACA_JWT_AUDIENCE", DEFAULT_AUDIENCE),
        jwt_issuer=env.get("WSPOLPRACA_JWT_ISSUER") or None,
        production=production,
        max_workers=int(env.get("WSPOLPRACA_MAX_WORKERS", "20")),
        relay_enabled=_flag(env.get("WSPOLPRACA_RELAY"), True),
        timers_enabled=_flag(env.get("WSPOLPRACA_TIMERS"), True),
        consumer_retry_delays=(
            tuple(float(d) for d in delays.split(",")) if delays else (1.0, 5.0, 30.0)
        ),
        max_body_bytes=int(env.get("WSPOLPRACA_MAX_BODY_BYTES", str(1024 * 1024))),
    )


def settings_of(container_config: dict) -> Settings:
    try:
        return container_config[SETTINGS_KEY]
    except KeyError:
        raise ConfigurationError(
            f"The nameko config has no {SETTINGS_KEY}; start services with wspolpraca.runner."
        ) from None
