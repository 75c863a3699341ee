import pytest

from consultations.service import ConsultationsService


@pytest.fixture
def service(start_service):
    return start_service(ConsultationsService)


@pytest.fixture
def events(listen):
    """The events the consultations service publishes, collected from before the test acts."""
    return listen("consultations")


@pytest.fixture
def organizations(amqp_uri):
    """`organizations(service, count, status="verified", areas=("culture",))`: ids of
    organisations the registry announced and the service's projection holds."""
    from consultations_helpers import publish_organizations

    def make(service, count: int = 1, **kwargs):
        return publish_organizations(amqp_uri, service, count, **kwargs)

    return make
