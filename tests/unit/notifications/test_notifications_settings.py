"""The SMTP settings issue 6 asks for (host, port, TLS, credentials), from the environment
and from the service's config; a TLS mode that does not exist is refused at start."""

from __future__ import annotations

import pytest

from notifications.config import load_notification_settings
from wspolpraca.config import Settings


def settings(**extra) -> Settings:
    return Settings(service="notifications", amqp_uri="amqp://", mongo_uri="mongodb://",
                    mongo_database="n", http_port=8004, jwt_secret="s", extra=extra)


def test_smtp_host_port_tls_credentials_and_ca_come_from_the_environment():
    loaded = load_notification_settings(settings(), {}, env={
        "SMTP_HOST": "smtp.miasto.example.pl", "SMTP_PORT": "587", "SMTP_TLS": "starttls",
        "SMTP_USER": "powiadomienia", "SMTP_PASSWORD": "tajne",
        "SMTP_CA_FILE": "/etc/ssl/miasto-ca.pem"})
    assert (loaded.smtp_host, loaded.smtp_port, loaded.smtp_tls) == (
        "smtp.miasto.example.pl", 587, "starttls")
    assert (loaded.smtp_user, loaded.smtp_password, loaded.smtp_ca_file) == (
        "powiadomienia", "tajne", "/etc/ssl/miasto-ca.pem")


def test_the_service_config_overrides_the_environment():
    loaded = load_notification_settings(settings(smtp_tls="ssl", smtp_port=465),
                                        {"NOTIFICATIONS": {"SMTP_HOST": "mail.test"}},
                                        env={"SMTP_TLS": "starttls", "SMTP_PORT": "587"})
    assert (loaded.smtp_host, loaded.smtp_port, loaded.smtp_tls) == ("mail.test", 465, "ssl")


def test_defaults_are_plain_smtp_to_mailpit_without_login():
    loaded = load_notification_settings(settings(), {}, env={})
    assert (loaded.smtp_host, loaded.smtp_port, loaded.smtp_tls) == ("127.0.0.1", 1025, "none")
    assert loaded.smtp_user is None and loaded.smtp_ca_file is None


def test_an_unknown_tls_mode_is_refused():
    with pytest.raises(ValueError, match="SMTP_TLS"):
        load_notification_settings(settings(), {}, env={"SMTP_TLS": "tls1.3"})


def test_even_at_debug_the_services_keep_pymongos_command_log_quiet():
    """pymongo's DEBUG command log shows stored documents (a subscription's secret): the
    logging set-up keeps it at WARNING whatever the level asked for."""
    import logging

    from wspolpraca.logs import configure

    root = logging.getLogger()
    saved = (root.handlers[:], root.level, logging.getLogger("pymongo").level)
    try:
        configure("notifications", "DEBUG")
        assert logging.getLogger("pymongo.command").getEffectiveLevel() == logging.WARNING
        assert root.getEffectiveLevel() == logging.DEBUG
    finally:
        root.handlers[:], level, pymongo_level = saved
        root.setLevel(level)
        logging.getLogger("pymongo").setLevel(pymongo_level)
