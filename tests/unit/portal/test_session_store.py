"""The portal's session store and form stash in its own database (SecantusDB here): shared by
replicas (two stores on one database stand for two portal processes), idle expiry, tokens
encrypted at rest, a refresh that is a compare-and-set (the loser takes the winner's tokens),
a stashed form taken once."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from portal_fakes import WAIT, RotatingIdentity

from portal.sessions import (
    COLLECTIONS,
    SESSIONS,
    STASHED_FORMS,
    FormStash,
    SessionStore,
    digest,
)
from portal.signin import Pending, SignInFailed, Tokens
from wspolpraca.database import ensure_schema

SECRET = "portal-secret-for-the-store-tests-0123456789"


@pytest.fixture
def db(mongo_client):
    database = mongo_client[f"portal_{uuid.uuid4().hex[:8]}"]
    ensure_schema(database, COLLECTIONS)
    yield database
    mongo_client.drop_database(database.name)


def _tokens(expires_in: float, n: int = 0) -> Tokens:
    return Tokens(f"access-{n}", f"refresh-{n}", "id-token", time.time() + expires_in,
                  {"sub": "sub-1", "name": "Anna Nowak", "roles": ["ngo"]})


def _signed_in(store: SessionStore, expires_in: float = 600) -> str:
    session = store.new()
    store.start_sign_in(session, Pending("state", "nonce", "verifier", "/moja-organizacja"))
    store.signed_in(session, _tokens(expires_in))
    store.set_organisations(session, [("o1", "Fundacja Łódzka")])
    return session.id


def test_a_session_made_by_one_replica_is_read_by_another(db) -> None:
    first, second = SessionStore(db, SECRET), SessionStore(db, SECRET)
    session_id = _signed_in(first)
    found = second.get(session_id)
    assert found is not None and found.name == "Anna Nowak" and found.has("ngo")
    assert (found.tokens.access_token, found.tokens.refresh_token) == ("access-0", "refresh-0")
    assert found.organisations == [("o1", "Fundacja Łódzka")] and found.pending is None
    second.end(found)
    assert first.get(session_id) is None


def test_signing_in_gives_a_new_id_and_the_sign_in_in_progress_is_shared(db) -> None:
    first, second = SessionStore(db, SECRET), SessionStore(db, SECRET)
    session = first.new()
    first.start_sign_in(session, Pending("st", "no", "ver", "/urzad"))
    started = session.id
    back = second.get(started)       # the provider sends the person to another replica
    assert back is not None and back.pending == Pending("st", "no", "ver", "/urzad")
    second.signed_in(back, _tokens(600))
    assert back.id != started and first.get(started) is None
    assert first.get(back.id).pending is None


def test_the_database_holds_no_cookie_and_no_readable_token(db) -> None:
    store = SessionStore(db, SECRET)
    session_id = _signed_in(store)
    record = db[SESSIONS].find_one()
    assert record["_id"] == digest(session_id) and session_id not in str(record)
    for secret in ("access-0", "refresh-0", "id-token", "Anna Nowak", "verifier"):
        assert secret not in str(record)
    # another secret cannot read them: the person is signed out, nothing fails
    other = SessionStore(db, "another-portal-secret-0123456789abcdef0123")
    assert other.get(session_id).tokens is None


def test_an_idle_session_expires_and_is_purged(db) -> None:
    store = SessionStore(db, SECRET, idle=60)
    session_id = _signed_in(store)
    assert store.get(session_id) is not None
    db[SESSIONS].update_one({}, {"$set": {"touched": datetime.now(UTC) - timedelta(seconds=61)}})
    assert store.get(session_id) is None
    kept = _signed_in(store)
    db[SESSIONS].insert_one({"_id": "stale", "touched": datetime.now(UTC) - timedelta(hours=1)})
    store.purged = None
    assert store.purge() == 1 and store.get(kept) is not None
    indexes = db[SESSIONS].index_information()
    assert indexes["idle_expiry"]["expireAfterSeconds"] == 60 * 60 * 12


def test_reading_touches_the_session_at_most_once_a_minute(db) -> None:
    store = SessionStore(db, SECRET)
    session_id = _signed_in(store)
    old = datetime.now(UTC) - timedelta(minutes=5)
    db[SESSIONS].update_one({}, {"$set": {"touched": old}})
    store.get(session_id)
    touched = db[SESSIONS].find_one()["touched"]
    assert touched.replace(tzinfo=UTC) > old + timedelta(minutes=4)


def test_two_replicas_refreshing_one_session_send_its_refresh_token_once(db) -> None:
    waiting = threading.Semaphore(0)
    first = SessionStore(db, SECRET)
    second = SessionStore(db, SECRET, on_wait=waiting.release)
    session_id = _signed_in(first, expires_in=10)   # within the refresh margin
    identity = RotatingIdentity()
    answers: dict[str, object] = {}

    def request(name: str, store: SessionStore) -> None:
        session = store.get(session_id)
        try:
            store.refresh(session, identity.refresh)
            answers[name] = session.tokens
        except SignInFailed as exc:
            answers[name] = exc

    winner = threading.Thread(target=request, args=("first", first))
    winner.start()
    assert identity.entered.wait(WAIT)           # the first replica is asking identity
    loser = threading.Thread(target=request, args=("second", second))
    loser.start()
    assert waiting.acquire(timeout=WAIT)         # the second waits for it
    identity.release.set()
    winner.join(WAIT)
    loser.join(WAIT)

    assert identity.calls == 1 and identity.used == ["refresh-0"]
    assert isinstance(answers["first"], Tokens) and isinstance(answers["second"], Tokens)
    assert answers["first"].access_token == answers["second"].access_token == "access-1"
    stored = SessionStore(db, SECRET).get(session_id)
    assert stored.tokens.refresh_token == "refresh-1" and stored.version == 2


def test_a_replica_waiting_for_a_refused_refresh_signs_in_again(db) -> None:
    store = SessionStore(db, SECRET)
    session_id = _signed_in(store, expires_in=10)
    identity = RotatingIdentity()
    identity.release.set()
    identity.used.append("refresh-0")            # already revoked
    session = store.get(session_id)
    with pytest.raises(SignInFailed):
        store.refresh(session, identity.refresh)
    assert session.tokens is None
    later = SessionStore(db, SECRET).get(session_id)   # the other replica's next request
    assert later.tokens is None and identity.calls == 1


def test_a_refresh_that_fails_unexpectedly_releases_its_claim_and_drops_the_tokens(db) -> None:
    """Identity may have rotated the refresh token before the failure (reading its keys): the
    used token is never sent again by another replica, and nobody waits out the lease."""
    store = SessionStore(db, SECRET)
    session_id = _signed_in(store, expires_in=10)

    def broken(tokens: Tokens) -> Tokens:
        raise ConnectionError("identity's keys did not answer")

    with pytest.raises(SignInFailed):
        store.refresh(store.get(session_id), broken)
    assert db[SESSIONS].find_one()["refreshing"] is None
    later = SessionStore(db, SECRET).get(session_id)   # the other replica's next request
    assert later.tokens is None


def test_a_claim_left_by_a_replica_that_died_runs_out(db) -> None:
    store = SessionStore(db, SECRET)
    session_id = _signed_in(store, expires_in=10)
    db[SESSIONS].update_one({}, {"$set": {"refreshing": {
        "by": "dead", "until": datetime.now(UTC) - timedelta(seconds=1)}}})
    identity = RotatingIdentity()
    identity.release.set()
    session = store.get(session_id)
    store.refresh(session, identity.refresh)
    assert session.tokens.access_token == "access-1"


def test_a_fresh_token_is_not_refreshed(db) -> None:
    store = SessionStore(db, SECRET)
    session = store.get(_signed_in(store, expires_in=600))
    identity = RotatingIdentity()
    store.refresh(session, identity.refresh)
    assert identity.calls == 0 and session.tokens.access_token == "access-0"


def test_a_stashed_form_is_taken_once_by_any_replica_for_its_path_and_person(db) -> None:
    first, second = FormStash(db, SECRET), FormStash(db, SECRET)
    key = first.put("/moja-organizacja/oferty/nowa/c1",
                    [("title", "Festyn"), ("partners", "a"), ("partners", "b")], "sub-1",
                    action="/moja-organizacja/oferty/nowa/c1/zapisz")
    assert "Festyn" not in str(db[STASHED_FORMS].find_one()) and key not in str(
        db[STASHED_FORMS].find_one())
    assert second.take(key, "/moja-organizacja/oferty/nowa/c2", "sub-1") is None
    assert second.take(key, "/moja-organizacja/oferty/nowa/c1", "sub-2") is None
    assert second.take_form(key, "/moja-organizacja/oferty/nowa/c1", "sub-1", "/inny") is None
    found = second.take_form(key, "/moja-organizacja/oferty/nowa/c1", "sub-1")
    assert found.items == [("title", "Festyn"), ("partners", "a"), ("partners", "b")]
    assert found.action == "/moja-organizacja/oferty/nowa/c1/zapisz"
    assert first.take(key, "/moja-organizacja/oferty/nowa/c1", "sub-1") is None
    anyone = first.put("/x", [("a", "1")])          # the portal no longer knew the person
    assert second.take(anyone, "/x", "sub-9") == [("a", "1")]
    assert first.take(None, "/x", None) is None


def test_a_stashed_form_expires(db) -> None:
    stash = FormStash(db, SECRET, ttl=60)
    key = stash.put("/x", [("a", "1")])
    db[STASHED_FORMS].update_one({}, {"$set": {"stored": datetime.now(UTC)
                                               - timedelta(seconds=61)}})
    assert stash.take(key, "/x", "anyone") is None
