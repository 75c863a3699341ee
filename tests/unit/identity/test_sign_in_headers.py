"""The sign-in pages are answered with a redirect to the client's registered redirect URI:
browsers check it against the page's `form-action`, so that origin (and only it) is allowed."""

from identity.web import SECURITY_HEADERS, sign_in_headers


def test_the_sign_in_page_may_send_its_form_on_to_the_clients_origin() -> None:
    headers = sign_in_headers("http://127.0.0.1:8000/logowanie/powrot", {"Retry-After": "5"})
    policy = headers["Content-Security-Policy"]
    assert "form-action 'self' http://127.0.0.1:8000;" in policy
    assert "/logowanie" not in policy
    assert headers["Retry-After"] == "5"


def test_without_a_redirect_uri_the_policy_stays_strict() -> None:
    for uri in (None, "", "javascript:alert(1)", "urn:ietf:wg:oauth:2.0:oob"):
        assert sign_in_headers(uri).get("Content-Security-Policy",
                                        SECURITY_HEADERS["Content-Security-Policy"]) == \
            SECURITY_HEADERS["Content-Security-Policy"]
