"""The channels' I/O: rendering messages (Jinja2, Polish), sending email over SMTP and
posting webhooks. Nothing here decides whether to retry; `domain` does."""

from __future__ import annotations

import smtplib
import ssl
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

import requests
from jinja2 import Environment, FileSystemLoader, TemplateNotFound
from jinja2.runtime import Undefined

from notifications import domain
from notifications.config import NotificationSettings

TEMPLATES = Path(__file__).with_name("templates") / "email"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    summary: str          # the message without the footer: what the inbox shows


class Renderer:
    """One template per event type (`templates/email/<type>.j2`, else `default.j2`) with the
    blocks `subject`, `text` and `html`. The HTML is rendered by an autoescaping
    environment, so user text (names, answers) can never inject markup."""

    def __init__(self, directory: Path = TEMPLATES) -> None:
        loader = FileSystemLoader(str(directory))
        self.text_env = Environment(loader=loader, autoescape=False, undefined=Undefined,
                                    keep_trailing_newline=False)
        self.html_env = Environment(loader=loader, autoescape=True, undefined=Undefined)

    def template_name(self, name: str) -> str:
        try:
            self.text_env.get_template(f"{name}.j2")
        except TemplateNotFound:
            return "default.j2"
        return f"{name}.j2"

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        template_name = self.template_name(name)
        text_template = self.text_env.get_template(template_name)
        text_context = text_template.new_context({**context, "format": "text"})
        subject = " ".join("".join(text_template.blocks["subject"](text_context)).split())
        summary = "".join(text_template.blocks["text"](text_context)).strip()
        text = text_template.render({**context, "format": "text"})
        html = self.html_env.get_template(template_name).render({**context, "format": "html"})
        return Rendered(subject[:200], text, html, summary)


def event_context(event: dict[str, Any], public_url: str,
                  unsubscribe_url: str | None) -> dict[str, Any]:
    return {"event": event, "data": event.get("data", {}), "event_type": event.get("type"),
            "public_url": public_url, "unsubscribe_url": unsubscribe_url}


# --- SMTP -------------------------------------------------------------------------------------

class MailUnavailable(Exception):
    """The SMTP server cannot take the message now: keep it and try again later."""


class MailRefused(Exception):
    """The SMTP server refused this message or recipient for good."""


def build_message(settings: NotificationSettings, to: str, rendered: Rendered,
                  unsubscribe_url: str | None, message_id_key: str,
                  event_type: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = rendered.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=message_id_key[:32], domain="wspolpraca")
    message["X-Wspolpraca-Delivery"] = message_id_key
    if event_type:
        message["X-Wspolpraca-Event-Type"] = event_type
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


def tls_context(settings: NotificationSettings) -> ssl.SSLContext:
    """Certificates and host names are always checked; `smtp_ca_file` adds a CA to trust."""
    return ssl.create_default_context(cafile=settings.smtp_ca_file)


def send_email(settings: NotificationSettings, message: EmailMessage) -> None:
    """Send one message: plain, STARTTLS or implicit TLS (`smtp_tls`), with a login when
    `smtp_user` is set. Errors name only their kind and SMTP code (never the credentials
    or the server's text), since they go to the delivery log."""
    timeout = settings.smtp_timeout
    try:
        if settings.smtp_tls == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=timeout,
                context=tls_context(settings))
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
        with client:
            if settings.smtp_tls == "starttls":
                client.starttls(context=tls_context(settings))
            if settings.smtp_user:
                client.login(settings.smtp_user, settings.smtp_password or "")
            client.send_message(message)
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
        raise MailRefused(type(exc).__name__) from None
    except smtplib.SMTPDataError as exc:
        if 500 <= exc.smtp_code < 600:
            raise MailRefused(f"SMTP {exc.smtp_code}") from None
        raise MailUnavailable(f"SMTP {exc.smtp_code}") from None
    except (OSError, smtplib.SMTPException) as exc:
        # the server away, a wrong login, a protocol hiccup: the message waits
        code = getattr(exc, "smtp_code", None)
        raise MailUnavailable(f"{type(exc).__name__}" + (f" {code}" if code else "")) from None


# --- webhooks ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PostResult:
    status: int | None
    error: str | None
    retry_after: str | None = None


def signature_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The body's signature (DESIGN.md), the time of sending and the signature of both."""
    timestamp = str(int(time.time() if now is None else now))
    return {domain.SIGNATURE_HEADER: domain.sign(secret, body),
            domain.TIMESTAMP_HEADER: timestamp,
            domain.TIMESTAMPED_SIGNATURE_HEADER: domain.sign_timestamped(secret, timestamp,
                                                                         body)}


def post_webhook(url: str, body: bytes, headers: dict[str, str], timeout: float,
                 session: requests.Session | None = None) -> PostResult:
    poster = session or requests
    try:
        response = poster.post(url, data=body, headers=headers, timeout=timeout,
                               allow_redirects=False)
    except requests.Timeout:
        return PostResult(None, f"timeout after {timeout:g}s")
    except requests.RequestException as exc:
        return PostResult(None, f"connection failed: {type(exc).__name__}")
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return PostResult(response.status_code, error, response.headers.get("Retry-After"))

