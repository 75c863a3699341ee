"""The channels' I/O: rendering messages (Jinja2, Polish), sending email over SMTP and
posting webhooks. Nothing here decides whether to retry; `domain` does."""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import eventlet
import urllib3
from jinja2 import Environment, FileSystemLoader, TemplateNotFound
from jinja2.runtime import Undefined

from notifications import domain
from notifications.config import NotificationSettings
from wspolpraca import polish
from wspolpraca.areas import area_name
from wspolpraca.errors import DomainError

TEMPLATES = Path(__file__).with_name("templates") / "email"
WARSAW = ZoneInfo("Europe/Warsaw")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    summary: str          # the message without the footer: what the inbox shows


def moment(value: Any) -> str:
    """An RFC 3339 time as a person in the city reads it: `14 czerwca 2025, 10:00`."""
    if not isinstance(value, str) or "T" not in value:
        return polish.long_date(value)
    try:
        at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if at.tzinfo is not None:
        at = at.astimezone(WARSAW)
    return f"{polish.long_date(at.date())}, {at:%H:%M}"


def area(code: Any) -> str:
    """An area of public benefit by its Polish name (an unknown code as it is)."""
    try:
        return area_name(str(code))
    except KeyError:
        return str(code)


# the templates' filters: figures and dates the Polish way (wspolpraca.polish, Babel)
FILTERS = {"money": polish.money, "day": polish.long_date, "moment": moment,
           "area": area}


class Renderer:
    """One template per event type (`templates/email/<type>.j2`, else `default.j2`) with the
    blocks `subject`, `text` and `html`. The HTML is rendered by an autoescaping
    environment, so user text (names, answers) can never inject markup."""

    def __init__(self, directory: Path = TEMPLATES) -> None:
        loader = FileSystemLoader(str(directory))
        self.text_env = Environment(loader=loader, autoescape=False, undefined=Undefined,
                                    keep_trailing_newline=False)
        self.html_env = Environment(loader=loader, autoescape=True, undefined=Undefined)
        for env in (self.text_env, self.html_env):
            env.filters.update(FILTERS)

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
    refused: bool = False      # the target may not be reached at all: no retry helps


Resolver = Callable[..., list]


def resolve_target(target: domain.WebhookTarget, policy: domain.TargetPolicy,
                   resolver: Resolver = socket.getaddrinfo) -> str:
    """The address to connect to: every address the name resolves to must be allowed (a
    name that also resolves to a private address is refused), and the first one is used
    for the connection, so DNS cannot answer differently between the check and the use.
    Raises DomainError (invalid_target) when refused, OSError when the name does not
    resolve."""
    domain.check_webhook_target(target, policy)
    literal = target.literal_address
    if literal is not None:
        return str(literal)
    found = resolver(target.host, target.port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]).split("%", 1)[0] for info in found]
    if not addresses:
        raise OSError("no address")
    for address in addresses:
        reason = domain.refused_address(address, target.port, policy)
        if reason:
            raise DomainError("invalid_target", reason, field="target")
    return addresses[0]


def check_webhook_url(url: str, policy: domain.TargetPolicy,
                      resolver: Resolver = socket.getaddrinfo) -> str:
    """At creation: the URL is well formed and, if its name resolves now, to allowed
    addresses only (a name not resolvable yet is checked at every delivery)."""
    target = domain.parse_webhook_url(url)
    try:
        resolve_target(target, policy, resolver)
    except OSError:
        pass
    return target.url


def signature_headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    """The body's signature (DESIGN.md), the time of sending and the signature of both."""
    timestamp = str(int(time.time() if now is None else now))
    return {domain.SIGNATURE_HEADER: domain.sign(secret, body),
            domain.TIMESTAMP_HEADER: timestamp,
            domain.TIMESTAMPED_SIGNATURE_HEADER: domain.sign_timestamped(secret, timestamp,
                                                                         body)}


def _pinned_pool(target: domain.WebhookTarget, address: str, timeout: float,
                 maxsize: int = 1) -> urllib3.HTTPConnectionPool:
    """A connection pool to the checked `address` that still speaks to `target.host`: the
    Host header is set by the caller, and for https the SNI and the certificate check use
    the host name (urllib3's `server_hostname` / `assert_hostname`)."""
    options: dict[str, Any] = {"port": target.port, "maxsize": maxsize, "block": False,
                               "retries": False,
                               "timeout": urllib3.Timeout(connect=timeout, read=timeout)}
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address, server_hostname=target.host, assert_hostname=target.host,
            ssl_context=ssl.create_default_context(), **options)
    return urllib3.HTTPConnectionPool(address, **options)


PoolKey = tuple[str, str, int, str, float]


