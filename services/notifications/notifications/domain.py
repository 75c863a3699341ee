"""The rules of notifications, pure Python (no I/O).

- which subscriptions an event matches, and who hears about it without subscribing
  (the defaults of issue 6: an NGO about its own affairs, a department about inquiries
  routed to it, the liaison office about new and overdue inquiries, NGOs of an area about
  new competitions and consultations in it, committee and council members, reports coming
  due and overdue, booking and patronage decisions, training registrations, reminders and
  cancellations);
- reminders: when a report's or a training's reminder is due, and when it has expired;
- the webhook signature, the retry decision by HTTP status and the backoff with jitter;
- signed one-click unsubscribe tokens;
- digests: when one is due and how its items are grouped.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import ipaddress
import json
import random
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from wspolpraca.errors import Conflict, DomainError

SERVICES = ("registry", "grants", "consultations", "notifications", "reporting")
EVENT_TYPE = re.compile(r"^[a-z][a-z_]*\.[a-z][a-z_]*\.[a-z][a-z_0-9]*$")
EVENT_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)?\.\*$")
SIGNATURE_HEADER = "X-Wspolpraca-Signature"
# the time of sending, and a signature binding it to the body, so a captured delivery cannot
# be replayed later with a fresh timestamp (receivers allow a tolerance window)
TIMESTAMP_HEADER = "X-Wspolpraca-Timestamp"
TIMESTAMPED_SIGNATURE_HEADER = "X-Wspolpraca-Signature-Timestamped"
DELIVERY_HEADER = "X-Wspolpraca-Delivery"
EVENT_TYPE_HEADER = "X-Wspolpraca-Event-Type"


class Channel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    INBOX = "inbox"


class Digest(StrEnum):
    NONE = "none"
    DAILY = "daily"
    WEEKLY = "weekly"


class SubscriptionStatus(StrEnum):
    PENDING_CONFIRMATION = "pending_confirmation"   # an email address not yet confirmed
    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"      # waiting for the dispatcher (or for its next attempt)
    SENDING = "sending"      # claimed by a dispatcher
    SENT = "sent"
    DEAD = "dead"            # gave up: dead-lettered, visible in the delivery log
    DIGEST = "digest"        # waiting for the subscriber's digest
    DIGESTED = "digested"    # went out in a digest


# --- event types and subscriptions --------------------------------------------------------

def validate_event_types(event_types: Sequence[str]) -> list[str]:
    """`<service>.<aggregate>.<verb>`, or a prefix pattern `registry.*`, `registry.inquiry.*`."""
    if not event_types:
        raise DomainError("no_event_types", "Podaj co najmniej jeden typ zdarzenia.",
                          field="event_types")
    unknown = [t for t in event_types
               if not (EVENT_TYPE.match(t) or EVENT_PATTERN.match(t))
               or t.split(".", 1)[0] not in SERVICES]
    if unknown:
        # the offending values themselves, as audience.check_subscription names them
        raise DomainError(
            "unknown_event_type",
            "Nieznany typ zdarzenia: " + ", ".join(repr(t) for t in unknown) + ". Podaj pełny "
            "typ z nazwą usługi, np. 'registry.booking.approved' (nie sam klucz "
            "'booking.approved'), albo wzorzec 'registry.*' (lista w docs/notifications.md).",
            field="event_types", fields={"event_types": unknown})
    checked: list[str] = []
    for event_type in event_types:
        if event_type not in checked:
            checked.append(event_type)
    return checked


def type_selected(patterns: Iterable[str], event_type: str) -> bool:
    for pattern in patterns:
        if pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def district_key(value: str | None) -> str | None:
    """A district compared ignoring case, spaces and Polish diacritics."""
    if not value:
        return None
    value = value.replace("ł", "l").replace("Ł", "L")
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return " ".join(plain.lower().split()) or None


# --- webhook targets (no SSRF) ---------------------------------------------------------------
# A webhook is a request this platform makes on a subscriber's behalf, from inside the city's
# network: it may reach only global addresses (what operators allow explicitly aside), never
# the platform's own services, never with credentials in the URL, and it connects to the very
# address that was checked (channels.py pins it; no second DNS lookup).

# The platform's own services by their hostnames (docker-compose, k8s) whatever they resolve to
PLATFORM_HOSTS = frozenset({
    "localhost", "registry", "grants", "consultations", "notifications", "reporting",
    "identity", "portal", "proxy", "rabbitmq", "mongo", "mongodb", "secantus", "mailpit",
    "prometheus", "grafana", "metadata", "metadata.google.internal"})
# ... and ports: the services (8000-8006), the proxy, the broker (AMQP, management,
# clustering), the databases, SMTP catchers, Prometheus and Grafana. Refused on every address
# an operator allows (those are internal), and on the platform's own public address.
PLATFORM_PORTS = frozenset({*range(8000, 8007), 8080, 5672, 5671, 15672, 25672, 4369,
                            27017, 27027, 1025, 8025, 9090, 3000})
# names that always mean this machine (RFC 6761) and the cluster's own service domains
LOOPBACK_NAMES = (".localhost", "localhost.localdomain")
INTERNAL_SUFFIXES = frozenset({"svc", "local", "internal", "localdomain", "lan"})
LEGACY_IPV4 = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOOPBACK_NETWORKS = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class WebhookTarget:
    """A parsed webhook URL: where to connect and what to say in the request line."""

    url: str
    scheme: str
    host: str            # lower case, no trailing dot, no IPv6 brackets
    port: int
    path: str            # path and query, at least "/"

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @property
    def literal_address(self) -> Address | None:
        """The address the host is written as, including the legacy IPv4 forms resolvers
        accept (`127.1`, `2130706433`, `0x7f000001`, `0`); None for a name."""
        try:
            return ipaddress.ip_address(self.host)
        except ValueError:
            pass
        if LEGACY_IPV4.match(self.host):
            import socket

            try:
                return ipaddress.IPv4Address(socket.inet_aton(self.host))
            except OSError:
                return None
        return None


@dataclass(frozen=True)
class TargetPolicy:
    """What a webhook may reach. `allow_networks`: non-global networks an operator allows
    (WSPOLPRACA_WEBHOOK_ALLOW_NETWORKS; loopback in development and tests), never at the
    platform's ports; `own`: the platform's own public (host, port)s."""

    allow_networks: tuple[Network, ...] = ()
    platform_hosts: frozenset[str] = PLATFORM_HOSTS
    platform_ports: frozenset[int] = PLATFORM_PORTS
    own: tuple[tuple[str, int], ...] = ()


def parse_networks(text: str | None) -> tuple[Network, ...]:
    """`"127.0.0.0/8, ::1/128"` -> networks; a malformed entry is a configuration error."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False)
                 for part in (text or "").split(",") if part.strip())


