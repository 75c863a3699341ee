"""Command handlers of the registry: plain functions `handler(command, uow)`, one module per
area. Each loads records through the unit's repositories, applies the rules (`domain.py`,
`cooperation_domain.py`), saves and emits; the entry points in `service.py` and the mixins
only parse, check the role and call one of them in one transaction (`Unit.run`).
"""

from __future__ import annotations

from functools import cached_property

from registry.cooperation_repository import (
    Bookings,
    Partnerships,
    Patronages,
    Registrations,
    Resources,
    Trainings,
    VolunteeringNeeds,
)
from registry.repository import Departments, Inquiries, Organizations
from wspolpraca.service_layer import UnitOfWork


class Unit(UnitOfWork):
    """The registry's unit of work: its repositories in one transaction."""

    @cached_property
    def organizations(self) -> Organizations:
        return Organizations(self.tx)

    @cached_property
    def departments(self) -> Departments:
        return Departments(self.tx)

    @cached_property
    def inquiries(self) -> Inquiries:
        return Inquiries(self.tx)

    @cached_property
    def resources(self) -> Resources:
        return Resources(self.tx)

    @cached_property
    def bookings(self) -> Bookings:
        return Bookings(self.tx)

    @cached_property
    def patronages(self) -> Patronages:
        return Patronages(self.tx)

    @cached_property
    def trainings(self) -> Trainings:
        return Trainings(self.tx)

    @cached_property
    def registrations(self) -> Registrations:
        return Registrations(self.tx)

    @cached_property
    def partnerships(self) -> Partnerships:
        return Partnerships(self.tx)

    @cached_property
    def volunteering(self) -> VolunteeringNeeds:
        return VolunteeringNeeds(self.tx)
