"""What the parts of the signed-in portal share, declared once: every `*Mixin` that is mixed
into PortalService beside WorkspacesMixin (portal/workspaces.py) subclasses `SignedIn` and
uses these without writing them again (type checkers see them; nothing is defined here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from portal.listing import Listing
from portal.sessions import Session
from portal.views import Parts
from portal.web import Site


class SignedIn:
    site: Site
    districts: tuple[str, ...]      # PortalService's: the city's districts
    # WorkspacesMixin's: the person with a fresh token, their role, calls with the token
    _me: Callable[[Request], Session]
    _role: Callable[..., Session]   # (request, role, *others): holding any of them
    _call: Callable[..., Any]
    _items: Callable[..., list[dict]]
    _list: Callable[..., Listing]
    _all: Callable[..., list[dict]]
    _kept_form: Callable[..., Any]
    _invite: Callable[..., str | None]   # an account invited, or its refusal at the form's field
    _area_names: Callable[[Parts], dict[str, str]]
    _own_areas: Callable[[Session, Parts], tuple[dict[str, str], list[tuple[str, str]]]]
    _registry_public: Callable[..., tuple[Parts, dict[str, str], dict[str, str], Any]]
    # a form passed to its API with the person's token, an action without fields
    _submit_as: Callable[..., Response]
    _act_as: Callable[..., Response]
    # an edit sent with If-Match (the version it was rendered from), its record with its version
    _save_edit: Callable[..., Response]
    _read_versioned: Callable[..., tuple[dict[str, Any], str | None]]
    _send_for_organisation: Callable[..., Response]
    # the areas' names by code (both names); PortalService's: the departments'
    _areas: Callable[[Parts], dict[str, str]]
    _department_names: Callable[[Parts], dict[str, str]]
