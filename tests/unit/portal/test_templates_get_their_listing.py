"""A workspace template that pages a list (`list_pager`, `list_filters`) must be rendered with
its `listing`: without it the page is a 500 for everyone (two pages were, after a merge)."""

from __future__ import annotations

import re
from pathlib import Path

PORTAL = Path(__file__).resolve().parents[3] / "services" / "portal" / "portal"
RENDER = re.compile(r'render\(\s*(?:request,\s*)?"(?P<template>workspace/[\w.]+)"'
                    r'(?P<arguments>(?:[^()]|\([^()]*(?:\([^()]*\)[^()]*)*\))*)\)')


def test_every_render_of_a_paging_template_passes_its_listing() -> None:
    paging = {f"workspace/{t.name}" for t in (PORTAL / "templates" / "workspace").glob("*.html")
              if re.search(r"\blist_(pager|filters|end)\(\s*listing\b", t.read_text("utf-8"))}
    assert paging, "no template pages a list: has the macro been renamed?"
    missing = []
    for module in PORTAL.glob("*.py"):
        source = module.read_text("utf-8")
        for call in RENDER.finditer(source):
            arguments = call["arguments"]
            if call["template"] in paging and "listing=" not in arguments and "**" not in arguments:
                missing.append(f"{module.name}:{source[:call.start()].count(chr(10)) + 1} "
                               f"{call['template']}")
    assert not missing, f"rendered without their listing: {missing}"