def own_hosts(addresses: Iterable[str]) -> tuple[tuple[str, int], ...]:
    found = []
    for own in addresses:
        parts = urlsplit(own)
        if parts.hostname:
            found.append((parts.hostname.lower().rstrip("."),
                          parts.port or (443 if parts.scheme == "https" else 80)))
    return tuple(found)


def _refuse(message: str) -> DomainError:
    return DomainError("invalid_target", message, field="target")


def parse_webhook_url(target: str) -> WebhookTarget:
    """An absolute http(s) URL with a host, no user info, a valid port; else 422 on `target`."""
    text = target.strip()
    if any(ord(c) < 33 or c == "\\" for c in text):
        raise _refuse("Adres webhooka zawiera niedozwolone znaki.")
    try:
        parts = urlsplit(text)
        hostname = parts.hostname
        port = parts.port
    except ValueError:   # a bad port, broken IPv6 brackets
        raise _refuse("Adres webhooka jest niepoprawny (host albo port).") from None
    if parts.scheme not in ("http", "https") or not hostname:
        raise _refuse("Adres webhooka musi być adresem http(s).")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _refuse("Adres webhooka nie może zawierać loginu ani hasła.")
    if port == 0:
        raise _refuse("Adres webhooka jest niepoprawny (host albo port).")
    host = hostname.lower().rstrip(".")
    if not host:
        raise _refuse("Adres webhooka musi być adresem http(s).")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return WebhookTarget(text, parts.scheme, host,
                         port or (443 if parts.scheme == "https" else 80), path)


def _embedded_ipv4(address: Address) -> Address:
    """The IPv4 address an IPv6 one stands for (IPv4-mapped, NAT64, 6to4), else itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.sixtofour is not None:
            return address.sixtofour
    return address


def refused_address(address: str | Address, port: int, policy: TargetPolicy) -> str | None:
    """Why a webhook may not connect to `address`:`port`, or None when it may."""
    ip = _embedded_ipv4(ipaddress.ip_address(address) if isinstance(address, str) else address)
    if any(ip in network for network in policy.allow_networks):
        if port in policy.platform_ports:
            return "Webhook nie może wskazywać na usługi platformy."
        return None
    if not ip.is_global or ip.is_multicast or ip.is_unspecified or ip.is_reserved \
            or (isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local):
        return "Webhook może wskazywać tylko na publiczny adres w internecie."
    return None


def platform_host(host: str, platform_hosts: frozenset[str] = PLATFORM_HOSTS) -> bool:
    """One of the platform's own services by name: `registry`, and also as Kubernetes
    writes it (`registry.wspolpraca.svc.cluster.local`), or any name under `localhost`."""
    if host in platform_hosts or host == "localhost" or host.endswith(LOOPBACK_NAMES):
        return True
    first, _, rest = host.partition(".")
    return first in platform_hosts and rest.rpartition(".")[2] in INTERNAL_SUFFIXES


def check_webhook_target(target: WebhookTarget, policy: TargetPolicy) -> None:
    """The checks that need no DNS: the platform's own hosts, a literal address."""
    if platform_host(target.host, policy.platform_hosts) \
            or (target.host, target.port) in policy.own:
        raise _refuse("Webhook nie może wskazywać na usługi platformy.")
    literal = target.literal_address
    if literal is not None:
        reason = refused_address(literal, target.port, policy)
        if reason:
            raise _refuse(reason)


def validate_webhook_target(target: str, policy: TargetPolicy = TargetPolicy()) -> str:
    """An http(s) URL with a host, not pointing at the platform or at a non-global address
    (names are resolved and checked again by `channels.resolve_target`)."""
    parsed = parse_webhook_url(target)
    check_webhook_target(parsed, policy)
    return parsed.url


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def validate_target(channel: str, target: str | None,
                    policy: TargetPolicy = TargetPolicy(),
                    default_email: str | None = None) -> str | None:
    if channel == Channel.WEBHOOK:
        if not target:
            raise DomainError("invalid_target", "Podaj adres webhooka.", field="target")
        return validate_webhook_target(target, policy)
    if channel == Channel.EMAIL:
        target = target or default_email
        if not target or not EMAIL.match(target):
            raise DomainError("invalid_target", "Podaj poprawny adres e-mail.", field="target")
        return target.strip()
    return None  # the inbox of the subscriber


# --- quotas and confirmation -------------------------------------------------------------------

