"""Run axe-core on an HTML file in Debian's Chromium and print the violations as JSON.

A separate process (`python axe_check.py FILE`): Playwright must not run in a process that
eventlet has monkey-patched (the test session's).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright


def main(path: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"))
        try:
            page = browser.new_page()
            page.goto(Path(path).resolve().as_uri())
            results = Axe().run(page)
        finally:
            browser.close()
    violations = [{"id": v["id"], "impact": v.get("impact"), "help": v.get("help"),
                   "nodes": [n.get("target") for n in v.get("nodes", [])][:5]}
                  for v in results.response.get("violations", [])]
    print(json.dumps(violations, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
