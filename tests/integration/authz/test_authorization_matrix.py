"""The authorization matrix (issue 10): every endpoint of every service × every role.

The endpoints come from each service's `/api/v1/openapi.json` (generated from the `@api`
declarations), so an endpoint without a rule in RULES fails `test_every_endpoint_has_a_rule`.
A cell's outcome is one of

- `ANON` 401: no token where one is needed;
- `ROLE` 403: the role may not act here at all;
- `DENY` 403, or 404 where the thing's existence is itself not public (another organisation's
  offer, a small grant before publication): the role may act, but not on this one;
- `OK`: past authorization, anything but 401/403 (a body that makes sense, or a 404, 409 or
  422 from the rules behind the gate); never a server error.

The city is built once for the module: two verified organisations (`ngo` represents A,
`ngo2` B), the culture and sport departments (`dept` runs culture's resource and competition,
`dept2` is sport), a competition drafted by culture with A's funded offer, its committee
(`cm` is a member, `cm2` a committee member elsewhere), a contract, a small grant, bookings,
an inquiry, a patronage, a training, a consultation, a council and a subscription.
Cells that would destroy a fixture (archive, cancel, withdraw...) are `OK` against an unknown
id, so they reach the rules but change nothing that later cells need.

Every role's token is issued by a real identity service, as in production: people sign in
with code + PKCE on its sign-in page (an OIDC client library driving a browser session), the
NGO representatives after the officer granted their representation, and the departments'
systems use client credentials. The five services verify them through identity's JWKS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jwt
import pytest
import requests
from consultations_helpers import consultation_body, council_body
from cooperation_helpers import booking_body, local, resource_body
from grants_helpers import (
    COMPETITIONS,
    OFFERS,
    adopted_programme,
    competition_body,
    deadline_in,
    offer_body,
    pass_deadline,
    small_grant_body,
)
from identity_helpers import active_account, sign_in, web_client
from registry_helpers import department_body, inquiry_body, organization_body

from consultations.service import ConsultationsService
from grants.service import GrantsService
from identity.service import IdentityService
from notifications.service import NotificationsService
from registry.service import RegistryService
from reporting.service import ReportingService
from wspolpraca.auth import mint_token
from wspolpraca.testing.plugin import RunningService, run_service, stop_services
from wspolpraca.testing.waiting import wait_until

pytestmark = pytest.mark.integration

SERVICES = {"registry": RegistryService, "grants": GrantsService,
            "consultations": ConsultationsService, "notifications": NotificationsService,
            "reporting": ReportingService}
UNKNOWN = "0" * 24   # a well-formed id of nothing
ROLES = ("anon", "ngo", "ngo2", "dept", "dept2", "cm", "cm2", "officer", "admin")

ANON, ROLE, DENY, OK = "401", "403", "deny", "ok"


# --- the rules ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Rule:
    ok: frozenset[str]
    deny: frozenset[str] = frozenset()
    public: bool = False            # no token needed
    destructive: bool = False       # OK cells go to an unknown id
    anon_deny: bool = False         # public endpoint, but this thing is not public yet
    note: str = ""

    def expected(self, role: str) -> str:
        if role == "anon":
            if self.public:
                return DENY if self.anon_deny else OK
            return ANON
        if role in self.deny:
            return DENY
        return OK if role in self.ok else ROLE


def rule(ok: str, deny: str = "", **kw) -> Rule:
    groups = {"ALL": "ngo ngo2 dept dept2 cm cm2 officer admin", "STAFF": "officer admin",
              "RUN": "dept officer admin", "NGO": "ngo admin", "MEMBERS": "ngo ngo2 dept dept2 "
              "cm cm2 officer admin"}
    words = " ".join(groups.get(w, w) for w in ok.split()).split()
    deny_words = " ".join(groups.get(w, w) for w in deny.split()).split()
    return Rule(frozenset(words) - set(deny_words), frozenset(deny_words), **kw)


def public(deny: str = "", **kw) -> Rule:
    return rule("ALL", deny, public=True, **kw)


STAFF = rule("STAFF")
STAFF_D = rule("STAFF", destructive=True)
MEMBERS = rule("MEMBERS")

RULES: dict[tuple[str, str, str], Rule] = {
    # registry --------------------------------------------------------------------------
    ("registry", "GET", "/api/v1/areas"): public(),
    ("registry", "GET", "/api/v1/organizations"): public(),
    ("registry", "POST", "/api/v1/organizations"): rule("ngo ngo2 STAFF"),
    ("registry", "GET", "/api/v1/organizations/{id}"): public(),
    ("registry", "PATCH", "/api/v1/organizations/{id}"): rule("ngo STAFF", "ngo2"),
    ("registry", "POST", "/api/v1/organizations/{id}/verify"): STAFF,
    ("registry", "POST", "/api/v1/organizations/{id}/suspend"): STAFF_D,
    ("registry", "POST", "/api/v1/organizations/{id}/reinstate"): STAFF_D,
    ("registry", "POST", "/api/v1/organizations/{id}/archive"): STAFF_D,
    ("registry", "POST", "/api/v1/departments"): STAFF,
    ("registry", "GET", "/api/v1/departments"): public(),
    ("registry", "GET", "/api/v1/departments/{code}"): public(),
    ("registry", "PATCH", "/api/v1/departments/{code}"): STAFF,
    ("registry", "POST", "/api/v1/inquiries"): public(),
    ("registry", "GET", "/api/v1/inquiries"): rule("ngo ngo2 dept dept2 STAFF"),
    ("registry", "GET", "/api/v1/inquiries/{id}"): rule("dept STAFF", "ngo ngo2 dept2"),
    ("registry", "POST", "/api/v1/inquiries/{id}/route"): STAFF,
    ("registry", "POST", "/api/v1/inquiries/{id}/assign"): rule("RUN", "dept2"),
    ("registry", "POST", "/api/v1/inquiries/{id}/answer"): rule("RUN", "dept2"),
    ("registry", "POST", "/api/v1/inquiries/{id}/close"): rule("RUN", "dept2"),
    ("registry", "GET", "/api/v1/resources"): public(),
    ("registry", "POST", "/api/v1/resources"): rule("RUN", "dept2"),
    ("registry", "GET", "/api/v1/resources/{id}"): public(),
    ("registry", "PATCH", "/api/v1/resources/{id}"): rule("RUN", "dept2"),
    ("registry", "GET", "/api/v1/resources/{id}/calendar"): public(),
    ("registry", "POST", "/api/v1/resources/{id}/bookings"): rule("NGO", "ngo2"),
    ("registry", "GET", "/api/v1/bookings"): rule("ngo ngo2 dept dept2 STAFF"),
    ("registry", "GET", "/api/v1/bookings/{id}"): rule("ngo RUN", "ngo2 dept2"),
    ("registry", "POST", "/api/v1/bookings/{id}/approve"): rule("RUN", "dept2"),
    ("registry", "POST", "/api/v1/bookings/{id}/refuse"): rule("RUN", "dept2",
                                                                 destructive=True),
    ("registry", "POST", "/api/v1/bookings/{id}/cancel"): rule("ngo RUN", "ngo2 dept2",
                                                                 destructive=True),
    ("registry", "POST", "/api/v1/patronages"): rule("NGO", "ngo2"),
    ("registry", "GET", "/api/v1/patronages"): public(),
    ("registry", "GET", "/api/v1/patronages/{id}"): public("ngo2 dept dept2 cm cm2",
                                                          anon_deny=True),
    ("registry", "POST", "/api/v1/patronages/{id}/grant"): STAFF_D,
    ("registry", "POST", "/api/v1/patronages/{id}/refuse"): STAFF_D,
    ("registry", "POST", "/api/v1/trainings"): STAFF,
    ("registry", "GET", "/api/v1/trainings"): public(),
    ("registry", "GET", "/api/v1/trainings/{id}"): public(),
    ("registry", "POST", "/api/v1/trainings/{id}/registrations"): rule("ngo ngo2 admin"),
    ("registry", "GET", "/api/v1/trainings/{id}/registrations"): STAFF,
    ("registry", "POST", "/api/v1/trainings/{id}/unregister"): rule(
        "ngo ngo2 admin", destructive=True),
    ("registry", "POST", "/api/v1/trainings/{id}/attendance"): STAFF,
    ("registry", "POST", "/api/v1/trainings/{id}/cancel"): STAFF_D,
    ("registry", "GET", "/api/v1/trainings/registrations"): rule("ngo ngo2 admin"),
    ("registry", "POST", "/api/v1/partnerships"): rule("NGO STAFF", "ngo2"),
    ("registry", "GET", "/api/v1/partnerships"): public(),
    ("registry", "GET", "/api/v1/partnerships/{id}"): public(),
    ("registry", "POST", "/api/v1/volunteering"): rule("NGO", "ngo2"),
    ("registry", "GET", "/api/v1/volunteering"): public(),
    ("registry", "GET", "/api/v1/volunteering/{id}"): public(),
    # grants ----------------------------------------------------------------------------
    ("grants", "POST", "/api/v1/programmes"): STAFF,
    ("grants", "GET", "/api/v1/programmes"): rule("dept dept2 STAFF"),
    ("grants", "GET", "/api/v1/programmes/{id}"): rule("dept dept2 STAFF"),
    ("grants", "PATCH", "/api/v1/programmes/{id}"): STAFF,
    ("grants", "POST", "/api/v1/programmes/{id}/consult"): STAFF,
    ("grants", "POST", "/api/v1/programmes/{id}/adopt"): STAFF,
    ("grants", "POST", "/api/v1/competitions"): rule("RUN", "dept2"),
    ("grants", "GET", "/api/v1/competitions"): public(),
    ("grants", "GET", "/api/v1/competitions/announcement-terms"): public(),
    ("grants", "GET", "/api/v1/competitions/{id}"): public(),
    ("grants", "POST", "/api/v1/competitions/{id}/announce"): rule("RUN", "dept2"),
    ("grants", "POST", "/api/v1/competitions/{id}/close"): rule("RUN", "dept2"),
    ("grants", "POST", "/api/v1/competitions/{id}/cancel"): rule("RUN", "dept2",
                                                                   destructive=True),
    ("grants", "POST", "/api/v1/competitions/{id}/offers"): rule("NGO", "ngo2"),
    ("grants", "POST", "/api/v1/competitions/{id}/offers/check"): rule("NGO", "ngo2"),
    ("grants", "PUT", "/api/v1/competitions/{id}/offer-draft"): rule("NGO", "ngo2"),
    # without `organization_id` (the cells send no query) a 422 to every representative
    ("grants", "GET", "/api/v1/competitions/{id}/offer-draft"): rule("ngo ngo2 admin"),
    ("grants", "DELETE", "/api/v1/competitions/{id}/offer-draft"): rule("ngo ngo2 admin"),
    ("grants", "GET", "/api/v1/offers/drafts"): rule("ngo ngo2 admin"),
    ("grants", "GET", "/api/v1/offers"): rule("ngo ngo2 dept dept2 cm cm2 STAFF"),
    ("grants", "GET", "/api/v1/offers/{id}"): rule("ngo dept cm STAFF", "ngo2 dept2 cm2"),
    ("grants", "PATCH", "/api/v1/offers/{id}"): rule("NGO", "ngo2"),
    ("grants", "GET", "/api/v1/offers/{id}/similar"): rule("RUN", "dept2"),
    ("grants", "GET", "/api/v1/competitions/{id}/similar"): rule("RUN", "dept2"),
    ("grants", "POST", "/api/v1/offers/{id}/withdraw"): rule("NGO", "ngo2", destructive=True),
    ("grants", "POST", "/api/v1/offers/{id}/reject"): rule("RUN", "dept2", destructive=True),
    ("grants", "POST", "/api/v1/offers/{id}/budget-update"): rule("NGO", "ngo2"),
    ("grants", "POST", "/api/v1/offers/{id}/scores"): rule(
        "cm", "cm2 admin", note="scoring is a member's own: an admin who is none is refused"),
    ("grants", "POST", "/api/v1/competitions/{id}/committee"): rule("RUN", "dept2"),
    ("grants", "GET", "/api/v1/competitions/{id}/committee"): rule("dept cm STAFF",
                                                                     "dept2 cm2"),
    ("grants", "POST", "/api/v1/competitions/{id}/committee/declaration"): rule("cm admin",
                                                                                "cm2"),
    ("grants", "POST", "/api/v1/competitions/{id}/committee/assignments"): rule("RUN",
                                                                                "dept2"),
    ("grants", "GET", "/api/v1/competitions/{id}/ranking"): rule("dept cm STAFF",
                                                                   "dept2 cm2"),
    ("grants", "POST", "/api/v1/competitions/{id}/results"): STAFF,
    ("grants", "GET", "/api/v1/competitions/{id}/results"): public(),
    ("grants", "POST", "/api/v1/contracts"): rule("RUN", "dept2"),
    ("grants", "GET", "/api/v1/contracts"): rule("ngo ngo2 dept dept2 STAFF"),
    ("grants", "GET", "/api/v1/contracts/{id}"): rule("ngo RUN", "ngo2 dept2"),
    ("grants", "POST", "/api/v1/contracts/{id}/start"): rule("RUN", "dept2"),
    ("grants", "POST", "/api/v1/contracts/{id}/report"): rule("NGO", "ngo2"),
    ("grants", "POST", "/api/v1/contracts/{id}/report/accept"): rule("RUN", "dept2"),
    ("grants", "POST", "/api/v1/contracts/{id}/report/corrections"): rule("RUN", "dept2"),
    ("grants", "POST", "/api/v1/contracts/{id}/settle"): rule("RUN", "dept2"),
    ("grants", "POST", "/api/v1/contracts/{id}/terminate"): rule("RUN", "dept2",
                                                                   destructive=True),
    ("grants", "POST", "/api/v1/small-grants"): rule("NGO", "ngo2"),
    ("grants", "GET", "/api/v1/small-grants"): public(),
    ("grants", "GET", "/api/v1/small-grants/{id}"): public("ngo2 cm cm2", anon_deny=True,
                                                          note="submitted, not published"),
    ("grants", "POST", "/api/v1/small-grants/{id}/publish"): rule(
        "dept dept2 STAFF", destructive=True,
        note="small grants are not owned by a department: any department publishes"),
    ("grants", "POST", "/api/v1/small-grants/{id}/comments"): public(),
    ("grants", "GET", "/api/v1/small-grants/{id}/comments"): public(),
    ("grants", "POST", "/api/v1/small-grants/{id}/award"): STAFF_D,
    ("grants", "GET", "/api/v1/small-grants/{id}/similar"): STAFF,
    ("grants", "POST", "/api/v1/small-grants/{id}/refuse"): STAFF_D,
    # consultations ---------------------------------------------------------------------
    ("consultations", "GET", "/api/v1/consultations"): public(),
    ("consultations", "POST", "/api/v1/consultations"): STAFF,
    ("consultations", "GET", "/api/v1/consultations/{id}"): public(),
    ("consultations", "POST", "/api/v1/consultations/{id}/close"): STAFF_D,
    ("consultations", "POST", "/api/v1/consultations/{id}/meetings"): STAFF,
    ("consultations", "PATCH", "/api/v1/consultations/{id}"): STAFF,
    ("consultations", "POST",
     "/api/v1/consultations/{id}/meetings/{meeting_id}/cancel"): STAFF,
    ("consultations", "POST",
     "/api/v1/consultations/{id}/meetings/{meeting_id}/move"): STAFF,
    ("consultations", "POST", "/api/v1/consultations/{id}/comments"): public(),
    ("consultations", "GET", "/api/v1/consultations/{id}/comments"): public(),
    ("consultations", "POST",
     "/api/v1/consultations/{id}/comments/{comment_id}/hide"): STAFF_D,
    ("consultations", "POST",
     "/api/v1/consultations/{id}/comments/{comment_id}/spam"): STAFF_D,
    ("consultations", "POST",
     "/api/v1/consultations/{id}/comments/{comment_id}/answer"): STAFF,
    ("consultations", "GET", "/api/v1/consultations/{id}/report"): public(),
    ("consultations", "POST", "/api/v1/consultations/{id}/report/publish"): STAFF,
    ("consultations", "POST", "/api/v1/councils/requests"): rule("ngo ngo2 STAFF", "",
                                                                  note="for own org"),
    ("consultations", "GET", "/api/v1/councils/requests"): STAFF,
    ("consultations", "POST", "/api/v1/councils"): STAFF,
    ("consultations", "GET", "/api/v1/councils"): public(),
    ("consultations", "GET", "/api/v1/councils/{id}"): public(),
    ("consultations", "POST", "/api/v1/councils/{id}/members"): STAFF,
    ("consultations", "POST", "/api/v1/councils/{id}/members/{member_id}/leave"): STAFF_D,
    ("consultations", "POST", "/api/v1/councils/{id}/meetings"): STAFF,
    ("consultations", "POST", "/api/v1/councils/{id}/meetings/{meeting_id}/cancel"): STAFF,
    ("consultations", "POST", "/api/v1/councils/{id}/meetings/{meeting_id}/move"): STAFF,
    ("consultations", "GET", "/api/v1/councils/{id}/meetings"): public(),
    ("consultations", "GET", "/api/v1/councils/{id}/meetings/{meeting_id}"): public(),
    ("consultations", "POST",
     "/api/v1/councils/{id}/meetings/{meeting_id}/minutes"): STAFF,
    ("consultations", "POST", "/api/v1/councils/{id}/opinion-requests"): STAFF,
    ("consultations", "GET", "/api/v1/councils/{id}/opinion-requests"): public(),
    ("consultations", "POST",
     "/api/v1/councils/{id}/opinion-requests/{request_id}/opinion"): STAFF,
    # notifications ---------------------------------------------------------------------
    ("notifications", "POST", "/api/v1/subscriptions"): MEMBERS,
    ("notifications", "GET", "/api/v1/subscriptions"): MEMBERS,
    ("notifications", "GET", "/api/v1/subscriptions/{id}"): rule("ngo STAFF", "ngo2 dept "
                                                                 "dept2 cm cm2"),
    ("notifications", "POST", "/api/v1/subscriptions/{id}/cancel"): rule(
        "ngo STAFF", "ngo2 dept dept2 cm cm2", destructive=True),
    ("notifications", "POST", "/api/v1/subscriptions/{id}/resume"): rule(
        "ngo STAFF", "ngo2 dept dept2 cm cm2"),
    ("notifications", "GET", "/api/v1/subscriptions/{id}/deliveries"): rule(
        "ngo STAFF", "ngo2 dept dept2 cm cm2"),
    ("notifications", "POST",
     "/api/v1/subscriptions/{id}/deliveries/{delivery_id}/retry"): rule(
        "ngo STAFF", "ngo2 dept dept2 cm cm2"),
    ("notifications", "GET", "/api/v1/subscriptions/unsubscribe"): public(
        note="by its signed token"),
    ("notifications", "POST", "/api/v1/subscriptions/unsubscribe"): public(),
    ("notifications", "POST", "/api/v1/newsletter"): public(note="202 whatever the address"),
    ("notifications", "POST", "/api/v1/newsletter/confirm"): public(
        note="by its signed token"),
    ("notifications", "GET", "/api/v1/inbox"): MEMBERS,
    ("notifications", "GET", "/api/v1/inbox/unread-count"): MEMBERS,
    ("notifications", "POST", "/api/v1/inbox/{id}/read"): MEMBERS,
    ("notifications", "POST", "/api/v1/inbox/read-all"): MEMBERS,
    ("notifications", "POST", "/api/v1/calendar/events"): STAFF,
    ("notifications", "GET", "/api/v1/calendar.ics"): public(),
    ("notifications", "GET", "/api/v1/calendar/feed"): MEMBERS,
    ("notifications", "GET", "/api/v1/calendar/my.ics"): public(note="by its signed link"),
    # reporting -------------------------------------------------------------------------
    ("reporting", "GET", "/api/v1/stats/summary"): public(),
    ("reporting", "GET", "/api/v1/stats/grants"): public(),
    ("reporting", "GET", "/api/v1/stats/organizations/{id}"): public(
        note="the public part for anyone but officers, departments and the organisation"),
    ("reporting", "GET", "/api/v1/stats/departments"): STAFF,
    ("reporting", "GET", "/api/v1/open-data"): public(),
    ("reporting", "GET", "/api/v1/open-data/{dataset}.{fmt}"): public(),
    ("reporting", "GET", "/api/v1/reports/annual/{year}"): public(),
}


# --- the city ------------------------------------------------------------------------------

@dataclass
class City:
    services: dict[str, RunningService]
    identity: RunningService
    tokens: dict[str, str | None]
    ids: dict[str, str] = field(default_factory=dict)
    bodies: dict[tuple[str, str, str], dict] = field(default_factory=dict)


def _created(response: requests.Response) -> dict:
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture(scope="module")
def city(mongo_uri, amqp_uri):
    # tokens outlive the module's run on a busy machine
    identity = run_service(IdentityService, mongo_uri, amqp_uri,
                           extra={"WSPOLPRACA_IDENTITY_ACCESS_TOKEN_MINUTES": "120"})
    relying = {"jwt_jwks_url": identity.url("/oauth2/jwks"), "jwt_issuer": identity.base_url}
    services = {name: run_service(cls, mongo_uri, amqp_uri, **relying)
                for name, cls in SERVICES.items()}
    try:
        yield _build_city(services, identity)
    finally:
        stop_services([identity, *services.values()], amqp_uri)


class Tokens:
    """Identity-issued access tokens: a person signed in with code + PKCE, a department's
    system by client credentials."""

    def __init__(self, identity: RunningService) -> None:
        self.identity = identity
        admin = active_account(identity, roles=["admin"], name="Admin Macierzy")
        self.accounts: dict[str, dict] = {"admin": admin}
        # the portal's registration is set-up, done with a development token of that admin
        self.web = web_client(identity, mint_token(admin["_id"], ["admin"]))

    def person(self, email: str, browser: requests.Session | None = None) -> dict:
        signed = sign_in(self.identity, self.web, email, browser=browser)
        return {"token": signed.token["access_token"], "browser": signed.browser}

    def account(self, role: str, roles: list[str], name: str) -> tuple[str, dict]:
        account = self.accounts.setdefault(role, active_account(self.identity, roles=roles,
                                                                name=name))
        return self.person(account["email"])["token"], account

    def department(self, code: str, admin: str) -> str:
        created = _created(self.identity.post("/api/v1/clients", admin, json={
            "name": f"System wydziału {code}", "kind": "department", "department": code}))
        answer = requests.post(self.identity.url("/oauth2/token"), timeout=30,
                               data={"grant_type": "client_credentials"},
                               auth=(created["client_id"], created["client_secret"]))
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def representative(self, organization_id: str, officer: str, name: str) -> str:
        """Signs in, asks to represent the organisation, the officer grants it, and the next
        sign-in (the same browser session) acts for it."""
        account = active_account(self.identity, name=name)
        first = self.person(account["email"])
        asked = _created(self.identity.post("/api/v1/representations", first["token"],
                                            json={"organization_id": organization_id}))
        _created(self.identity.post(f"/api/v1/representations/{asked['id']}/approve",
                                    officer))
        return self.person(account["email"], first["browser"])["token"]


def _build_city(services: dict[str, RunningService], identity: RunningService) -> City:
    registry, grants = services["registry"], services["grants"]
    consultations, notifications = services["consultations"], services["notifications"]
    issued = Tokens(identity)
    admin, _ = issued.account("admin", ["admin"], "Admin Macierzy")
    officer, _ = issued.account("officer", ["officer"], "Anna Pełnomocnik")
    tokens: dict[str, str | None] = {"anon": None, "officer": officer, "admin": admin}
    city = City(services, identity, tokens)
    ids = city.ids

    # departments and organisations
    for code, area in (("culture", "culture"), ("sport", "sport")):
        if registry.get(f"/api/v1/departments/{code}").status_code == 404:
            _created(registry.post("/api/v1/departments", officer,
                                   json=department_body(code, areas=[area])))
    tokens["dept"] = issued.department("culture", admin)
    tokens["dept2"] = issued.department("sport", admin)
    for key in ("org_a", "org_b"):
        # the founder of a new organisation represents none yet (a set-up token)
        org = _created(registry.post("/api/v1/organizations", mint_token(f"r-{key}", ["ngo"]),
                                     json=organization_body(areas=["culture", "sport"])))
        _created(registry.post(f"/api/v1/organizations/{org['id']}/verify", officer))
        ids[key] = org["id"]
    wait_until(lambda: all((identity.db["organizations"].find_one({"_id": ids[k]}) or {})
                           .get("status") == "verified" for k in ("org_a", "org_b")),
               what="identity to know A and B")
    tokens["ngo"] = issued.representative(ids["org_a"], officer, "Ewa Reprezentantka")
    tokens["ngo2"] = issued.representative(ids["org_b"], officer, "Olga Reprezentantka")
    tokens["cm"], member = issued.account("cm", ["committee"], "Anna Urzędnik")
    tokens["cm2"], _ = issued.account("cm2", ["committee"], "Jan Komisyjny")
    ngo, dept = tokens["ngo"], tokens["dept"]

    # registry: a resource of culture, A's booking, an inquiry for culture, A's patronage...
    resource = _created(registry.post("/api/v1/resources", dept, json=resource_body("culture")))
    ids["resource"] = resource["id"]
    ids["booking"] = _created(registry.post(
        f"/api/v1/resources/{resource['id']}/bookings", ngo,
        json=booking_body(ids["org_a"], local(20, 10), local(20, 12))))["id"]
    ids["inquiry"] = _created(registry.post("/api/v1/inquiries",
                                            json=inquiry_body(area="culture")))["id"]
    inquiry = registry.get(f"/api/v1/inquiries/{ids['inquiry']}", officer).json()
    if inquiry.get("department") != "culture":
        _created(registry.post(f"/api/v1/inquiries/{ids['inquiry']}/route", officer,
                               json={"department": "culture"}))
    patronage = {"organization_id": ids["org_a"], "kind": "patronage",
                 "name": "Festiwal Łąk Miejskich", "starts_at": local(30, 12).isoformat(),
                 "ends_at": local(30, 18).isoformat(), "place": "Park Źródliska",
                 "audience": "Mieszkańcy", "justification": "Promuje bioróżnorodność.",
                 "areas": ["ecology"]}
    ids["patronage"] = _created(registry.post("/api/v1/patronages", ngo,
                                              json=patronage))["id"]
    city.bodies[("registry", "POST", "/api/v1/patronages")] = patronage
    training = {"title": "Jak napisać ofertę", "kind": "training", "topic": "project_writing",
                "place": "Centrum Organizacji Pozarządowych",
                "starts_at": local(10, 10).isoformat(), "ends_at": local(10, 14).isoformat(),
                "seats": 30}
    ids["training"] = _created(registry.post("/api/v1/trainings", officer,
                                             json=training))["id"]

    # grants: a programme, culture's competition with A's funded offer and a contract
    wait_until(lambda: all(grants.db["organizations"].find_one({"_id": ids[k],
                                                                "status": "verified"})
                           for k in ("org_a", "org_b")), what="grants to know A and B")
    ids["programme"] = adopted_programme(grants, officer)["id"]
    competition = _created(grants.post(COMPETITIONS, dept, json=competition_body(
        budget="8000.00")))
    cid = ids["competition"] = competition["id"]
    _created(grants.post(f"{COMPETITIONS}/{cid}/announce", dept))
    offer = _created(grants.post(f"{COMPETITIONS}/{cid}/offers", ngo, json=offer_body(
        ids["org_a"], requested_amount="7900.00",
        own_contribution={"financial": "1600.00", "non_financial": "500.00"})))
    ids["offer"] = offer["id"]
    pass_deadline(grants, cid)
    _created(grants.post(f"{COMPETITIONS}/{cid}/close", dept))
    _created(grants.post(f"{COMPETITIONS}/{cid}/committee", dept, json={"members": [
        {"user_id": member["_id"], "name": "Anna Urzędnik", "kind": "official"}]}))
    _created(grants.post(f"{COMPETITIONS}/{cid}/committee/declaration", tokens["cm"],
                         json={"no_conflict_of_interest": True}))
    _created(grants.post(f"{OFFERS}/{offer['id']}/scores", tokens["cm"], json={"scores": [
        {"criterion": "Jakość", "points": 8}, {"criterion": "Koszty", "points": 4}]}))
    _created(grants.post(f"{COMPETITIONS}/{cid}/results", officer, json={
        "awards": [{"offer_id": offer["id"], "amount": "7900.00"}]}))
    year = int(competition["task_start"][:4])
    contract = {"offer_id": offer["id"], "signed_on": f"{year}-02-15",
                "tranches": [{"amount": "7900.00", "due_on": f"{year}-03-01"}]}
    ids["contract"] = _created(grants.post("/api/v1/contracts", dept, json=contract))["id"]
    # an open competition of culture, for offers that can still be amended
    open_one = _created(grants.post(COMPETITIONS, dept, json=competition_body(
        budget="5000.00", submission_deadline=deadline_in(30))))
    _created(grants.post(f"{COMPETITIONS}/{open_one['id']}/announce", dept))
    ids["open_competition"] = open_one["id"]
    ids["open_offer"] = _created(grants.post(
        f"{COMPETITIONS}/{open_one['id']}/offers", ngo,
        json=offer_body(ids["org_a"], requested_amount="4000.00", total_cost="5000.00",
                        own_contribution={"financial": "500.00", "non_financial": "500.00"},
                        cost_items=[{"name": "Scena", "amount": "5000.00"}])))["id"]
    small = small_grant_body(ids["org_a"], amount="5000.00")
    ids["small_grant"] = _created(grants.post("/api/v1/small-grants", ngo, json=small))["id"]
    city.bodies[("grants", "POST", "/api/v1/small-grants")] = small

    # consultations: one open with a comment, a council
    consultation = _created(consultations.post("/api/v1/consultations", officer,
                                               json=consultation_body()))
    ids["consultation"] = consultation["id"]
    ids["comment"] = _created(consultations.post(
        f"/api/v1/consultations/{consultation['id']}/comments", ngo,
        json={"author": "Jan Kowalski", "organization_id": ids["org_a"],
              "text": "Uwaga do § 1."}))["id"]
    council = _created(consultations.post("/api/v1/councils", officer, json=council_body()))
    ids["council"] = council["id"]
    ids["member"] = council["members"][0]["id"] if council.get("members") else UNKNOWN

    # notifications: A's representative's subscription
    ids["subscription"] = _created(notifications.post("/api/v1/subscriptions", ngo, json={
        "channel": "webhook", "target": "https://hooks.example.pl/authz",
        "event_types": ["grants.competition.announced"]}))["id"]

    # bodies that reach the ownership checks: for A, or culture
    city.bodies.update({
        ("registry", "PATCH", "/api/v1/organizations/{id}"): {"website":
                                                              "https://a.example.pl"},
        ("registry", "POST", "/api/v1/resources"): resource_body("culture"),
        ("registry", "PATCH", "/api/v1/resources/{id}"): {"capacity": 41},
        ("registry", "POST", "/api/v1/resources/{id}/bookings"): booking_body(
            ids["org_a"], local(21, 10), local(21, 12)),
        ("registry", "POST", "/api/v1/inquiries/{id}/answer"): {
            "answer": "Tak, w czwartki od 18:00."},
        ("registry", "POST", "/api/v1/partnerships"): {
            "kind": "agreement", "title": "Porozumienie o współpracy",
            "goal": "Klub seniora.", "areas": ["seniors"],
            "parties": [{"kind": "organization", "organization_id": ids["org_a"]},
                        {"kind": "city", "name": "Miasto"}],
            "starts_on": local(1, 0).date().isoformat()},
        ("registry", "POST", "/api/v1/volunteering"): {
            "organization_id": ids["org_a"], "title": "Wolontariusze",
            "description": "Pomoc w soboty.", "areas": ["volunteering"], "district": "Bałuty",
            "volunteers_needed": 2, "contact_email": "wolontariat@a.example.pl"},
        ("grants", "POST", "/api/v1/competitions"): competition_body(budget="1000.00",
                                                                     department="culture"),
        ("grants", "POST", "/api/v1/competitions/{id}/offers"): offer_body(ids["org_a"]),
        ("grants", "POST", "/api/v1/competitions/{id}/offers/check"): offer_body(ids["org_a"]),
        ("grants", "PUT", "/api/v1/competitions/{id}/offer-draft"): {
            "organization_id": ids["org_a"], "values": {"title": "Festiwal"}},
        ("grants", "PATCH", "/api/v1/offers/{id}"): {
            k: v for k, v in offer_body(ids["org_a"]).items() if k != "organization_id"},
        ("grants", "POST", "/api/v1/offers/{id}/budget-update"): {
            "total_cost": "10000.00",
            "own_contribution": {"financial": "1600.00", "non_financial": "500.00"},
            "cost_items": [{"name": "Scena", "amount": "10000.00"}]},
        ("grants", "POST", "/api/v1/competitions/{id}/committee"): {"members": [
            {"user_id": "authz-cm9", "name": "Jan Urzędnik", "kind": "official"}]},
        ("grants", "POST", "/api/v1/competitions/{id}/committee/assignments"): {
            "assignments": [{"user_id": member["_id"], "offer_ids": [ids["offer"]]}]},
        ("grants", "POST", "/api/v1/contracts/{id}/report"): {
            "achieved_results": "Trzy festiwale.", "activities": "Koncerty.",
            "expenses": [{"source": "grant", "name": "Scena", "amount": "7900.00"}],
            "personal_contribution": "0.00", "in_kind_contribution": "0.00",
            "volunteer_hours": "0"},
        ("grants", "POST", "/api/v1/contracts/{id}/report/corrections"): {"reason": "Braki"},
        ("grants", "POST", "/api/v1/contracts/{id}/settle"): {"returned_amount": "0.00"},
        ("grants", "POST", "/api/v1/contracts/{id}/terminate"): {"reason": "Zerwanie umowy"},
        ("registry", "POST", "/api/v1/inquiries/{id}/assign"): {"assignee": "Anna Nowak"},
        ("registry", "POST", "/api/v1/bookings/{id}/refuse"): {"reason": "Remont sali"},
        ("registry", "POST", "/api/v1/trainings/{id}/registrations"): {
            "name": "Jan Kowalski", "email": "jan@a.example.pl"},
        ("grants", "POST", "/api/v1/offers/{id}/reject"): {"reason": "Braki formalne"},
        ("grants", "POST", "/api/v1/offers/{id}/scores"): {"scores": [
            {"criterion": "Jakość", "points": 7}, {"criterion": "Koszty", "points": 4}]},
        ("grants", "POST", "/api/v1/competitions/{id}/committee/declaration"): {
            "no_conflict_of_interest": True},
        ("grants", "POST", "/api/v1/contracts"): contract,
        ("grants", "POST", "/api/v1/competitions/{id}/cancel"): {"reason": "Brak środków"},
        ("consultations", "POST", "/api/v1/councils/requests"): {
            "organization_id": ids["org_a"], "kind": "public_benefit_council",
            "justification": "Wnioskujemy o powołanie rady."},
    })
    return city


# path values: the fixture each `{name}` of a path stands for
def path_of(service: str, path: str, ids: dict[str, str], unknown: bool) -> str:
    first = {
        "/api/v1/organizations/{id}": "org_a", "/api/v1/inquiries/{id}": "inquiry",
        "/api/v1/resources/{id}": "resource", "/api/v1/bookings/{id}": "booking",
        "/api/v1/patronages/{id}": "patronage", "/api/v1/trainings/{id}": "training",
        "/api/v1/competitions/{id}": "competition", "/api/v1/contracts/{id}": "contract",
        "/api/v1/small-grants/{id}": "small_grant", "/api/v1/programmes/{id}": "programme",
        "/api/v1/consultations/{id}": "consultation", "/api/v1/councils/{id}": "council",
        "/api/v1/subscriptions/{id}": "subscription",
    }
    concrete = path
    if path.startswith("/api/v1/offers/{id}"):
        open_ones = ("PATCH", "/withdraw", "/budget-update")
        key = "open_offer" if any(path.endswith(s) for s in open_ones[1:]) else "offer"
        concrete = path.replace("{id}", UNKNOWN if unknown else ids[key])
    if path.startswith("/api/v1/competitions/{id}/offers"):
        concrete = path.replace("{id}", ids["open_competition"])
    for prefix, key in first.items():
        if concrete.startswith(prefix):
            concrete = concrete.replace("{id}", UNKNOWN if unknown else ids[key], 1)
    return (concrete.replace("{code}", "culture")
            .replace("{comment_id}", ids.get("comment", UNKNOWN))
            .replace("{member_id}", ids.get("member", UNKNOWN))
            .replace("{meeting_id}", UNKNOWN).replace("{request_id}", UNKNOWN)
            .replace("{delivery_id}", UNKNOWN).replace("{id}", UNKNOWN)
            .replace("{dataset}.{fmt}", "organizations.json")
            .replace("{year}", "2026"))


def _operations(city: City) -> dict[tuple[str, str, str], dict]:
    found = {}
    for name, running in city.services.items():
        spec = running.get("/api/v1/openapi.json").json()
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                found[(name, method.upper(), path)] = operation
    return found


def test_every_endpoint_has_a_rule(city):
    operations = _operations(city)
    missing = sorted(set(operations) - set(RULES))
    stale = sorted(set(RULES) - set(operations))
    assert not missing, f"endpoints without a rule in the matrix: {missing}"
    assert not stale, f"rules for endpoints that no longer exist: {stale}"
    for key, operation in operations.items():
        declared_public = "security" not in operation
        assert RULES[key].public == declared_public, (
            f"{key}: the matrix says public={RULES[key].public}, the service declares "
            f"{'no token needed' if declared_public else operation.get('description')}")


def _call(city: City, key, role: str, unknown: bool) -> requests.Response:
    service, method, path = key
    running = city.services[service]
    body = city.bodies.get(key)
    kwargs = {}
    if body is not None:
        kwargs["json"] = body
    elif method in ("POST", "PATCH"):
        kwargs["json"] = {} if _has_body(city, key) else None
    return running.request(method, path_of(service, path, city.ids, unknown),
                           city.tokens[role], **kwargs)


_BODIES: dict = {}


def _has_body(city: City, key) -> bool:
    if not _BODIES:
        _BODIES.update({k: "requestBody" in op for k, op in _operations(city).items()})
    return _BODIES.get(key, False)


def _verdict(expected: str, status: int) -> bool:
    if status >= 500:
        return False
    if expected == ANON:
        return status == 401
    if expected == ROLE:
        return status == 403
    if expected == DENY:
        return status in (403, 404)
    return status not in (401, 403)


@pytest.mark.parametrize("key", list(RULES), ids=lambda k: f"{k[0]} {k[1]} {k[2]}")
def test_the_matrix(city, key):
    rule_of = RULES[key]
    # refusals first: they change nothing, so the allowed cells see the fixtures intact
    order = sorted(ROLES, key=lambda r: rule_of.expected(r) == OK)
    wrong = []
    for role in order:
        expected = rule_of.expected(role)
        unknown = expected == OK and rule_of.destructive
        response = _call(city, key, role, unknown)
        if not _verdict(expected, response.status_code):
            wrong.append(f"{role}: expected {expected}, got {response.status_code} "
                         f"{response.text[:160]}")
    assert not wrong, "\n".join(wrong)


def test_the_matrix_covers_every_role_and_a_token_changes_nothing_for_the_public(city):
    assert set(ROLES) == set(city.tokens)
    # every role's token is identity's own, signed with a key of its JWKS
    kids = {k["kid"] for k in city.identity.get("/oauth2/jwks").json()["keys"]}
    for role, token in city.tokens.items():
        if token is not None:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
            assert header["alg"] == "RS256" and header["kid"] in kids, role
            assert claims["iss"] == city.identity.base_url, role
    assert jwt.decode(city.tokens["ngo"], options={"verify_signature": False})[
        "org_id"] == city.ids["org_a"]
    # a forged token on a public endpoint is still a 401, never a silent downgrade to public
    forged = mint_token("x", ["officer"], secret="not-the-secret-" * 3)
    response = city.services["registry"].get("/api/v1/organizations", forged)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    expired = mint_token("x", ["officer"], ttl_seconds=-120)  # beyond the clock leeway
    assert city.services["grants"].get("/api/v1/programmes", expired).status_code == 401
