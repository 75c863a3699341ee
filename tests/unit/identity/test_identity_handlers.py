"""The identity command handlers with an in-memory unit of work: what each loads, changes,
records in the audit log and emits, without RabbitMQ or a database."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from identity_fakes import FakeIdentityUnit

from identity import domain, handlers, totp
from identity.config import DEVELOPMENT_TOTP_KEY, IdentitySettings
from identity.web import hash_password
from wspolpraca.envelope import utcnow
from wspolpraca.errors import Conflict, DomainError, Forbidden, NotFound
from wspolpraca.service_layer import Submit

PASSWORD = "Zielona-łąka-nad-Wisłą"
SETTINGS = IdentitySettings(issuer="https://login.example.org", key_passphrase=b"x" * 32,
                            public_url="https://login.example.org",
                            admin_email="admin@example.org")
BOX = totp.SecretBox(DEVELOPMENT_TOTP_KEY.encode("utf-8"))
ADMIN = SimpleNamespace(sub="admin-1", is_staff=True, roles=["admin"], org_id=None)


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


def account(uow: FakeIdentityUnit, password_hash: str | None = None, *, roles=(),
            status: str = "active", email: str = "anna@example.org") -> dict:
    record = handlers.new_account(email, "Anna Nowak", password_hash, utcnow(), status=status,
                                  roles=list(roles))
    uow.accounts.add(record)
    return record


def person(record: dict, *, staff: bool = False) -> SimpleNamespace:
    return SimpleNamespace(sub=record["_id"], is_staff=staff, roles=[], org_id=None)


def ask(record: dict) -> handlers.RequestRepresentation:
    """The person of `record` asks to represent the organisation o1."""
    return handlers.RequestRepresentation(person(record), "o1")


def second_step(uow: FakeIdentityUnit, token: str, code: str) -> handlers.SecondFactor:
    return handlers.check_second_factor(
        handlers.CheckSecondFactor(BOX, token, code, "10.0.0.1"), uow)


# --- accounts -------------------------------------------------------------------------------
def test_a_registration_stores_an_unconfirmed_account_and_emails_its_link(password_hash):
    uow = FakeIdentityUnit()
    handlers.register(handlers.Register(
        SETTINGS, {"email": " Anna@Example.org", "name": "Anna Nowak"}, password_hash), uow)
    stored = uow.accounts.by_email("anna@example.org")
    assert stored["status"] == "unconfirmed"
    assert uow.routing_keys == ["account.registered"]
    [event] = uow.emitted
    assert event.data["confirmation_url"].startswith(f"{SETTINGS.public_url}/oauth2/confirm?")
    assert event.data["confirmation_url"].endswith(uow.one_time.issued[0])


def test_a_known_address_registering_again_is_emailed_and_nothing_is_stored(password_hash):
    uow = FakeIdentityUnit()
    known = account(uow, password_hash)
    handlers.register(handlers.Register(SETTINGS, {"email": known["email"], "name": "Ktoś"},
                                         password_hash), uow)
    assert len(uow.accounts.records) == 1 and uow.one_time.records == {}
    assert uow.routing_keys == ["account.registration_repeated"]


def test_the_confirmation_link_activates_the_account_once():
    uow = FakeIdentityUnit()
    record = account(uow, status="unconfirmed")
    token = uow.one_time.issue("confirm", record["_id"], utcnow(), timedelta(hours=1))
    assert handlers.confirm(handlers.Confirm(token), uow)["status"] == "active"
    assert uow.accounts.get(record["_id"])["confirmed_at"] is not None
    assert uow.routing_keys == ["account.confirmed"]
    with pytest.raises(DomainError) as refused:
        handlers.confirm(handlers.Confirm(token), uow)
    assert refused.value.code == "invalid_link"


def test_an_expired_link_is_refused():
    uow = FakeIdentityUnit()
    record = account(uow, status="unconfirmed")
    token = uow.one_time.issue("confirm", record["_id"], utcnow() - timedelta(hours=2),
                               timedelta(hours=1))
    with pytest.raises(DomainError):
        handlers.confirm(handlers.Confirm(token), uow)
    assert uow.emitted == []


def test_a_reset_is_asked_for_an_active_account_only():
    uow = FakeIdentityUnit()
    account(uow, status="disabled")
    handlers.request_reset(handlers.RequestReset(SETTINGS, "anna@example.org"), uow)
    handlers.request_reset(handlers.RequestReset(SETTINGS, "nikt@example.org"), uow)
    assert uow.emitted == []
    account(uow, email="jan@example.org")
    handlers.request_reset(handlers.RequestReset(SETTINGS, "JAN@example.org"), uow)
    assert uow.routing_keys == ["account.password_reset_requested"]


def test_a_new_password_through_the_link_activates_and_is_audited():
    uow = FakeIdentityUnit()
    record = account(uow, status="unconfirmed")
    token = uow.one_time.issue("reset", record["_id"], utcnow(), timedelta(hours=1))
    changed = handlers.set_password(handlers.SetPassword(token, PASSWORD), uow)
    assert changed["status"] == "active" and changed["must_change_password"] is False
    assert uow.accounts.get(record["_id"])["password_hash"].startswith("$argon2")
    assert uow.audit.kinds() == ["password_changed"]


def test_the_sessions_end_only_once_the_new_password_committed():
    uow = FakeIdentityUnit()
    record = account(uow)
    uow.sessions.add({"_id": "s1", "account_id": record["_id"]})
    token = uow.one_time.issue("reset", record["_id"], utcnow(), timedelta(hours=1))
    handlers.reset_password(handlers.SetPassword(token, PASSWORD), uow)
    assert sorted(uow.sessions.records) == ["s1"]
    uow.committed()
    assert uow.sessions.records == {}


def test_a_weak_new_password_is_refused():
    uow = FakeIdentityUnit()
    record = account(uow)
    token = uow.one_time.issue("reset", record["_id"], utcnow(), timedelta(hours=1))
    with pytest.raises(DomainError) as refused:
        handlers.set_password(handlers.SetPassword(token, "anna@example.org"), uow)
    assert refused.value.code == "weak_password"


def test_the_account_sessions_and_refresh_tokens_end():
    uow = FakeIdentityUnit()
    uow.sessions.add({"_id": "s1", "account_id": "a1"})
    uow.sessions.add({"_id": "s2", "account_id": "a2"})
    uow.refresh_tokens.add({"_id": "r1", "account_id": "a1", "session_id": "s1",
                            "revoked": False})
    uow.refresh_tokens.add({"_id": "r2", "account_id": "a2", "session_id": "s2",
                            "revoked": False})
    handlers.end_account_sessions(handlers.EndSessions("a1", "password_changed"), uow)
    assert sorted(uow.sessions.records) == ["s2"]
    assert uow.refresh_tokens.get("r1")["revoked"] is True
    assert uow.refresh_tokens.get("r2")["revoked"] is False


def test_an_invited_staff_account_gets_a_link_a_seeded_one_is_active(password_hash):
    uow = FakeIdentityUnit()
    body = {"email": "urzednik@example.org", "name": "Jan Urzędnik", "roles": ["officer"]}
    invited = handlers.create_staff(handlers.CreateStaff(SETTINGS, ADMIN, body, None), uow)
    assert invited["status"] == "unconfirmed" and "/oauth2/reset?" in invited["set_password_url"]
    assert uow.routing_keys == ["account.invited"]
    seeded = handlers.create_staff(handlers.CreateStaff(
        SETTINGS, ADMIN, {**body, "email": "b@example.org"}, password_hash), uow)
    assert seeded["status"] == "active" and "set_password_url" not in seeded
    assert uow.routing_keys == ["account.invited"]
    assert uow.audit.kinds() == ["roles_granted", "roles_granted"]
    with pytest.raises(Conflict):
        handlers.create_staff(handlers.CreateStaff(SETTINGS, ADMIN, body, None), uow)


def test_an_invitation_adds_the_role_to_a_known_account_and_refuses_a_disabled_one():
    uow = FakeIdentityUnit()
    known = account(uow)
    body = {"email": known["email"], "name": "Anna", "roles": ["committee"]}
    answer = handlers.invite_member(handlers.Invite(SETTINGS, ADMIN, body), uow)
    assert answer["status"] == "existing" and answer["roles"] == ["committee"]
    assert uow.emitted == []   # an active account needs no link
    new = handlers.invite_member(handlers.Invite(
        SETTINGS, ADMIN, {**body, "email": "nowy@example.org"}), uow)
    assert new["status"] == "invited" and uow.routing_keys == ["account.invited"]
    account(uow, status="disabled", email="zablokowany@example.org")
    with pytest.raises(Conflict):
        handlers.invite_member(handlers.Invite(
            SETTINGS, ADMIN, {**body, "email": "zablokowany@example.org"}), uow)


def test_a_deleted_account_is_erased_and_its_representations_withdrawn():
    uow = FakeIdentityUnit()
    record = account(uow)
    record["totp"] = {"sealed": "v1.x", "enabled": True}
    uow.accounts.records[record["_id"]]["totp"] = record["totp"]
    uow.representations.add({"_id": "r1", "account_id": record["_id"], "open": True,
                             "organization_id": "o1", "status": "granted",
                             "name": "Anna Nowak", "email": record["email"]})
    handlers.delete_account(handlers.DeleteAccount(record["_id"]), uow)
    erased = uow.accounts.get(record["_id"])
    assert erased["status"] == "disabled" and "totp" not in erased
    assert erased["email"] == f"usuniete-{record['_id']}@invalid"
    assert uow.representations.get("r1")["status"] == "withdrawn"
    assert uow.routing_keys == ["account.deleted"]
    with pytest.raises(NotFound):
        handlers.delete_account(handlers.DeleteAccount("nobody"), uow)


def test_a_first_admin_is_created_once_with_a_generated_password():
    uow = FakeIdentityUnit()
    generated = handlers.bootstrap(handlers.Start(SETTINGS, BOX), uow)
    assert generated and uow.accounts.by_email("admin@example.org")["must_change_password"]
    assert {"wspolpraca-cli", "wspolpraca-portal"} <= set(uow.clients.records)
    assert handlers.bootstrap(handlers.Start(SETTINGS, BOX), uow) is None


def test_plain_totp_secrets_of_older_versions_are_sealed():
    uow = FakeIdentityUnit()
    record = account(uow)
    secret = totp.new_secret()
    uow.accounts.records[record["_id"]]["totp"] = {"secret": secret, "enabled": True}
    assert handlers.seal_plain_totp_secrets(handlers.SealTotpSecrets(BOX), uow) == 1
    sealed = uow.accounts.get(record["_id"])["totp"]
    assert "secret" not in sealed and BOX.open(sealed["sealed"], record["_id"]) == secret
    assert handlers.seal_plain_totp_secrets(handlers.SealTotpSecrets(BOX), uow) == 0


def test_a_client_answers_its_secret_once_and_keeps_its_hash():
    uow = FakeIdentityUnit()
    body = {"name": "Portal", "kind": "web", "redirect_uris": ["https://p/cb"],
            "post_logout_redirect_uris": []}
    created = handlers.create_client(Submit(ADMIN, body), uow)
    stored = uow.clients.get(created["_id"])
    assert "client_secret" not in stored and stored["secret_hash"] != created["client_secret"]
    with pytest.raises(DomainError):
        handlers.create_client(Submit(ADMIN, {**body, "kind": "department"}),
                              uow)


# --- representations ------------------------------------------------------------------------
def test_a_representation_is_requested_then_decided_by_the_officer():
    uow = FakeIdentityUnit()
    record = account(uow)
    asked = handlers.request_representation(ask(record), uow)
    assert asked["status"] == "requested" and uow.routing_keys == ["representation.requested"]
    with pytest.raises(Conflict, match="już złożono"):
        handlers.request_representation(ask(record), uow)
    officer = domain.Actor("officer-1", True, frozenset())
    granted = handlers.decide(handlers.Decide(officer, asked["_id"], "approve", None), uow)
    assert granted["status"] == "granted" and granted["decided_by"] == "officer-1"
    assert uow.routing_keys[-1] == "representation.granted"
    assert uow.audit.kinds() == ["representation_granted"]
    assert handlers.actor(person(record), uow).represents == frozenset({"o1"})


def test_a_person_does_not_decide_their_own_request():
    uow = FakeIdentityUnit()
    record = account(uow)
    asked = handlers.request_representation(ask(record), uow)
    me = handlers.actor(person(record), uow)
    with pytest.raises(Forbidden):
        handlers.decide(handlers.Decide(me, asked["_id"], "approve", None), uow)
    withdrawn = handlers.decide(handlers.Decide(me, asked["_id"], "withdraw", None), uow)
    assert withdrawn["status"] == "withdrawn" and withdrawn["open"] is False
    with pytest.raises(Conflict):
        handlers.decide(handlers.Decide(me, asked["_id"], "withdraw", None), uow)


def test_only_an_organisation_of_the_registry_can_be_represented():
    uow = FakeIdentityUnit()
    record = account(uow)
    with pytest.raises(DomainError) as refused:
        handlers.ask_to_represent(ask(record), uow)
    assert refused.value.code == "unknown_organization"
    uow.organizations.add({"_id": "o1"})
    assert handlers.ask_to_represent(ask(record), uow)["status"] == "requested"


def test_the_staff_account_and_a_registration_check_the_password_first():
    uow = FakeIdentityUnit()
    body = {"email": "jan@example.org", "name": "Jan Kowalski", "password": "jan@example.org"}
    with pytest.raises(DomainError) as weak:
        handlers.register_account(handlers.RegisterAccount(SETTINGS, body), uow)
    assert weak.value.code == "weak_password" and uow.accounts.records == {}
    with pytest.raises(DomainError) as staff_weak:
        handlers.create_staff_account(handlers.Invite(
            SETTINGS, ADMIN, {**body, "roles": ["officer"]}), uow)
    assert staff_weak.value.code == "weak_password" and uow.accounts.records == {}


def test_an_inactive_account_asks_for_nothing():
    uow = FakeIdentityUnit()
    record = account(uow, status="unconfirmed")
    with pytest.raises(Forbidden):
        handlers.request_representation(ask(record), uow)


# --- signing in -----------------------------------------------------------------------------
def test_the_right_password_signs_in_and_is_audited(password_hash):
    uow = FakeIdentityUnit()
    record = account(uow, password_hash)
    assert handlers.check_credentials(
        handlers.CheckCredentials(record["email"], PASSWORD, "10.0.0.1"), uow)["_id"] == \
        record["_id"]
    assert uow.audit.kinds() == ["signed_in"]


def test_five_wrong_passwords_lock_the_account(password_hash):
    uow = FakeIdentityUnit()
    record = account(uow, password_hash)
    outcomes = [handlers.check_credentials(
        handlers.CheckCredentials(record["email"], "zle-haslo-123", "10.0.0.1"), uow)
                for _ in range(6)]
    assert outcomes[:5] == [None] * 5
    assert isinstance(outcomes[5], int) and outcomes[5] > 0
    assert uow.audit.kinds().count("sign_in_failed") == 5


def test_the_second_factor_enrols_with_a_code_once_and_a_replay_fails():
    uow = FakeIdentityUnit()
    record = account(uow, roles=["officer"])
    step = handlers.start_second_factor(handlers.StartSecondFactor(BOX, record), uow)
    assert step.enrol_uri.startswith("otpauth://totp/")
    sealed = uow.accounts.get(record["_id"])["totp"]["sealed"]
    code = totp.code_at(BOX.open(sealed, record["_id"]), totp.step_of(utcnow().timestamp()))
    wrong = second_step(uow, step.token, "000000" if code != "000000" else "111111")
    assert wrong.outcome == "failed" and wrong.enrol_uri
    passed = second_step(uow, step.token, code)
    assert passed.outcome == "passed" and passed.account["_id"] == record["_id"]
    assert uow.accounts.get(record["_id"])["totp"]["enabled"] is True
    assert uow.audit.kinds() == ["second_factor_failed", "second_factor_enrolled"]
    assert second_step(uow, step.token, code).outcome == \
        "expired"   # the step is used up


def test_a_session_is_stored_hashed(password_hash):
    uow = FakeIdentityUnit()
    record = account(uow, password_hash)
    session, cookie = handlers.open_session(
        handlers.OpenSession(SETTINGS, record, "10.0.0.1"), uow)
    assert session["_id"] != cookie and uow.sessions.get(session["_id"])["account_id"] == \
        record["_id"]


def test_a_second_step_whose_totp_was_reset_or_sealed_under_another_key_stops():
    uow = FakeIdentityUnit()
    record = account(uow, roles=["officer"])
    step = handlers.start_second_factor(handlers.StartSecondFactor(BOX, record), uow)
    other = totp.SecretBox(b"another-key-0123456789abcdef0123456789")
    uow.accounts.update(record["_id"], {"totp.sealed": other.seal("A" * 32, record["_id"])})
    assert second_step(uow, step.token, "123456").outcome \
        == "broken"
    uow.accounts.update(record["_id"], {}, unset=("totp",))
    assert second_step(uow, step.token, "123456").outcome \
        == "expired"
    assert uow.audit.kinds() == []


def test_the_sign_in_bookkeeping_outside_a_transaction_emits_nothing():
    from collections import defaultdict

    from identity.unit import run_now

    with pytest.raises(RuntimeError):
        run_now(defaultdict(dict), lambda command, uow: uow.emit("account.confirmed", "a1", {}),
                None)
