"""The few HTML pages notifications answers itself (Polish): the unsubscribe confirmation,
shown to a GET of the link (mail scanners follow links: a GET never unsubscribes), and the
page after the POST that does."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

_pages = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates" / "pages"),
                     autoescape=select_autoescape(["html"]))

# The token is in the address: no cache keeps the page, no Referer carries it on.
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
           "X-Robots-Tag": "noindex, nofollow"}


def page(name: str, status: int = 200, **context) -> Response:
    return Response(_pages.get_template(name).render(**context), status=status,
                    mimetype="text/html", headers=HEADERS)


def unsubscribe_confirmation(token: str, payload: dict) -> Response:
    what = ("Ten link wypisuje z jednej subskrypcji powiadomień." if "s" in payload
            else "Ten link wypisuje ten adres e-mail z powiadomień tego rodzaju.")
    return page("unsubscribe.html", token=token, what=what)


def unsubscribed() -> Response:
    return page("unsubscribed.html")
