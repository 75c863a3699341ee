"""Identity on the shared foundation: health, metrics, OpenAPI, the first admin, the
`wspolpraca-cli` client, the key rotation command, errors as everywhere."""

from __future__ import annotations

import subprocess
import sys
from urllib.parse import urlsplit

from identity_helpers import PASSWORD, new_email


def test_health_metrics_and_openapi(identity):
    assert identity.get("/health/live").json()["service"] == "identity"
    assert identity.get("/health/ready").status_code == 200
    identity.post("/api/v1/accounts", json={"email": new_email(), "name": "Ola",
                                            "password": PASSWORD})
    metrics = identity.get("/metrics").text
    assert 'wspolpraca_identity_accounts{service="identity",status="unconfirmed"}' in metrics
    assert 'route="/api/v1/accounts"' in metrics
    paths = identity.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/accounts", "/api/v1/representations", "/api/v1/clients",
                 "/.well-known/openid-configuration", "/oauth2/token"):
        assert path in paths


def test_the_first_admin_and_the_cli_client_exist_from_the_start(start_service):
    from identity.service import IdentityService

    identity = start_service(IdentityService, extra={
        "WSPOLPRACA_ADMIN_EMAIL": "Admin@Miasto.example", "WSPOLPRACA_ADMIN_PASSWORD": PASSWORD})
    admin = identity.db["accounts"].find_one({"email": "admin@miasto.example"})
    assert admin["roles"] == ["admin"] and admin["status"] == "active"
    assert PASSWORD not in str(admin)
    cli = identity.db["clients"].find_one({"_id": "wspolpraca-cli"})
    assert cli["token_endpoint_auth_method"] == "none" and cli["loopback_any_port"]


def test_errors_are_json_and_unknown_fields_refused(identity):
    answer = identity.post("/api/v1/accounts", json={"email": "nie-email", "name": "",
                                                     "password": PASSWORD, "role": "admin"})
    assert answer.status_code == 422
    assert set(answer.json()["error"]["fields"]) == {"email", "name", "role"}
    assert identity.post("/api/v1/representations",
                         json={"organization_id": "0" * 24}).status_code == 401


def test_the_rotation_command(identity):
    server = urlsplit(identity.settings.mongo_uri).netloc
    env = {"MONGO_URI_IDENTITY": f"mongodb://{server}/{identity.settings.mongo_database}"
                                 "?directConnection=true", "PATH": "/usr/bin:/bin"}
    before = identity.get("/oauth2/jwks").json()["keys"]
    done = subprocess.run([sys.executable, "-m", "identity.keys", "rotate"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    after = identity.get("/oauth2/jwks").json()["keys"]
    assert len(after) == 2 and after[1]["kid"] == before[0]["kid"]
