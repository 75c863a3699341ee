"""`make demo`'s people in identity: created with DEMO_PASSWORD, the NGO representatives
representing their organisations, safe to run twice."""

from __future__ import annotations

import sys
from pathlib import Path

import jwt
from identity_helpers import sign_in, web_client

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import demo


def test_demo_accounts(identity, admin_token, monkeypatch):
    monkeypatch.setattr(demo, "IDENTITY", identity.base_url)
    orgs = []
    for i in range(3):
        org_id = f"{i:024x}"
        identity.db["organizations"].insert_one({"_id": org_id, "name": f"Org {i}",
                                                 "status": "verified"})
        orgs.append({"id": org_id, "name": f"Org {i}"})
    first = demo.accounts(orgs)
    assert [email for email, _ in first] == [
        "pelnomocnik@example.org", "wydzial@example.org", "ngo1@example.org",
        "ngo2@example.org", "ngo3@example.org", "komisja1@example.org", "komisja2@example.org"]
    assert demo.accounts(orgs) == first  # again: nothing new
    assert identity.db["representations"].count_documents({"status": "granted"}) == 3
    client = web_client(identity, admin_token)
    token = sign_in(identity, client, "ngo2@example.org", demo.DEMO_PASSWORD).token
    claims = jwt.decode(token["access_token"], options={"verify_signature": False})
    assert claims["org_id"] == orgs[1]["id"] and claims["roles"] == ["ngo"]
    officer = sign_in(identity, client, "pelnomocnik@example.org", demo.DEMO_PASSWORD).token
    assert jwt.decode(officer["access_token"],
                      options={"verify_signature": False})["roles"] == ["officer"]