# what counts against an owner's quota: every subscription that is not cancelled
COUNTED_STATUSES = ("pending_confirmation", "active", "suspended")


def check_quota(channel: str, owned: int, owned_email: int, limit: int,
                email_limit: int) -> None:
    """An owner has at most `limit` subscriptions, at most `email_limit` of them by email
    (each event would otherwise fan out without bound: 1,000 copies to one mailbox, or one
    event's transaction too large to commit)."""
    if owned >= limit:
        raise Conflict("subscription_quota_exceeded",
                       f"Osiągnięto limit {limit} subskrypcji; anuluj niepotrzebne, "
                       "aby dodać nową.")
    if channel == Channel.EMAIL and owned_email >= email_limit:
        raise Conflict("subscription_quota_exceeded",
                       f"Osiągnięto limit {email_limit} subskrypcji e-mail; anuluj "
                       "niepotrzebne, aby dodać nową.")


def needs_confirmation(channel: str, target: str | None, account_email: str | None) -> bool:
    """Double opt-in: an email target is confirmed by its owner unless it is the account's own
    address (as the token says; without that claim, always)."""
    if channel != Channel.EMAIL or not target:
        return False
    return not (account_email and account_email.strip().lower() == target.strip().lower())


# The public newsletter: what anyone may read on the portal anyway, as a daily or weekly digest
NEWSLETTER_EVENT_TYPES = (
    "grants.competition.announced",
    "grants.competition.resolved",
    "grants.small_grant.published",
    "consultations.consultation.opened",
    "consultations.consultation.report_published",
    "registry.training.published",
    "registry.volunteering.posted",
)
CONFIRMATION_REQUESTED = "notifications.subscription.confirmation_requested"
CONFIRMATION_AUDIENCE = "wspolpraca:confirm-subscription"


def newsletter_owner(email: str) -> str:
    return f"email:{email.strip().lower()}"


def make_confirmation_token(key: str, subscription_id: str, email: str,
                            expires_at: datetime) -> str:
    """A signed, expiring link token (a JWT for its own audience, so it is no other link's)."""
    import jwt

    return jwt.encode({"sub": subscription_id, "email": email.strip().lower(),
                       "exp": int(expires_at.timestamp()), "aud": CONFIRMATION_AUDIENCE},
                      key, algorithm="HS256")


def read_confirmation_token(key: str, token: str) -> tuple[str, str]:
    """(subscription id, email) of a valid confirmation token; 400 otherwise."""
    import jwt

    try:
        claims = jwt.decode(token, key, algorithms=["HS256"], audience=CONFIRMATION_AUDIENCE,
                            options={"require": ["sub", "exp", "aud"]})
    except jwt.ExpiredSignatureError:
        raise DomainError("expired_token", "Link potwierdzający wygasł. Zapisz się ponownie.",
                          field="token", status=400) from None
    except jwt.InvalidTokenError:
        raise DomainError("invalid_token", "Link jest niepoprawny albo uszkodzony.",
                          field="token", status=400) from None
    if not isinstance(claims.get("sub"), str) or not isinstance(claims.get("email"), str):
        raise DomainError("invalid_token", "Link jest niepoprawny albo uszkodzony.",
                          field="token", status=400)
    return claims["sub"], claims["email"]


def new_secret() -> str:
    return secrets.token_urlsafe(32)


# --- what an event says -------------------------------------------------------------------

@dataclass(frozen=True)
class EventFacts:
    """What matching needs to know about an event, read from its CloudEvent data."""

    type: str
    subject: str
    areas: frozenset[str] = frozenset()
    district: str | None = None
    organization_id: str | None = None
    department: str | None = None
    email: str | None = None
    contact_email: str | None = None
    everyone: bool = False           # addressed to every organisation (not only some areas)
    users: frozenset[str] = frozenset()   # people (user ids, `sub`) the event is about
    person_email: str | None = None  # a person's own address (a training registration)
    council_id: str | None = None
    council_member: str | None = None     # the council member an event is about (its id)
    # people an event names with their own addresses (user id, email): the registrations
    # of a cancelled training, its seats and its waiting list
    registrants: tuple[tuple[str, str | None], ...] = ()
    council_member_user: str | None = None   # ... their user account, if consultations has it
    council_member_email: str | None = None  # ... and their address


FactsReader = Callable[[EventFacts, Mapping[str, Any]], EventFacts]


def read_facts(event_type: str, subject: str, data: Mapping[str, Any],
               specific: FactsReader | None = None) -> EventFacts:
    """What any event says in the fields events share (areas, addressees, an organisation,
    a registration, a council member, ...), then what its own type says (`specific`: the
    event table's entry, see `notifications.events`)."""
    areas: set[str] = set()
    if isinstance(data.get("areas"), list):
        areas.update(a for a in data["areas"] if isinstance(a, str))
    if isinstance(data.get("area"), str):
        areas.add(data["area"])
    addressees = data.get("addressees")
    everyone = False
    if isinstance(addressees, dict):
        areas.update(a for a in addressees.get("areas") or [] if isinstance(a, str))
        everyone = addressees.get("scope") == "all"
    organization_id = data.get("organization_id")
    users: set[str] = set()
    person_email = None
    registration = data.get("registration")
    if isinstance(registration, dict):
        if registration.get("person"):
            users.add(registration["person"])
        person_email = registration.get("email")
        organization_id = organization_id or registration.get("organization_id")
    registrants = tuple(
        (str(r["person"]), r.get("email") if isinstance(r.get("email"), str) else None)
        for r in data.get("registrations") or []
        if isinstance(r, dict) and r.get("person"))
    member = data.get("member")
    council_member = member.get("id") if isinstance(member, dict) else None
    council_member_user = member.get("user_id") if isinstance(member, dict) else None
    council_member_email = member.get("email") if isinstance(member, dict) else None
    if isinstance(member, dict) and organization_id is None:
        organization_id = member.get("organization_id")
    facts = EventFacts(
        type=event_type,
        subject=subject,
        areas=frozenset(areas),
        district=data.get("district"),
        organization_id=organization_id,
        department=data.get("department"),
        email=data.get("email"),
        contact_email=data.get("contact_email"),
        everyone=everyone,
        users=frozenset(users),
        person_email=person_email,
        council_id=data.get("council_id"),
        council_member=council_member,
        registrants=registrants,
        council_member_user=council_member_user,
        council_member_email=council_member_email,
    )
    return specific(facts, data) if specific is not None else facts


