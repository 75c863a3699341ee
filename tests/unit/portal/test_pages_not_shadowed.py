"""Every page a workspace mixin declares is served: a method of the same name elsewhere in
PortalService's bases would hide it (its route then answers 405 or another page)."""

from __future__ import annotations

from portal.service import PortalService


def test_no_page_of_a_mixin_is_hidden_by_a_method_of_the_same_name() -> None:
    hidden = [f"{cls.__name__}.{name}" for cls in PortalService.__mro__
              for name, fn in vars(cls).items()
              if getattr(fn, "nameko_entrypoints", None) and getattr(PortalService, name) is not fn]
    assert hidden == []
