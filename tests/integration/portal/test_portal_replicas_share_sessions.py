"""Two portal processes on one database (two replicas of its Deployment, issue #18): a sign-in
started on one finishes on the other, the session holds after the first restarts, and their
token refreshes never send one refresh token twice (identity would revoke the whole family).

The OpenID provider is a stub here (discovery, JWKS, token endpoint with rotating refresh
tokens that refuses a reused one); the portal signs in against it as against identity."""

from __future__ import annotations

import os
import threading
import time
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from wspolpraca.testing.processes import ServiceProcess
from wspolpraca.testing.stubs import JsonHandler, serve
from wspolpraca.testing.waiting import wait_until

pytestmark = pytest.mark.integration

SECRET = "portal-secret-of-the-replica-test-0123456789ab"
# the access token expires within the portal's refresh margin (60 s): every signed-in request
# refreshes the tokens first, so every request races for the refresh
EXPIRES_IN = 30


class Provider:
    """The OpenID provider's endpoints the portal uses, refresh tokens rotated."""

    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256"})
        self.nonce = ""
        self.lock = threading.Lock()
        self.issued = 0
        self.current = ""
        self.used: list[str] = []
        self.reused: list[str] = []
        provider = self

        class Handler(JsonHandler):
            def on_get(self) -> None:
                base = provider.url
                if self.path == "/.well-known/openid-configuration":
                    return self.send_json(200, {
                        "issuer": base, "authorization_endpoint": f"{base}/oauth2/authorize",
                        "token_endpoint": f"{base}/oauth2/token",
                        "jwks_uri": f"{base}/oauth2/jwks",
                        "end_session_endpoint": f"{base}/oauth2/logout"})
                if self.path == "/oauth2/jwks":
                    return self.send_json(200, KeySet([provider.key]).as_dict(private=False))
                if self.path.startswith("/api/v1/representations"):
                    return self.send_json(200, {"items": [], "next_cursor": None})
                return self.send_json(404, {"error": {"code": "not_found", "message": "-"}})

            def on_post(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = provider.token(form)
                return self.send_json(status, body)

        self.server, self.url = serve(Handler)

    def _jwt(self, claims: dict) -> str:
        now = int(time.time())
        return jwt.encode({"alg": "RS256", "kid": "k1"},
                          {"iss": self.url, "sub": "account-1", "iat": now,
                           "exp": now + EXPIRES_IN, **claims}, self.key)

    def token(self, form: dict[str, str]) -> tuple[int, dict]:
        with self.lock:
            if form.get("grant_type") == "refresh_token":
                presented = form.get("refresh_token", "")
                if presented in self.used or presented != self.current:
                    self.reused.append(presented)
                    return 400, {"error": "invalid_grant"}
                self.used.append(presented)
            elif form.get("grant_type") != "authorization_code":
                return 400, {"error": "unsupported_grant_type"}
            self.issued += 1
            self.current = f"refresh-{self.issued}"
            answer = {"token_type": "Bearer", "expires_in": EXPIRES_IN,
                      "refresh_token": self.current,
                      "access_token": self._jwt({"aud": "wspolpraca", "roles": ["ngo"]})}
            if form.get("grant_type") == "authorization_code":
                answer["id_token"] = self._jwt({"aud": "wspolpraca-portal", "nonce": self.nonce,
                                                "name": "Anna Nowak"})
            return 200, answer


@pytest.fixture
def provider():
    stub = Provider()
    yield stub
    stub.server.shutdown()
    stub.server.server_close()


@pytest.fixture
def replicas(provider, mongo_uri):
    parts = urlsplit(mongo_uri)
    own = parts._replace(path=f"/portal_{uuid.uuid4().hex[:8]}").geturl()
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("MONGO_URI", "WSPOLPRACA_", "PORTAL_"))}
    env.update({"MONGO_URI_PORTAL": own, "PORTAL_SECRET": SECRET,
           "PORTAL_IDENTITY_URL": provider.url, "WSPOLPRACA_PORTAL_URL": "http://127.0.0.1:1",
           "PORTAL_CACHE_SECONDS": "0"})
    started: list[ServiceProcess] = []

    def start(name: str) -> ServiceProcess:
        process = ServiceProcess("portal", env, name)
        started.append(process)
        wait_until(process.answers, timeout=60, interval=0.2, what=f"{name} to be ready")
        return process

    yield start
    for process in started:
        process.stop()


def signed_in(browser: requests.Session, replica: ServiceProcess) -> bool:
    """A page only a signed-in person sees, through `replica`: 200, or to the sign-in."""
    answer = browser.get(replica.url + "/wybierz-organizacje", allow_redirects=False,
                         timeout=60)
    assert answer.status_code in (200, 303), answer.status_code
    return answer.status_code == 200 and "Anna Nowak" in answer.text


def test_a_session_holds_across_replicas_and_a_restart_and_refreshes_once_each_time(
        provider, replicas) -> None:
    first, second = replicas("portal-a"), replicas("portal-b")
    browser = requests.Session()

    # the sign-in starts on one replica ...
    started = browser.get(first.url + "/logowanie?next=/moja-organizacja",
                          allow_redirects=False, timeout=60)
    assert started.status_code == 303
    query = parse_qs(urlsplit(started.headers["Location"]).query)
    provider.nonce = query["nonce"][0]
    # ... and the provider sends the person back to the other
    back = browser.get(second.url + "/logowanie/powrot?" + urlencode(
        {"state": query["state"][0], "code": "code-1"}), allow_redirects=False, timeout=60)
    assert back.status_code == 303 and back.headers["Location"] == "/moja-organizacja"
    assert browser.cookies.get("portal_session")

    assert signed_in(browser, first) and signed_in(browser, second)

    # the first replica restarts (a rolling update): nobody is signed out
    first.stop()
    restarted = replicas("portal-a2")
    assert signed_in(browser, restarted)

    # both replicas at once, each request refreshing the tokens first
    answers: list[bool] = []

    def ask(replica: ServiceProcess) -> None:
        answers.append(signed_in(browser, replica))

    threads = [threading.Thread(target=ask, args=(replica,))
               for replica in (restarted, second) * 4]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert answers == [True] * len(threads)
    assert provider.reused == [] and len(provider.used) >= len(threads) // 2
    # every refresh token was presented once: the first from the code, then each rotated one
    assert provider.used == [f"refresh-{n}" for n in range(1, provider.issued)]
