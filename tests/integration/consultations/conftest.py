import pytest

from wspolpraca.testing.fixtures import events_fixture, service_fixture

service = service_fixture("service", "consultations.service:ConsultationsService")
events = events_fixture("consultations")


@pytest.fixture
def organizations(amqp_uri):
    """`organizations(service, count, status="verified", areas=("culture",))`: ids of
    organisations the registry announced and the service's projection holds."""
    from consultations_helpers import publish_organizations

    def make(service, count: int = 1, **kwargs):
        return publish_organizations(amqp_uri, service, count, **kwargs)

    return make
