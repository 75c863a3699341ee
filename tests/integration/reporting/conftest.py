import sys
from pathlib import Path

import pytest

from registry.service import RegistryService
from reporting.service import ReportingService

# the CloudEvent factory is shared with the unit tests of the projections
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "reporting"))
# the registry's helpers for rooms, bookings and city time (the cooperation flows)
sys.path.append(str(Path(__file__).resolve().parents[1] / "registry"))


@pytest.fixture
def registry(start_service):
    return start_service(RegistryService)


@pytest.fixture
def reporting(start_service):
    return start_service(ReportingService)


@pytest.fixture
def officer(token):
    return token("officer")