# What some types say beyond the shared fields (each named by its types' entries in the
# event table, `notifications.events.EVENTS`)

def organization_record_facts(facts: EventFacts, data: Mapping[str, Any]) -> EventFacts:
    """An organisation's own event: the organisation is the record itself."""
    if data.get("organization_id") is not None:
        return facts
    return replace(facts, organization_id=data.get("id") or facts.subject)


def department_record_facts(facts: EventFacts, data: Mapping[str, Any]) -> EventFacts:
    """A department's own event: the department is the record itself (its code)."""
    return replace(facts, department=data.get("department") or data.get("code"))


def committee_facts(facts: EventFacts, data: Mapping[str, Any]) -> EventFacts:
    """A committee appointed: every member who may score (a nominee of a bidding
    organisation may not)."""
    return replace(facts, users=facts.users | {
        m["user_id"] for m in data.get("members") or []
        if isinstance(m, dict) and m.get("user_id") and not m.get("excluded")})


def assigned_member_facts(facts: EventFacts, data: Mapping[str, Any]) -> EventFacts:
    """Offers assigned to score: the one member given them (their inbox, and their address
    if given); the `member` is a committee's, not a council's."""
    member = data.get("member")
    users, person_email = facts.users, facts.person_email
    if isinstance(member, dict) and member.get("user_id"):
        users = users | {member["user_id"]}
        person_email = member.get("email")
    return replace(facts, users=users, person_email=person_email,
                   organization_id=data.get("organization_id"), council_member=None,
                   council_member_user=None, council_member_email=None)


def account_facts(facts: EventFacts, data: Mapping[str, Any]) -> EventFacts:
    """identity's events: the person an account or representation event is about, at their
    own address."""
    if not isinstance(data.get("account_id"), str):
        return facts
    email = data.get("email")
    return replace(facts, users=facts.users | {data["account_id"]},
                   person_email=email if isinstance(email, str) else None)


@dataclass(frozen=True)
class Subscription:
    id: str
    channel: str
    target: str | None
    event_types: tuple[str, ...]
    owner: str                       # the audience that owns it: user:<sub>, dept:<code>, ...
    areas: tuple[str, ...] = ()
    district: str | None = None
    digest: str = Digest.NONE
    status: str = SubscriptionStatus.ACTIVE
    reader: Mapping[str, Any] | None = None   # who it delivers to (see audience.Reader)

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Subscription:
        return cls(id=record["_id"], channel=record["channel"], target=record.get("target"),
                   event_types=tuple(record["event_types"]), owner=record["owner"],
                   areas=tuple(record.get("areas") or ()), district=record.get("district"),
                   digest=record.get("digest", Digest.NONE),
                   status=record.get("status", SubscriptionStatus.ACTIVE),
                   reader=record.get("reader"))


def subscription_matches(subscription: Subscription, facts: EventFacts) -> bool:
    if subscription.status != SubscriptionStatus.ACTIVE:
        return False
    if not type_selected(subscription.event_types, facts.type):
        return False
    if subscription.areas and not (set(subscription.areas) & facts.areas):
        return False
    if subscription.district and district_key(subscription.district) != district_key(
            facts.district):
        return False
    return True


# --- recipients ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Recipient:
    """One delivery to make: a channel, its target (an address, a URL, an inbox audience)."""

    channel: str
    target: str
    audience: str                   # whose inbox / who is told: org:<id>, dept:<code>, ...
    subscription_id: str | None = None
    digest: str = Digest.NONE
    redacted: bool = False          # sent without the event's personal data

    @property
    def key(self) -> str:
        if self.subscription_id:
            return f"sub:{self.subscription_id}"
        return f"default:{self.channel}:{self.target}"


class Directory(Protocol):
    """What the defaults need to look up (the service's projections of registry data)."""

    def organization(self, organization_id: str) -> Mapping[str, Any] | None: ...

    def department(self, code: str) -> Mapping[str, Any] | None: ...

    def organizations_in_areas(self, areas: Iterable[str] | None
                               ) -> Iterable[Mapping[str, Any]]:
        """Organisations working in any of `areas`; all of them for None."""

    def council_members(self, council_id: str) -> Iterable[Mapping[str, Any]]:
        """The present members of a council (`_id`, `organization_id`), from its events."""


def _organization(facts: EventFacts, directory: Directory, email: str | None = None
                  ) -> list[Recipient]:
    if not facts.organization_id:
        return []
    audience = f"org:{facts.organization_id}"
    found = [Recipient(Channel.INBOX, audience, audience)]
    if email is None:
        known = directory.organization(facts.organization_id)
        email = known.get("email") if known else None
    if email:
        found.append(Recipient(Channel.EMAIL, email, audience))
    return found


