"""What the notifications service's read endpoints answer (no writes)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from notifications import domain, records, repository
from notifications.dispatcher import Dispatcher
from notifications.feeds import FeedKey, KeptFeeds, Rendered, Version, entity_tag, version_of
from notifications.handlers import audiences, own
from notifications.ical import build_calendar
from notifications.repository import INBOX, SUBSCRIPTIONS
from wspolpraca.auth import Principal
from wspolpraca.envelope import utcnow
from wspolpraca.errors import DomainError, NotFound
from wspolpraca.mongo import Store
from wspolpraca.pagination import Page, paginate

CALENDAR_HORIZON_PAST = timedelta(days=90)


def subscriptions(db: Store, principal: Principal, query: dict[str, Any]) -> Page:
    """Mine (all of them for staff)."""
    found: dict[str, Any] = {}
    if not principal.is_staff:
        found["owner"] = {"$in": audiences(principal)}
    if query.get("status"):
        found["status"] = query["status"]
    return paginate(db[SUBSCRIPTIONS], found, query["limit"], query["cursor"])


def subscription(db: Store, principal: Principal, subscription_id: str) -> dict[str, Any]:
    record = db[SUBSCRIPTIONS].find_one({"_id": subscription_id})
    if record is None:
        raise NotFound("Nie ma takiej subskrypcji.")
    return own(principal, record)


def deliveries(db: Store, principal: Principal, subscription_id: str,
               query: dict[str, Any]) -> Page:
    """The delivery log of one's subscription, newest first."""
    subscription(db, principal, subscription_id)
    found: dict[str, Any] = {"subscription_id": subscription_id}
    if query.get("status"):
        found["status"] = query["status"]
    return repository.deliveries_newest_first(db, found, query["limit"], query["cursor"])


def inbox(db: Store, principal: Principal, query: dict[str, Any]) -> Page:
    found: dict[str, Any] = {"audience": {"$in": audiences(principal)}}
    if query.get("unread") is True:
        found["read_by"] = {"$ne": principal.sub}
    elif query.get("unread") is False:
        found["read_by"] = principal.sub
    page = repository.newest_first_page(db[INBOX], found, query["limit"], query["cursor"])
    return Page([records.inbox_view(i, principal.sub) for i in page.items], page.next_cursor)


def unread_count(db: Store, principal: Principal) -> dict[str, int]:
    return {"unread": db[INBOX].count_documents(
        {"audience": {"$in": audiences(principal)}, "read_by": {"$ne": principal.sub}})}


def calendar(db: Store, feeds: KeptFeeds, request: Request, audience_list: list[str],
             name: str, private: bool = False) -> Response:
    """An iCalendar feed of the entries of these audiences (from 90 days back), kept
    rendered until one of them changes (`notifications.feeds`); 304 when the client's
    `If-None-Match` names it."""
    since = utcnow() - CALENDAR_HORIZON_PAST
    key: FeedKey = (tuple(sorted(set(audience_list))), name)
    version = version_of(repository.calendar_versions(db, key[0]))
    rendered = feeds.get(key, version, since,
                         lambda: _render_calendar(db, key, version, since))
    headers = {"Cache-Control": f"{'private' if private else 'public'}, no-cache"}
    if rendered.etag and request.if_none_match.contains_weak(rendered.etag):
        response = Response(status=304, headers=headers)
    else:
        response = Response(rendered.body, status=200, mimetype="text/calendar", headers={
            "Content-Disposition": "inline; filename=calendar.ics", **headers})
    if rendered.etag:
        response.set_etag(rendered.etag)
    return response


def _render_calendar(db: Store, key: FeedKey, version: Version, since: datetime,
                     attempts: int = 3) -> Rendered:
    """The feed at `version`, or at a later one if an entry changed while its entries were
    read (read again); without an entity tag (not to be kept) if they kept changing."""
    for _ in range(attempts):
        entries = repository.calendar_entries(db, key[0], since)
        documents = repository.calendar_versions(db, key[0])
        read = version_of(documents)
        consistent = read == version   # no entry of the feed changed while they were read
        version = read
        if consistent:
            break
    stamps = [d["changed_at"] for d in documents if d.get("changed_at")]
    body = build_calendar(entries, key[1], max(stamps) if stamps else utcnow())
    oldest = entries[0]["starts_at"] if entries else None
    return Rendered(version, oldest,
                    entity_tag(key, version, oldest) if consistent else "", body)


def calendar_feed(dispatcher: Dispatcher, principal: Principal) -> dict[str, str]:
    """The signed address of one's personal feed (public and own entries)."""
    token = domain.make_token(dispatcher.config.link_secret, {"c": audiences(principal)})
    base = dispatcher.config.public_url.rstrip("/")
    return {"url": f"{base}/api/v1/calendar/my.ics?" + urlencode({"token": token})}


def personal_calendar(db: Store, feeds: KeptFeeds, request: Request, dispatcher: Dispatcher,
                      token: str) -> Response:
    """The feed of a signed link's audiences: the link is checked first (a 304 too is only
    for a valid link)."""
    payload = domain.read_token(dispatcher.config.link_secret, token)
    if not isinstance(payload.get("c"), list):
        raise DomainError("invalid_token", "Link jest niepoprawny.", status=400)
    return calendar(db, feeds, request, ["public", *payload["c"]],
                    "Współpraca: mój kalendarz", private=True)
