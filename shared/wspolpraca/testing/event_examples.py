"""The checks every service's catalogued event examples go through.

A contract test module describes its events (an example of every type, other shapes the code
produces, values the catalogue must refuse) on a subclass of `CatalogueExamples`; the class's
tests check them against the catalogue. `tests/contract/conftest.py` parametrizes the tests
from the subclass's attributes (`parametrize`).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, ClassVar

from wspolpraca.envelope import CloudEvent
from wspolpraca.queues import events_exchange
from wspolpraca.testing.contract import Catalogue


def catalogue_event(event_type: str, data: dict[str, Any],
                    subject: str | None = None) -> dict[str, Any]:
    """The CloudEvent a service publishes for `event_type` (`<service>.<routing key>`)."""
    service, routing_key = event_type.split(".", 1)
    return CloudEvent(service=service, routing_key=routing_key, subject=subject,
                      data=copy.deepcopy(data)).to_dict()


def _id_subject(data: dict[str, Any]) -> str:
    return data.get("id", "x")


class CatalogueExamples:
    """Subclass as `Test<Service>Events` and set at least `examples`."""

    examples: ClassVar[dict[str, dict[str, Any]]] = {}
    variants: ClassVar[list[tuple[str, dict[str, Any]]]] = []
    wrong_values: ClassVar[list[tuple[str, str, Any]]] = []
    # a field no event of these types may carry (personal data, say)
    extra_field: ClassVar[tuple[str, Any]] = ("unexpected", "x")
    # data keys added later, additively: an event without them is still valid
    optional: ClassVar[frozenset[str]] = frozenset()
    # the examples are every catalogued type of their services (not only some of them)
    complete: ClassVar[bool] = True
    subject_of: ClassVar[Callable[[dict[str, Any]], str | None]] = staticmethod(_id_subject)

    @classmethod
    def event(cls, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        return catalogue_event(event_type, data, cls.subject_of(data))

    @classmethod
    def parametrize(cls, metafunc) -> None:
        if "event_type" in metafunc.fixturenames:
            metafunc.parametrize("event_type", sorted(cls.examples))
        if "variant" in metafunc.fixturenames:
            metafunc.parametrize("variant", cls.variants,
                                 ids=[f"{t}-{i}" for i, (t, _) in enumerate(cls.variants)])
        if "wrong" in metafunc.fixturenames:
            metafunc.parametrize("wrong", cls.wrong_values, ids=[
                f"{t}-{k}-{i}" for i, (t, k, _) in enumerate(cls.wrong_values)])

    def test_the_examples_are_catalogued_on_their_services_exchanges(
            self, catalogue: Catalogue) -> None:
        for event_type in self.examples:
            service, routing_key = event_type.split(".", 1)
            assert catalogue.route_of(event_type) == (events_exchange(service), routing_key)
        if self.complete:
            services = {t.split(".", 1)[0] for t in self.examples}
            catalogued = {t for t in catalogue.event_types() if t.split(".", 1)[0] in services}
            assert catalogued == set(self.examples)

    def test_the_example_validates(self, catalogue: Catalogue, event_type: str) -> None:
        assert catalogue.validate(self.event(event_type, self.examples[event_type])) == []

    def test_other_shapes_the_code_produces_validate(self, catalogue: Catalogue,
                                                     variant) -> None:
        event_type, data = variant
        assert catalogue.validate(self.event(event_type, data)) == []

    def test_an_event_missing_a_data_key_does_not_validate(self, catalogue: Catalogue,
                                                           event_type: str) -> None:
        example = self.examples[event_type]
        for key in set(example) - self.optional:
            data = {k: v for k, v in example.items() if k != key}
            errors = catalogue.validate(self.event(event_type, data))
            assert any(f"'{key}' is a required property" in error for error in errors), key

    def test_an_extra_field_in_data_does_not_validate(self, catalogue: Catalogue,
                                                      event_type: str) -> None:
        name, value = self.extra_field
        errors = catalogue.validate(self.event(event_type,
                                               {**self.examples[event_type], name: value}))
        assert errors and all(error.startswith("data") for error in errors), errors
        assert any(f"'{name}' was unexpected" in error for error in errors), errors

    def test_a_wrong_value_does_not_validate(self, catalogue: Catalogue, wrong) -> None:
        event_type, key, value = wrong
        errors = catalogue.validate(self.event(event_type, {**self.examples[event_type],
                                                            key: value}))
        assert errors and all(error.startswith((f"data.{key}", "data:"))
                              for error in errors), errors
