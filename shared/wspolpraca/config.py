"""Settings of one service process, read from the environment (DESIGN.md)."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SERVICE_PORTS: dict[str, int] = {
    "portal": 8000, "registry": 8001, "grants": 8002, "consultations": 8003,
    "notifications": 8004, "reporting": 8005, "identity": 8006}

# services that publish no events (no outbox): the portal renders the others' APIs
WITHOUT_EVENTS = frozenset({"portal"})

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
# Documented development default; production refuses to start without a real secret.
DEVELOPMENT_JWT_SECRET = "wspolpraca-development-secret-do-not-use-in-production"
DEFAULT_AUDIENCE = "wspolpraca"
# A production secret has at least this many bytes (HS256 wants a key as long as its hash).
MIN_SECRET_BYTES = 32
# Every secret that was ever written in this repository's files as a default or an example:
# well known, so production refuses them whatever their length.
DOCUMENTED_SECRETS = frozenset({
    DEVELOPMENT_JWT_SECRET,
    "dev-only-jwt-secret-change-me",
    "dev-only-link-secret-change-me",
    "wspolpraca",
    "change-me",
    "changeme",
    "secret",
})

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
    jwt_issuer: str | None = None        # checked (and required) when configured
    jwt_leeway_seconds: float = 30.0     # clock skew allowed on exp, nbf and iat
    production: bool = False
    max_workers: int = 20
    relay_enabled: bool = True
    relay_poll_seconds: float = 0.5
    timers_enabled: bool = True
    consumer_retry_delays: tuple[float, ...] = (1.0, 5.0, 30.0)
    max_body_bytes: int = 1024 * 1024
    # Public writes (comments, inquiries, subscriptions, sign-ups): at most this many per
    # client address in a sliding window (0 turns the limit off); see wspolpraca.ratelimit.
    rate_limit_writes: int = 30
    rate_limit_window_seconds: float = 60.0
    # Proxies whose X-Forwarded-For is believed (CIDRs); from anyone else it is ignored.
    trusted_proxies: tuple[str, ...] = ()
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


def check_production_secret(name: str, value: str | None) -> None:
    """Production refuses a secret that is short or written down somewhere (a default or an
    example of this repository): either could be guessed. Absence is the caller's concern."""
    if value is None:
        return
    if value in DOCUMENTED_SECRETS or value.strip().lower() in DOCUMENTED_SECRETS:
        raise ConfigurationError(
            f"Production mode refuses the documented example or default {name}: "
            "generate one, e.g. `openssl rand -hex 32`.")
    if len(value.encode("utf-8")) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            f"Production mode refuses a {name} shorter than {MIN_SECRET_BYTES} bytes: "
            "generate one, e.g. `openssl rand -hex 32`.")


def _cidrs(value: str | None, variable: str) -> tuple[str, ...]:
    networks = []
    for part in (value or "").split(","):
        if part.strip():
            try:
                networks.append(str(ipaddress.ip_network(part.strip(), strict=False)))
            except ValueError:
                raise ConfigurationError(f"{variable}: {part.strip()!r} is not a network "
                                         "(CIDR) or an address.") from None
    return tuple(networks)


def load_settings(service: str, env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    production = env.get("WSPOLPRACA_ENV", "development").lower() == "production"
    secret = env.get("WSPOLPRACA_JWT_SECRET") or None
    public_key = env.get("WSPOLPRACA_JWT_PUBLIC_KEY") or None
    jwks_url = env.get("WSPOLPRACA_JWT_JWKS_URL") or None
    if production:
        check_production_secret("WSPOLPRACA_JWT_SECRET", secret)
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
        jwt_leeway_seconds=float(env.get("WSPOLPRACA_JWT_LEEWAY_SECONDS", "30")),
        production=production,
        max_workers=int(env.get("WSPOLPRACA_MAX_WORKERS", "20")),
        relay_enabled=_flag(env.get("WSPOLPRACA_RELAY"), True),
        timers_enabled=_flag(env.get("WSPOLPRACA_TIMERS"), True),
        consumer_retry_delays=(
            tuple(float(d) for d in delays.split(",")) if delays else (1.0, 5.0, 30.0)
        ),
        max_body_bytes=int(env.get("WSPOLPRACA_MAX_BODY_BYTES", str(1024 * 1024))),
        rate_limit_writes=int(env.get("WSPOLPRACA_RATE_LIMIT_WRITES", "30")),
        rate_limit_window_seconds=float(env.get("WSPOLPRACA_RATE_LIMIT_WINDOW_SECONDS", "60")),
        trusted_proxies=_cidrs(env.get("WSPOLPRACA_TRUSTED_PROXIES"),
                               "WSPOLPRACA_TRUSTED_PROXIES"),
    )


def settings_of(container_config: dict) -> Settings:
    try:
        return container_config[SETTINGS_KEY]
    except KeyError:
        raise ConfigurationError(
            f"The nameko config has no {SETTINGS_KEY}; start services with wspolpraca.runner."
        ) from None