def _organization_itself(facts: EventFacts, directory: Directory) -> list[Recipient]:
    return _organization(facts, directory, facts.email)


def _department(facts: EventFacts, directory: Directory, email: bool = True) -> list[Recipient]:
    if not facts.department:
        return []
    audience = f"dept:{facts.department}"
    found = [Recipient(Channel.INBOX, audience, audience)]
    known = directory.department(facts.department) if email else None
    if known and known.get("email"):
        found.append(Recipient(Channel.EMAIL, known["email"], audience))
    return found


def _liaison_office(facts: EventFacts, directory: Directory) -> list[Recipient]:
    return [Recipient(Channel.INBOX, "role:officer", "role:officer")]


def _inquiry_answered(facts: EventFacts, directory: Directory) -> list[Recipient]:
    found = [r for r in _organization(facts, directory) if r.channel == Channel.INBOX]
    email = facts.contact_email
    if not email and facts.organization_id:
        known = directory.organization(facts.organization_id)
        email = known.get("email") if known else None
    if email:
        audience = f"org:{facts.organization_id}" if facts.organization_id else f"email:{email}"
        found.append(Recipient(Channel.EMAIL, email, audience))
    return found


def _inquiry_overdue(facts: EventFacts, directory: Directory) -> list[Recipient]:
    return _department(facts, directory, email=False) + _liaison_office(facts, directory)


def _organizations_of_the_area(facts: EventFacts, directory: Directory) -> list[Recipient]:
    found: list[Recipient] = []
    areas = None if facts.everyone else sorted(facts.areas)
    for organization in directory.organizations_in_areas(areas):
        if organization.get("status", "verified") != "verified":
            continue
        audience = f"org:{organization['_id']}"
        found.append(Recipient(Channel.INBOX, audience, audience))
        if organization.get("email"):
            found.append(Recipient(Channel.EMAIL, organization["email"], audience))
    return found


def _people(facts: EventFacts, directory: Directory) -> list[Recipient]:
    """The people an event names by user id: their inbox, and their own address if given."""
    found: list[Recipient] = []
    for user in sorted(facts.users):
        audience = f"user:{user}"
        found.append(Recipient(Channel.INBOX, audience, audience))
        if facts.person_email:
            found.append(Recipient(Channel.EMAIL, facts.person_email, audience))
    return found


def _person_by_email(facts: EventFacts, directory: Directory) -> list[Recipient]:
    """Only the person's own address (an account not yet confirmed has no inbox to read)."""
    return [Recipient(Channel.EMAIL, facts.person_email, f"user:{user}")
            for user in sorted(facts.users) if facts.person_email]


def _registrants(facts: EventFacts, directory: Directory) -> list[Recipient]:
    """Everyone an event lists with their own address (a cancelled training's seats and
    waiting list): their inbox and their email."""
    found: list[Recipient] = []
    for user, address in facts.registrants:
        audience = f"user:{user}"
        found.append(Recipient(Channel.INBOX, audience, audience))
        if address:
            found.append(Recipient(Channel.EMAIL, address, audience))
    return found


def council_member_audience(member_id: str, user_id: str | None = None) -> str:
    """A council member's inbox: their user's (`user:<sub>`) when consultations knows their
    account, else one kept under the member record id (`council_member:<id>`, which no
    login maps to: consultations appointed them without an account)."""
    return f"user:{user_id}" if user_id else f"council_member:{member_id}"


def _council_member_reached(member_id: str, user_id: str | None,
                            email: str | None) -> list[Recipient]:
    audience = council_member_audience(member_id, user_id)
    found = [Recipient(Channel.INBOX, audience, audience)]
    if email:
        found.append(Recipient(Channel.EMAIL, email, audience))
    return found


def _council_member(facts: EventFacts, directory: Directory) -> list[Recipient]:
    """The appointed member (their inbox and address) and the organisation that
    nominated them, if any."""
    found: list[Recipient] = []
    if facts.council_member:
        found = _council_member_reached(facts.council_member, facts.council_member_user,
                                        facts.council_member_email)
    return found + _organization(facts, directory)


def _council(facts: EventFacts, directory: Directory) -> list[Recipient]:
    """Every present member of the council (their inbox and address); an NGO-side member
    through the organisation that nominated them too (its inbox and address)."""
    if not facts.council_id:
        return []
    found: list[Recipient] = []
    for member in directory.council_members(facts.council_id):
        found.extend(_council_member_reached(str(member["_id"]), member.get("user_id"),
                                             member.get("email")))
        if member.get("organization_id"):
            found.extend(_organization(
                EventFacts(facts.type, facts.subject,
                           organization_id=member["organization_id"]), directory))
    return found


def _all_of(*rules: Callable[[EventFacts, Directory], list[Recipient]]):
    def rule(facts: EventFacts, directory: Directory) -> list[Recipient]:
        return [r for each in rules for r in each(facts, directory)]
    return rule


DefaultRule = Callable[[EventFacts, Directory], list[Recipient]]

# Reminders are raised by this service's own timer (not published on the broker): their
# types live under `notifications.reminder.*` so that they can be subscribed to.
REPORT_DUE_REMINDER = "notifications.reminder.report_due"
TRAINING_REMINDER = "notifications.reminder.training"

