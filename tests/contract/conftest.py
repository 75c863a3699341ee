from pathlib import Path

import pytest

from wspolpraca.testing.contract import Catalogue, load_catalogue
from wspolpraca.testing.event_examples import CatalogueExamples

CATALOGUE_PATH = Path(__file__).resolve().parents[2] / "infra" / "asyncapi" / "asyncapi.yaml"


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue(CATALOGUE_PATH)


def pytest_generate_tests(metafunc) -> None:
    if metafunc.cls is not None and issubclass(metafunc.cls, CatalogueExamples):
        metafunc.cls.parametrize(metafunc)
