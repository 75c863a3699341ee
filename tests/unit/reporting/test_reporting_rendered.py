"""The cache of rendered annual reports: per year and format, until the figures change."""

from __future__ import annotations

from reporting.rendered import RenderedReports, fingerprint


def report(year: int = 2026, awarded: str = "100.00", at: str = "2026-12-07T10:00:00.000Z"):
    return {"year": year, "generated_at": at, "summary": {"money": {"awarded": awarded}}}


def test_the_fingerprint_ignores_when_the_report_was_generated_not_its_figures():
    assert fingerprint(report(), "pdf") == fingerprint(report(at="2027-01-01T00:00:00Z"), "pdf")
    assert fingerprint(report(), "pdf") != fingerprint(report(awarded="100.01"), "pdf")
    assert fingerprint(report(), "pdf") != fingerprint(report(), "xlsx")


def test_a_document_is_rendered_once_until_its_figures_change_and_the_oldest_leave_first():
    calls: list[tuple[int, str]] = []

    def render(built, fmt):
        calls.append((built["year"], fmt))
        return f"{built['year']}-{fmt}-{built['summary']['money']['awarded']}".encode()

    cache = RenderedReports(render, size=2)
    tag, first = cache.get(report(), "pdf")
    assert cache.get(report(at="later"), "pdf") == (tag, first) and len(calls) == 1
    assert cache.get(report(awarded="5.00"), "pdf")[1] == b"2026-pdf-5.00"
    cache.get(report(2025), "pdf")
    cache.get(report(2024), "pdf")  # the 2026 PDF leaves (size 2)
    cache.get(report(awarded="5.00"), "pdf")
    assert calls == [(2026, "pdf"), (2026, "pdf"), (2025, "pdf"), (2024, "pdf"), (2026, "pdf")]


def test_looping_over_every_year_and_format_renders_each_once():
    """Issue 15, item 9: with room for 32 a client asking for 2000..2100 in turn evicted
    every document before it was asked again, so each request was a new rendering."""
    from reporting import service
    from reporting.schemas import YEARS

    calls: list[tuple[int, str]] = []
    cache = RenderedReports(lambda built, fmt: calls.append((built["year"], fmt)) or b"x",
                            size=service.DOCUMENTS.size)
    asked = [(year, fmt) for year in range(YEARS.min, YEARS.max + 1)
             for fmt in ("csv", "xlsx", "html", "pdf")]
    for _ in range(2):
        for year, fmt in asked:
            cache.get(report(year), fmt)
    assert len(calls) == len(asked)