DEFAULT_RULES: dict[str, DefaultRule] = {
    # identity: the links of an account (confirmation, reset, invitation) go to its address;
    # a decision on a representation to the person's inbox and address
    "identity.account.registered": _person_by_email,
    "identity.account.registration_repeated": _person_by_email,
    "identity.account.password_reset_requested": _person_by_email,
    "identity.account.invited": _person_by_email,
    "identity.representation.granted": _people,
    "identity.representation.refused": _people,
    "identity.representation.revoked": _people,
    # registry: an NGO hears about its own affairs, a department about inquiries routed to it
    "registry.organization.registered": _organization_itself,
    "registry.organization.verified": _organization_itself,
    "registry.organization.suspended": _organization_itself,
    "registry.organization.reinstated": _organization_itself,
    "registry.organization.archived": _organization_itself,
    "registry.inquiry.received": _liaison_office,
    "registry.inquiry.routed": _department,
    "registry.inquiry.answered": _inquiry_answered,
    "registry.inquiry.overdue": _inquiry_overdue,
    # grants and consultations (their handlers are added when those services publish):
    # an NGO hears about every new competition and consultation in its areas
    "grants.competition.announced": _organizations_of_the_area,
    "consultations.consultation.opened": _organizations_of_the_area,
    # and that such a competition was cancelled, with the reason
    "grants.competition.cancelled": _organizations_of_the_area,
    # and about its own offers' results
    "grants.grant.awarded": _organization,
    "grants.offer.not_funded": _organization,
    "grants.offer.rejected_formally": _organization,
    # and the decision on its small grant (art. 19a), after the 7 days of comments
    "grants.small_grant.awarded": _organization,
    "grants.small_grant.refused": _organization,
    # a committee member hears of the appointment, then of the offers assigned to score
    "grants.committee.appointed": _people,
    "grants.committee.offers_assigned": _people,
    # a contract terminated: its organisation, with the reason
    "grants.contract.terminated": _organization,
    # reports coming due (the reminder the `send_reminders` timer raises) and overdue
    REPORT_DUE_REMINDER: _organization,
    "grants.task_report.overdue": _all_of(_organization, _liaison_office),
    # council members about their appointment, meetings and opinion requests
    "consultations.council.member_appointed": _council_member,
    "consultations.council.meeting_scheduled": _council,
    "consultations.council.meeting_moved": _council,
    "consultations.council.meeting_cancelled": _council,
    "consultations.council.opinion_requested": _council,
    # issue 11: booking and patronage decisions, training registrations and reminders
    # issue 23: a booking request is the managing department's to decide (and the office's)
    "registry.booking.requested": _all_of(_department, _liaison_office),
    "registry.patronage.requested": _liaison_office,
    "registry.booking.approved": _organization,
    "registry.booking.refused": _organization,
    "registry.patronage.granted": _organization,
    "registry.patronage.refused": _organization,
    "registry.training.registered": _people,
    "registry.training.cancelled": _registrants,
    TRAINING_REMINDER: _people,
}


def default_recipients(facts: EventFacts, directory: Directory) -> list[Recipient]:
    rule = DEFAULT_RULES.get(facts.type)
    return rule(facts, directory) if rule else []


# The announcements an organisation verified after them is still told of, and the data field
# that says until when they are open.
ANNOUNCEMENTS_OPEN_UNTIL = {
    "grants.competition.announced": "submission_deadline",
    "consultations.consultation.opened": "closes_at",
}


def late_announcement_recipients(organization_id: str, facts: EventFacts,
                                 subscriptions: Iterable[Subscription], directory: Directory,
                                 opted_out: Callable[[str, str], bool] = lambda target, t: False,
                                 ) -> list[Recipient]:
    """An organisation verified while a competition or consultation of its areas is open hears
    of it as if it had been verified before the announcement: events of two services arrive in
    any order, and the announcement may have been handled here first. Only the organisation's
    own default recipients, and not where a subscription already delivered the announcement;
    the delivery ids make a second telling impossible."""
    audience = f"org:{organization_id}"
    return [recipient for recipient in plan_deliveries(facts, subscriptions, directory,
                                                       opted_out)
            if recipient.subscription_id is None and recipient.audience == audience]


def plan_deliveries(facts: EventFacts, subscriptions: Iterable[Subscription],
                    directory: Directory,
                    opted_out: Callable[[str, str], bool] = lambda target, t: False,
                    subscription_target: Callable[[Subscription], str] | None = None,
                    access: Callable[[Subscription], str | None] | None = None,
                    ) -> list[Recipient]:
    """Every delivery an event causes: matching subscriptions first (those whose
    subscriber may receive it, `access`: None for no, "redacted" for without personal
    data), then the defaults that nobody opted out of and that a subscription does not
    already cover. The defaults reach the people an event is addressed to, as it is."""
    planned: list[Recipient] = []
    covered: set[tuple[str, str]] = set()
    for subscription in subscriptions:
        if not subscription_matches(subscription, facts):
            continue
        view = access(subscription) if access is not None else "full"
        if view is None:
            continue
        target = (subscription_target(subscription) if subscription_target
                  else subscription.target or subscription.owner)
        planned.append(Recipient(subscription.channel, target, subscription.owner,
                                 subscription.id, subscription.digest,
                                 redacted=view == "redacted"))
        covered.add((subscription.channel, target))
    seen: set[str] = set()
    for recipient in default_recipients(facts, directory):
        if (recipient.channel, recipient.target) in covered or recipient.key in seen:
            continue
        if recipient.channel == Channel.EMAIL and opted_out(recipient.target, facts.type):
            continue
        seen.add(recipient.key)
        planned.append(recipient)
    return planned


def delivery_id(event_id: str, recipient_key: str) -> str:
    """The unique key of one (event, recipient) delivery: a redelivered event maps to it again."""
    return hashlib.sha256(f"{event_id}|{recipient_key}".encode()).hexdigest()[:32]


