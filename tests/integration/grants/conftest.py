from wspolpraca.testing.fixtures import events_fixture, service_fixture

grants = service_fixture("grants", "grants.service:GrantsService")
events = events_fixture("grants")