class ReceiverPools:
    """Keep-alive connections to webhook receivers, one bounded pool per checked address.

    Every attempt still resolves and checks its target first (`resolve_target`); the pool
    it then uses is keyed by what was checked: the address, the host name (Host header, SNI
    and certificate check), the port, the scheme (TLS or not) and the timeout. A receiver
    whose name now resolves elsewhere gets a new pool for the new, checked address; a
    connection is never reused for another address or host. At most `max_pools` pools
    (least recently used closed first), each keeping at most `per_pool` idle connections
    (more may be open at once; the extra ones are closed after their answer). `close()`
    at the service's stop."""

    def __init__(self, max_pools: int = 256, per_pool: int = 4) -> None:
        self.max_pools = max_pools
        self.per_pool = per_pool
        self._pools: OrderedDict[PoolKey, urllib3.HTTPConnectionPool] = OrderedDict()
        self._closed = False

    def get(self, target: domain.WebhookTarget, address: str,
            timeout: float) -> urllib3.HTTPConnectionPool:
        key: PoolKey = (target.scheme, target.host, target.port, address, timeout)
        pool = self._pools.get(key)
        if pool is not None:
            self._pools.move_to_end(key)
            return pool
        pool = _pinned_pool(target, address, timeout, self.per_pool)
        if self._closed:
            return pool   # after close(): used once, closed by the caller (not kept)
        self._pools[key] = pool
        while len(self._pools) > self.max_pools:
            _, oldest = self._pools.popitem(last=False)
            oldest.close()
        return pool

    def keeps(self, pool: urllib3.HTTPConnectionPool) -> bool:
        return any(p is pool for p in self._pools.values())

    def __len__(self) -> int:
        return len(self._pools)

    def close(self) -> None:
        self._closed = True
        while self._pools:
            _, pool = self._pools.popitem(last=False)
            pool.close()


def post_webhook(url: str, body: bytes, headers: dict[str, str], timeout: float,
                 policy: domain.TargetPolicy = domain.TargetPolicy(),
                 max_response_bytes: int = 4096,
                 resolver: Resolver = socket.getaddrinfo,
                 pools: ReceiverPools | None = None) -> PostResult:
    """POST once, with no redirects, to the address checked for this very attempt (DNS may
    have changed since the subscription was made). `timeout` is a wall-clock deadline for
    the whole exchange (resolving, connecting, sending, the answer's head and at most
    `max_response_bytes` of its body), so a trickling receiver cannot hold a sender.

    With `pools`, the connection is taken from (and, once its answer was read whole, given
    back to) the keep-alive pool of the checked address; an answer not read to its end, an
    error or a timeout closes the connection."""
    started = time.monotonic()
    try:
        target = domain.parse_webhook_url(url)
    except DomainError as exc:
        return PostResult(None, f"refused: {exc.message}", refused=True)
    pool = response = None
    complete = False
    try:
        with eventlet.Timeout(timeout):
            try:
                address = resolve_target(target, policy, resolver)
            except DomainError as exc:
                return PostResult(None, f"refused: {exc.message}", refused=True)
            except OSError:
                return PostResult(None, "connection failed: the name does not resolve")
            pool = (pools.get(target, address, timeout) if pools is not None
                    else _pinned_pool(target, address, timeout))
            response = pool.urlopen("POST", target.path, body=body,
                                    headers={**headers, "Host": target.host_header},
                                    redirect=False, retries=False, preload_content=False,
                                    assert_same_host=False)
            read = 0
            while read < max_response_bytes:
                if time.monotonic() - started > timeout:
                    raise eventlet.Timeout()
                # raw bytes: a compressed answer is never inflated (no gzip bomb)
                chunk = response.read1(min(1024, max_response_bytes - read),
                                       decode_content=False)
                if not chunk:
                    complete = True
                    break
                read += len(chunk)
            else:
                # as much as is read of an answer: done only if nothing is left of it
                complete = response.length_remaining == 0
            status = response.status
            retry_after = response.headers.get("Retry-After")
    except eventlet.Timeout:
        return PostResult(None, f"timeout after {timeout:g}s")
    except urllib3.exceptions.HTTPError as exc:
        if isinstance(exc, urllib3.exceptions.TimeoutError):
            return PostResult(None, f"timeout after {timeout:g}s")
        return PostResult(None, f"connection failed: {type(exc).__name__}")
    except OSError as exc:
        return PostResult(None, f"connection failed: {type(exc).__name__}")
    finally:
        kept = pool is not None and pools is not None and pools.keeps(pool)
        if response is not None:
            if complete and kept:
                response.release_conn()   # read to its end: the connection can be reused
            else:
                # whatever is left of the answer is never read: the connection is closed
                # (and its place in the pool given back, empty)
                response.close()
                if kept:
                    response.release_conn()
        if pool is not None and not kept:
            pool.close()
    error = None if 200 <= status < 300 else f"HTTP {status}"
    return PostResult(status, error, retry_after)