# --- inbox audiences ----------------------------------------------------------------------

def audiences_of(sub: str, roles: Iterable[str], org_id: str | None,
                 department: str | None) -> list[str]:
    audiences = [f"user:{sub}"]
    if org_id:
        audiences.append(f"org:{org_id}")
    if department:
        audiences.append(f"dept:{department}")
    audiences.extend(f"role:{role}" for role in sorted(roles) if role != "admin")
    if "admin" in roles:
        audiences.append("role:officer")
    return audiences


def owner_of(sub: str, roles: Iterable[str], org_id: str | None, department: str | None,
             for_system: bool = False) -> str:
    """Who owns a new subscription: the department for a department's system, else the person."""
    if for_system and department:
        return f"dept:{department}"
    return f"user:{sub}"


# --- webhooks -----------------------------------------------------------------------------

def sign(secret: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of the raw body with the subscription secret>`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    return bool(header) and hmac.compare_digest(sign(secret, body), header)


def sign_timestamped(secret: str, timestamp: str, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with the subscription secret>`."""
    return sign(secret, timestamp.encode() + b"." + body)


def timestamped_signature_valid(secret: str, body: bytes, timestamp: str | None,
                                header: str | None, now: float,
                                tolerance_seconds: float = 300.0) -> bool:
    """Authentic and sent within `tolerance_seconds` of `now` (Unix seconds)."""
    if not timestamp or not header or not (timestamp.isascii() and timestamp.isdigit()):
        return False
    if abs(now - int(timestamp)) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign_timestamped(secret, timestamp, body), header)


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    DEAD = "dead"


def retryable(status: int | None) -> bool:
    """A timeout or a connection failure (no status), a 5xx or a 429 may pass later;
    any other 4xx (or a redirect) will not."""
    if status is None:
        return True
    return status >= 500 or status == 429


def delivered(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 30.0
    cap_seconds: float = 3600.0
    max_attempts: int = 8
    suspend_after: int = 5          # consecutive dead deliveries suspend a subscription


def backoff_delay(attempt: int, policy: RetryPolicy, rng: random.Random | None = None,
                  retry_after: float | None = None) -> float:
    """The wait after failed attempt number `attempt` (1-based): exponential, capped, with
    "equal jitter" (half fixed, half random) so that receivers that fail together are not
    hit again all at once. A 429's Retry-After, when longer, wins (still capped)."""
    rng = rng or random.Random()
    ceiling = min(policy.cap_seconds, policy.base_seconds * 2 ** (attempt - 1))
    delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    if retry_after is not None and retry_after > delay:
        delay = min(retry_after, policy.cap_seconds)
    return delay


def attempt_outcome(status: int | None, attempts: int, policy: RetryPolicy) -> Outcome:
    if delivered(status):
        return Outcome.SENT
    if retryable(status) and attempts < policy.max_attempts:
        return Outcome.RETRY
    return Outcome.DEAD


def within_limits(claimed: Sequence[Mapping[str, Any]], in_flight: Mapping[str, int],
                  per_subscription: int) -> tuple[list[Mapping[str, Any]],
                                                   list[Mapping[str, Any]]]:
    """Split claimed deliveries into those to send now and those to hand back: one
    subscription never holds more than `per_subscription` sends at once, so a slow
    receiver cannot take every slot of the dispatcher."""
    counts = dict(in_flight)
    take: list[Mapping[str, Any]] = []
    back: list[Mapping[str, Any]] = []
    for record in claimed:
        key = record.get("subscription_id") if record.get("channel") == Channel.WEBHOOK else None
        if key is None:
            take.append(record)
        elif counts.get(key, 0) < per_subscription:
            counts[key] = counts.get(key, 0) + 1
            take.append(record)
        else:
            back.append(record)
    return take, back


def should_suspend(consecutive_failures: int, policy: RetryPolicy) -> bool:
    return consecutive_failures >= policy.suspend_after


RETRY_AFTER_MAX_SECONDS = 7 * 24 * 3600.0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """A `Retry-After` header as seconds to wait: delay-seconds or an HTTP-date (any zone
    form; "-0000" and a missing zone are read as UTC). Anything else, or anything odd
    (negative, NaN, absurdly far), is None or clamped: a receiver's header never breaks a
    delivery."""
    if not value or not isinstance(value, str) or len(value) > 100:
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():
        return min(float(text), RETRY_AFTER_MAX_SECONDS)
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None or now is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    seconds = (moment - now).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), RETRY_AFTER_MAX_SECONDS)


SECRET_LIKE = re.compile(r"(?i)(secret|token|password|authorization|signature)=([^&\s]+)")


def redact(text: str, *secrets_: str) -> str:
    """An error text safe for logs and the delivery log: no secrets, no tokens, bounded."""
    for value in secrets_:
        if value:
            text = text.replace(value, "***")
    return SECRET_LIKE.sub(r"\1=***", text)[:500]


# --- unsubscribe tokens -------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode((text + "=" * (-len(text) % 4)).encode())


# Links (unsubscribe, calendar feeds) carry their payload encrypted and authenticated
# (Fernet: AES-128-CBC and HMAC-SHA256, from `cryptography`), with a key derived from the link
# secret by HKDF: an address in an unsubscribe link is unreadable to whoever sees the link (a
# mail scanner, a proxy's log, a forwarded email). Tokens of the first version (payload
# readable, HMAC-signed) are still read, so links in emails already sent keep working.
TOKEN_VERSION = "v2"


