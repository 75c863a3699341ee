"""The annual report's HTML has no axe-core violations in a real browser (a year with every
section filled, and the demo's programme year decided and undecided), and its PDF is tagged
(issue #21). The browser runs in a subprocess, away from eventlet. `make test` installs
Chromium first (`make chromium`); without it the browser test is skipped, and fails under CI."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest
from test_reporting_demo_year import YEAR, demo_year
from test_reporting_execution import built

from reporting import projections, report

HERE = Path(__file__).resolve().parent
BROWSER = shutil.which("chromium") and all(
    importlib.util.find_spec(name) for name in ("playwright", "axe_playwright_python"))


def demo_report(decided: bool) -> dict:
    store = projections.MemoryStore()
    for e in demo_year(decided):
        projections.apply(e, store)
    return report.build(store, YEAR)


REPORTS = {"every_section": built, "demo_decided": lambda: demo_report(True),
           "demo_undecided": lambda: demo_report(False)}


@pytest.mark.parametrize("name", list(REPORTS))
def test_the_html_report_has_no_axe_violations(tmp_path, name):
    if not BROWSER:
        if os.environ.get("CI"):
            pytest.fail("no chromium: `make chromium` (infra/scripts/ensure-chromium.sh)")
        pytest.skip("needs Chromium (`make chromium`), playwright and axe-playwright-python")
    page = tmp_path / "sprawozdanie.html"
    page.write_text(report.to_html(REPORTS[name]()), encoding="utf-8")
    done = subprocess.run([sys.executable, str(HERE / "axe_check.py"), str(page)],
                          capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []


def test_the_pdf_is_tagged_with_its_language_and_title():
    reader = pypdf.PdfReader(io.BytesIO(report.to_pdf(built())))
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog and catalog["/MarkInfo"]["/Marked"]
    assert str(catalog.get("/Lang", "")).startswith("pl")
    assert reader.metadata.title.startswith("Sprawozdanie z realizacji programu współpracy")
    # each of the three charts is a tagged figure with its alternative text
    alternatives = [str(node.get("/Alt") or "") for node in structure(catalog["/StructTreeRoot"])
                    if node.get("/S") == "/Figure"]
    assert len(alternatives) == 3 and all(a.startswith("Wykres słupkowy") for a in alternatives)


def structure(node) -> list:
    """Every element of a PDF's structure tree."""
    node = node.get_object()
    if isinstance(node, pypdf.generic.ArrayObject):
        return [found for child in node for found in structure(child)]
    if not isinstance(node, pypdf.generic.DictionaryObject):
        return []
    return [node, *(structure(node["/K"]) if "/K" in node else [])]


def test_the_html_carries_a_policy_that_lets_its_own_style_and_charts_in_and_nothing_else():
    html = report.to_html(built())
    [style] = re.findall(r"<style>(.*?)</style>", html, re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    policy = report.content_security_policy(html.encode())
    assert f"style-src 'sha256-{digest}';" in policy and "default-src 'none'" in policy
    assert "img-src data:" in policy and "unsafe" not in policy
    # a style attribute or a script would be refused under it
    assert ' style="' not in html and "<script" not in html and html.count("<img") == 3
