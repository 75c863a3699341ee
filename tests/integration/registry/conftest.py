import pytest

from registry.service import RegistryService


@pytest.fixture
def registry(start_service):
    return start_service(RegistryService)


@pytest.fixture
def officer(token):
    return token("officer")


def organization_body(**overrides):
    body = {
        "name": "Stowarzyszenie Przyjaciół Łąk",
        "legal_form": "association",
        "nip": "526-025-02-74",
        "regon": "123456785",
        "krs": "12345",
        "areas": ["ecology"],
        "email": "biuro@laki.example.pl",
    }
    body.update(overrides)
    return body
