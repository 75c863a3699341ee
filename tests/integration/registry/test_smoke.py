def test_register_verify_and_events(registry, listen, token, officer):
    events = listen("registry")
    response = registry.post("/api/v1/organizations", token("ngo"), json={
        "name": "Stowarzyszenie Przyjaciół Łąk", "legal_form": "association",
        "nip": "526-025-02-74", "areas": ["ecology"], "email": "biuro@laki.example.pl"})
    assert response.status_code == 201, response.text
    org = response.json()
    assert org["status"] == "pending" and org["nip"] == "5260250274"
    verified = registry.post(f"/api/v1/organizations/{org['id']}/verify", officer)
    assert verified.status_code == 200, verified.text
    registered = events.wait_for("registry.organization.registered")
    assert registered[0]["subject"] == org["id"]
    events.wait_for("registry.organization.verified")
