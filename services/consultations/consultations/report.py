"""The consultation report as HTML (a Jinja2 template, in Polish) and as PDF (WeasyPrint)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from werkzeug.wrappers import Response

from wspolpraca.documents import off_the_hub

_ENV = Environment(loader=PackageLoader("consultations", "templates"),
                   autoescape=select_autoescape(["html"]), trim_blocks=True,
                   lstrip_blocks=True)


def _polish_time(value: str | None) -> str:
    if not value:
        return "—"
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment.strftime("%d.%m.%Y %H:%M UTC")


_ENV.filters["czas"] = _polish_time


def render_html(report: dict[str, Any]) -> str:
    return _ENV.get_template("report.html").render(report=report)


def render_pdf(report: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # imported on demand: it loads pango

    return HTML(string=render_html(report)).write_pdf()


def render_pdf_off_the_hub(report: dict[str, Any]) -> bytes:
    """`render_pdf` in a native thread, so a long report does not stop the service's
    other requests (eventlet runs them all in one OS thread)."""
    return off_the_hub(render_pdf, report)


def in_format(report: dict[str, Any], fmt: str, consultation_id: str) -> Any:
    """The report as asked: JSON (the dict itself), an HTML page or a PDF document."""
    if fmt == "html":
        return Response(render_html(report), mimetype="text/html")
    if fmt == "pdf":
        return Response(render_pdf_off_the_hub(report), mimetype="application/pdf", headers={
            "Content-Disposition": f'inline; filename="sprawozdanie-{consultation_id}.pdf"'})
    return report