@functools.lru_cache(maxsize=8)
def _fernet(key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=b"wspolpraca link tokens v2").derive(key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(derived))


def make_token(key: str, payload: Mapping[str, Any]) -> str:
    plain = json.dumps(dict(payload), separators=(",", ":"), sort_keys=True).encode()
    return f"{TOKEN_VERSION}.{_fernet(key).encrypt(plain).decode().rstrip('=')}"


def read_token(key: str, token: str) -> dict[str, Any]:
    invalid = DomainError("invalid_token", "Link jest niepoprawny albo uszkodzony.",
                          field="token", status=400)
    version, _, sealed = token.partition(".")
    if version == TOKEN_VERSION:
        try:
            plain = _fernet(key).decrypt((sealed + "=" * (-len(sealed) % 4)).encode())
            payload = json.loads(plain)
        except (InvalidToken, ValueError):
            raise invalid from None
    else:
        payload = _read_signed_token(key, token, invalid)
    if not isinstance(payload, dict):
        raise invalid
    return payload


def _read_signed_token(key: str, token: str, invalid: DomainError) -> Any:
    """A first-version token: base64 JSON and its HMAC (no longer minted)."""
    body, _, mac = token.partition(".")
    if not body or not mac:
        raise invalid
    expected = hmac.new(key.encode(), b"unsubscribe:" + body.encode(), hashlib.sha256).digest()
    try:
        if not hmac.compare_digest(expected, _unb64(mac)):
            raise invalid
        return json.loads(_unb64(body))
    except (binascii.Error, ValueError):
        raise invalid from None


def unsubscribe_payload(recipient: Recipient, event_type: str) -> dict[str, str]:
    """A subscription is cancelled by its id; a default email is opted out per address
    and event type."""
    if recipient.subscription_id:
        return {"s": recipient.subscription_id}
    return {"e": recipient.target, "t": event_type}


# --- digests ------------------------------------------------------------------------------

DIGEST_PERIODS = {Digest.DAILY: timedelta(days=1), Digest.WEEKLY: timedelta(days=7)}


def digest_due(period: str, since: datetime, now: datetime) -> bool:
    """A digest goes out one period after the previous one (or the subscription's start)."""
    span = DIGEST_PERIODS.get(Digest(period))
    return span is not None and now >= since + span


@dataclass
class DigestGroup:
    event_type: str
    items: list[Mapping[str, Any]] = field(default_factory=list)


def group_digest(items: Iterable[Mapping[str, Any]]) -> list[DigestGroup]:
    """The waiting items of one digest, grouped by event type in order of first appearance,
    each group in time order."""
    groups: dict[str, DigestGroup] = {}
    for item in sorted(items, key=lambda i: (i["created_at"], i["_id"])):
        groups.setdefault(item["event_type"], DigestGroup(item["event_type"])).items.append(item)
    return list(groups.values())


# --- reminders ----------------------------------------------------------------------------
# A small schedule, filled from events: a report's due date (`grants.contract.signed`) and
# a training's start (`registry.training.registered` / `.published`). The `send_reminders`
# timer raises each reminder once, between `due_at` and `expires_at`.

REPORT_REMINDER_DAYS = 7
REPORT_REMINDER_HOUR = 8          # local time of the day the report reminder goes out
TRAINING_REMINDER_BEFORE = timedelta(days=1)
LOCAL_ZONE = "Europe/Warsaw"


class ReminderStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    CANCELLED = "cancelled"       # the report came in, the person unregistered, ...
    EXPIRED = "expired"           # its moment passed before it could go out


def _local_moment(day: date, hour: int) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(LOCAL_ZONE)).astimezone(UTC)


def local_today(now: datetime) -> date:
    """The date in the city (due dates are local dates)."""
    from zoneinfo import ZoneInfo

    return now.astimezone(ZoneInfo(LOCAL_ZONE)).date()


def report_reminder_window(report_due_on: date) -> tuple[datetime, datetime]:
    """From 08:00 (Warsaw) seven days before the due date to the end of the due date; after
    that the report is overdue and `grants.task_report.overdue` tells the organisation."""
    due_at = _local_moment(report_due_on - timedelta(days=REPORT_REMINDER_DAYS),
                           REPORT_REMINDER_HOUR)
    return due_at, _local_moment(report_due_on + timedelta(days=1), 0)


def report_due_moment(report_due_on: date) -> datetime:
    """A report's due date as a calendar deadline: the end of that day in the city."""
    return _local_moment(report_due_on, 23) + timedelta(minutes=59)


def training_reminder_window(starts_at: datetime) -> tuple[datetime, datetime]:
    """From a day before the start until the start (someone who registers later than a day
    before is reminded at once)."""
    return starts_at - TRAINING_REMINDER_BEFORE, starts_at


def reminder_outcome(status: str, due_at: datetime, expires_at: datetime,
                     now: datetime) -> str | None:
    """What the timer does with a reminder now: `sent` (raise it), `expired`, or None
    (not yet, or no longer pending)."""
    if status != ReminderStatus.PENDING:
        return None
    if now >= expires_at:
        return ReminderStatus.EXPIRED.value
    if now >= due_at:
        return ReminderStatus.SENT.value
    return None


def report_reminder_id(contract_id: str) -> str:
    return f"report-due:{contract_id}"


def training_reminder_id(training_id: str, registration_id: str) -> str:
    return f"training:{training_id}:{registration_id}"


def reminder_event_id(reminder_id: str) -> str:
    """The same reminder always has the same event id (a UUID, as events' ids are), so its
    deliveries are recorded once even if it were raised twice."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"wspolpraca:reminder:{reminder_id}"))
