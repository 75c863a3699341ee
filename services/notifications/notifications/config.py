"""Settings of the notifications service: SMTP, public links, webhook delivery.

Read from the environment, then overridden by `Settings.extra` and by the nameko
container config key `NOTIFICATIONS` (a dict), so tests can point at their own SMTP server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from notifications.domain import (
    LOOPBACK_NETWORKS,
    PLATFORM_PORTS,
    RetryPolicy,
    TargetPolicy,
    own_hosts,
    parse_networks,
)
from wspolpraca.config import ConfigurationError, Settings, check_production_secret

CONFIG_KEY = "NOTIFICATIONS"
# Documented development default of NOTIFICATIONS_LINK_SECRET; production requires its own.
DEVELOPMENT_LINK_SECRET = "wspolpraca-development-link-secret-do-not-use-in-production"
SMTP_TLS_MODES = ("none", "starttls", "ssl")

ENV = {
    "smtp_host": "SMTP_HOST",
    "smtp_port": "SMTP_PORT",
    "smtp_user": "SMTP_USER",
    "smtp_password": "SMTP_PASSWORD",
    "smtp_tls": "SMTP_TLS",
    "smtp_ca_file": "SMTP_CA_FILE",
    "smtp_timeout": "SMTP_TIMEOUT_SECONDS",
    "mail_from": "SMTP_FROM",
    "public_url": "WSPOLPRACA_PUBLIC_URL",
    "link_secret": "NOTIFICATIONS_LINK_SECRET",
    "webhook_timeout": "WEBHOOK_TIMEOUT_SECONDS",
    "retry_base_seconds": "WEBHOOK_RETRY_BASE_SECONDS",
    "retry_cap_seconds": "WEBHOOK_RETRY_CAP_SECONDS",
    "max_attempts": "WEBHOOK_MAX_ATTEMPTS",
    "suspend_after": "WEBHOOK_SUSPEND_AFTER",
    "email_retry_seconds": "EMAIL_RETRY_SECONDS",
    "dispatcher_poll_seconds": "NOTIFICATIONS_POLL_SECONDS",
    "dispatcher_concurrency": "NOTIFICATIONS_CONCURRENCY",
    "dispatcher_sweep_seconds": "NOTIFICATIONS_SWEEP_SECONDS",
    "per_subscription_concurrency": "WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION",
    "dispatcher_enabled": "NOTIFICATIONS_DISPATCHER",
    "webhook_allow_networks": "WSPOLPRACA_WEBHOOK_ALLOW_NETWORKS",
    "webhook_max_response_bytes": "WEBHOOK_MAX_RESPONSE_BYTES",
    "max_subscriptions_per_owner": "NOTIFICATIONS_MAX_SUBSCRIPTIONS_PER_OWNER",
    "max_email_subscriptions_per_owner": "NOTIFICATIONS_MAX_EMAIL_SUBSCRIPTIONS_PER_OWNER",
    "confirmation_hours": "NOTIFICATIONS_CONFIRMATION_HOURS",
    "confirmation_resend_minutes": "NOTIFICATIONS_CONFIRMATION_RESEND_MINUTES",
    "portal_url": "WSPOLPRACA_PORTAL_URL",
    "calendar_kept_feeds": "NOTIFICATIONS_CALENDAR_KEPT_FEEDS",
    "calendar_kept_bytes": "NOTIFICATIONS_CALENDAR_KEPT_BYTES",
}


@dataclass(frozen=True)
class NotificationSettings:
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_tls: str = "none"             # none | starttls | ssl (implicit TLS, port 465)
    smtp_ca_file: str | None = None    # a CA bundle to trust besides the system's (a city CA)
    smtp_timeout: float = 10.0
    mail_from: str = "Współpraca <powiadomienia@wspolpraca.localhost>"
    public_url: str = "http://127.0.0.1:8080"
    link_secret: str | None = None     # signs unsubscribe and calendar links (its own secret)
    webhook_timeout: float = 10.0
    retry_base_seconds: float = 30.0
    retry_cap_seconds: float = 3600.0
    max_attempts: int = 8
    suspend_after: int = 5
    email_retry_seconds: float = 60.0  # SMTP down: the message waits and is tried again
    dispatcher_poll_seconds: float = 1.0
    dispatcher_concurrency: int = 50
    # the database is searched every poll (retries that came due, other replicas' deliveries,
    # claims that expired); while deliveries handed over in memory wait, this often
    dispatcher_sweep_seconds: float = 2.0
    per_subscription_concurrency: int = 4
    dispatcher_enabled: bool = True
    # non-global networks webhooks may reach (CIDRs, comma-separated), never at the platform's
    # ports; unset: loopback in development and tests, nothing in production; "none": nothing
    webhook_allow_networks: str | None = None
    webhook_max_response_bytes: int = 4096   # the most of a receiver's answer ever read
    max_subscriptions_per_owner: int = 50    # active, suspended and unconfirmed ones
    max_email_subscriptions_per_owner: int = 10
    confirmation_hours: float = 48.0         # how long a confirmation link is valid
    confirmation_resend_minutes: float = 10.0  # at most one confirmation mail per address
    portal_url: str = "http://127.0.0.1:8000"  # newsletter confirmation links point here
    # calendar feeds kept rendered per process (notifications.feeds): at most this many, and
    # this many bytes of them; 0 feeds: every request renders its feed
    calendar_kept_feeds: int = 64
    calendar_kept_bytes: int = 32 * 1024 * 1024
    production: bool = False

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(self.retry_base_seconds, self.retry_cap_seconds, self.max_attempts,
                           self.suspend_after)

    def own_addresses(self, settings: Settings) -> list[str]:
        return [self.public_url, self.portal_url, f"http://127.0.0.1:{settings.http_port}",
                f"http://localhost:{settings.http_port}"]

    def target_policy(self, settings: Settings) -> TargetPolicy:
        """What webhooks may reach: global addresses, the allowed networks (never at the
        platform's ports: the services, the broker, the database, SMTP) and not the platform's
        own public addresses."""
        text = self.webhook_allow_networks
        if text is None:
            networks = () if self.production else LOOPBACK_NETWORKS
        elif text.strip().lower() == "none":
            networks = ()
        else:
            networks = parse_networks(text)
        ports = set(PLATFORM_PORTS) | {settings.http_port, self.smtp_port}
        for uri in (settings.amqp_uri, settings.mongo_uri):
            for netloc in urlsplit(uri).netloc.rpartition("@")[2].split(","):
                port = netloc.rpartition(":")[2]
                if port.isdigit():
                    ports.add(int(port))
        return TargetPolicy(allow_networks=networks, platform_ports=frozenset(ports),
                            own=own_hosts(self.own_addresses(settings)))


def _convert(name: str, value: Any) -> Any:
    kind = {f.name: f.type for f in fields(NotificationSettings)}[name]
    if value is None or not isinstance(value, str):
        return value
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if kind == "str | None":
        return value or None
    return value


def load_notification_settings(settings: Settings, container_config: Mapping[str, Any],
                               env: Mapping[str, str] | None = None) -> NotificationSettings:
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for name, variable in ENV.items():
        if env.get(variable):
            values[name] = _convert(name, env[variable])
    for source in (settings.extra or {}, container_config.get(CONFIG_KEY) or {}):
        for key, value in source.items():
            name = key if key in ENV else next((n for n, v in ENV.items() if v == key), None)
            if name:
                values[name] = _convert(name, value)
    if values.get("smtp_tls", "none") not in SMTP_TLS_MODES:
        raise ValueError(f"SMTP_TLS must be one of {', '.join(SMTP_TLS_MODES)}, "
                         f"not {values['smtp_tls']!r}")
    values["link_secret"] = _link_secret(settings, values.get("link_secret"))
    values["production"] = settings.production
    if values.get("webhook_allow_networks") and values["webhook_allow_networks"].strip(
            ).lower() != "none":
        try:
            parse_networks(values["webhook_allow_networks"])
        except ValueError as exc:
            raise ConfigurationError(f"WSPOLPRACA_WEBHOOK_ALLOW_NETWORKS: {exc}") from None
    return NotificationSettings(**values)


def _link_secret(settings: Settings, configured: str | None) -> str:
    """The secret of unsubscribe and calendar links is its own: never the JWT secret (a
    leaked link secret must not mint tokens, nor a rotated JWT secret break every link)."""
    if not settings.production:
        return configured or DEVELOPMENT_LINK_SECRET
    if not configured:
        raise ConfigurationError("Production mode needs NOTIFICATIONS_LINK_SECRET "
                                 "(its own secret, not the JWT secret).")
    check_production_secret("NOTIFICATIONS_LINK_SECRET", configured)
    if configured == DEVELOPMENT_LINK_SECRET:
        raise ConfigurationError("Production mode refuses the documented development "
                                 "NOTIFICATIONS_LINK_SECRET.")
    if configured == settings.jwt_secret:
        raise ConfigurationError("NOTIFICATIONS_LINK_SECRET must differ from "
                                 "WSPOLPRACA_JWT_SECRET.")
    return configured
