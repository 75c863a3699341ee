"""What the person receives and how, and their calendar (issue #18,
`/moja-organizacja/powiadomienia`, `/moja-organizacja/kalendarz`).

Preferences are the notifications service's subscriptions of the person: topics (each a few
event types of the catalogue), the channel (the inbox or email) and, by email, at once or as a
daily or weekly digest; cancelled and resumed there. The service decides: an address other than
the account's own waits for its owner's confirmation (the emailed link), a topic the person may
not read is refused, the quotas are its 409. The calendar is the person's signed feed (public
and their own entries: an approved booking, a report's deadline), its link for calendar apps
and its next entries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from werkzeug.wrappers import Request, Response

from portal import formatting
from portal.sessions import Session
from portal.signed_in import SignedIn
from portal.views import Form, Parts, calendar_entries, upcoming
from portal.web import NotAllowed, page

# what a person may choose, in words, and the catalogue's event types behind each
TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "konkursy": ("Konkursy ofert: ogłoszenia i wyniki",
                 ("grants.competition.announced", "grants.competition.resolved")),
    "male-granty": ("Małe granty do uwag i przyznane",
                    ("grants.small_grant.published", "grants.small_grant.awarded")),
    "konsultacje": ("Konsultacje: otwarcie i raport",
                    ("consultations.consultation.opened",
                     "consultations.consultation.report_published")),
    "szkolenia": ("Szkolenia i wydarzenia dla organizacji",
                  ("registry.training.published", "registry.training.cancelled")),
    "wolontariat": ("Ogłoszenia o wolontariacie", ("registry.volunteering.posted",)),
    "patronaty": ("Wydarzenia pod patronatem miasta", ("registry.patronage.granted",)),
}
CHANNELS = {"inbox": "W skrzynce na portalu", "email": "E-mailem"}
DIGESTS = {"none": "Od razu, każda wiadomość osobno", "daily": "Raz dziennie, w zestawieniu",
           "weekly": "Raz w tygodniu, w zestawieniu"}
SUBSCRIPTION_STATUS = {"pending_confirmation": "Czeka na potwierdzenie adresu (link w e-mailu)",
                       "active": "Działa", "suspended": "Wstrzymana po nieudanych doręczeniach",
                       "cancelled": "Anulowana"}
FIELDS = ("event_types", "channel", "digest", "target")
LABELS = {"event_types": "Co chcesz otrzymywać", "channel": "Jak",
          "digest": "Jak często (e-mail)", "target": "Adres e-mail"}
ACTIONS = {"anuluj": "cancel", "wznow": "resume"}


def topics_of(event_types: list[str]) -> list[str]:
    """A subscription's event types in words: the topics they cover, then any other type."""
    chosen = set(event_types)
    named = [label for label, types in TOPICS.values() if set(types) <= chosen]
    covered = {t for _, types in TOPICS.values() if set(types) <= chosen for t in types}
    return named + sorted(chosen - covered)


def subscription_body(form: Form) -> dict[str, Any]:
    v = form.values
    types = [t for code in v["event_types"] if code in TOPICS for t in TOPICS[code][1]]
    body: dict[str, Any] = {"channel": v["channel"], "event_types": types}
    if v["channel"] == "email":
        body.update(target=v["target"] or None, digest=v["digest"] or "none")
    return body


class NotificationsWorkspaceMixin(SignedIn):
    """Mixed into PortalService beside WorkspacesMixin (`_me`, `_call`, `_items`)."""

    # --- preferences -----------------------------------------------------------------------
    @page("GET", "/moja-organizacja/powiadomienia")
    def my_notifications(self, request: Request) -> Response:
        me = self._me(request)
        return self._my_notifications(request, me, Form(FIELDS, labels=LABELS, values={
            "event_types": [], "channel": "inbox", "digest": "none",
            "target": me.claims.get("email") or ""}))

    def _my_notifications(self, request: Request, me: Session, form: Form,
                          status: int = 200, failed: str | None = None,
                          problem: str = "") -> Response:
        parts = Parts()
        found = parts.fetch(lambda: self._items(me, "notifications", "/api/v1/subscriptions"))
        shown = [s for s in found or [] if s["status"] != "cancelled"]
        return self.site.render(
            request, "workspace/notifications_mine.html", status=status, parts=parts,
            found=found, subscriptions=shown, topics=TOPICS, topics_of=topics_of,
            channels=CHANNELS, digests=DIGESTS, statuses=SUBSCRIPTION_STATUS, form=form,
            failed=failed, problem=problem, saved=request.args.get("zapisano"))

    @page("POST", "/moja-organizacja/powiadomienia")
    def add_subscription(self, request: Request) -> Response:
        me = self._me(request)
        form = Form.read(request, FIELDS, LABELS, many=("event_types",))
        if not form.values["event_types"]:
            form.errors["event_types"] = ["Wybierz co najmniej jeden temat."]
            return self._my_notifications(request, me, form, 422)

        def done(made: dict[str, Any]) -> str:
            saved = "potwierdz" if made.get("status") == "pending_confirmation" else "dodano"
            return f"/moja-organizacja/powiadomienia?zapisano={saved}#subskrypcje"

        return self._submit_as(me, request, form, "notifications", "/api/v1/subscriptions",
                               subscription_body(form), done,
                               lambda status: self._my_notifications(request, me, form, status))

    @page("POST", "/moja-organizacja/powiadomienia/<id>/<action>")
    def change_subscription(self, request: Request, id: str, action: str) -> Response:
        me = self._me(request)
        if action not in ACTIONS:
            raise NotAllowed(action)
        return self._act_as(
            me, request, "notifications", f"/api/v1/subscriptions/{id}/{ACTIONS[action]}",
            f"/moja-organizacja/powiadomienia?zapisano={action}#subskrypcje",
            lambda exc: self._my_notifications(request, me, Form(FIELDS, labels=LABELS, values={
                "event_types": [], "channel": "inbox", "digest": "none", "target": ""}),
                exc.status, failed=id, problem=exc.message))

    # --- the calendar ----------------------------------------------------------------------
    @page("GET", "/moja-organizacja/kalendarz")
    def my_calendar(self, request: Request) -> Response:
        me = self._me(request)
        parts = Parts()
        feed = parts.fetch(lambda: self._call(me, "GET", "notifications",
                                              "/api/v1/calendar/feed"), {}) or {}
        entries = None
        token = parse_qs(urlsplit(feed.get("url", "")).query).get("token", [""])[0]
        if token:
            ics = parts.fetch(lambda: self.site.backends.request(
                "GET", "notifications", "/api/v1/calendar/my.ics",
                params={"token": token}).content)
            if ics:
                entries = upcoming(calendar_entries(ics), datetime.now(formatting.WARSAW),
                                   days=90)
        return self.site.render(request, "workspace/calendar_mine.html", parts=parts,
                                url=feed.get("url"), entries=entries)
