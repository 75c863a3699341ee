"""The dated limits and terms of the Act in force (`rules.toml`), loaded once for the
handlers and queries; the rules themselves take them as an argument (grants/domain.py)."""

from __future__ import annotations

from pathlib import Path

from wspolpraca.rules import DatedRules

RULES = DatedRules.load(Path(__file__).with_name("rules.toml"))
