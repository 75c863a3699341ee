"""Every part of the signed-in portal mixed into PortalService subclasses `SignedIn` and does
not declare again what `SignedIn` declares once (issue #20: one way for every new screen)."""

from __future__ import annotations

from portal.service import PortalService
from portal.signed_in import SignedIn
from portal.workspaces import WorkspacesMixin


def _mixins() -> list[type]:
    return [cls for cls in PortalService.__mro__
            if cls.__module__.startswith("portal.") and cls.__name__.endswith("Mixin")
            and cls is not WorkspacesMixin]


def test_every_workspace_mixin_subclasses_signed_in() -> None:
    assert len(_mixins()) > 15
    assert [cls.__name__ for cls in _mixins() if not issubclass(cls, SignedIn)] == []


def test_no_mixin_declares_again_what_signed_in_declares() -> None:
    shared = set(SignedIn.__annotations__)
    again = {cls.__name__: sorted(shared & set(vars(cls).get("__annotations__", {})))
             for cls in _mixins()}
    assert {name: names for name, names in again.items() if names} == {}
