"""`make catalogue`: asyncapi.yaml rendered to a browsable HTML page (infra/asyncapi/render.py)."""

from __future__ import annotations

import importlib.util
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
SPEC_FILE = ROOT / "infra" / "asyncapi" / "asyncapi.yaml"
SPEC = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
MESSAGES = SPEC["components"]["messages"]

_spec = importlib.util.spec_from_file_location("asyncapi_render",
                                               ROOT / "infra" / "asyncapi" / "render.py")
render = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(render)

VOID = {"meta", "input", "br", "hr", "img", "link"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.links: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.sections: dict[str, str] = {}
        self._section: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            if attrs["id"] in self.ids:
                self.errors.append(f"duplicate id {attrs['id']}")
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href", "").startswith("#"):
            self.links.append(attrs["href"][1:])
        if tag == "section":
            self._section, self._text = attrs.get("id"), []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if tag == "section" and self._section:
            self.sections[self._section] = "".join(self._text)
            self._section = None

    def handle_data(self, data):
        if self._section:
            self._text.append(data)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[str, Page]:
    out = tmp_path_factory.mktemp("catalogue") / "index.html"
    assert render.main(["--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    parsed = Page()
    parsed.feed(text)
    parsed.close()
    return text, parsed


def _event_types() -> set[str]:
    """Every CloudEvent `type` the catalogue's payloads pin down with `const`."""
    return set(re.findall(r"type:\n\s+const: ([a-z_]+\.[a-z_]+\.[a-z_]+)",
                          SPEC_FILE.read_text(encoding="utf-8")))


def test_the_page_is_well_formed_and_its_links_resolve(page) -> None:
    _, parsed = page
    assert parsed.errors == [] and parsed.stack == []
    assert set(parsed.links) <= parsed.ids


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_event_has_its_section_with_description_and_schema(page, name: str) -> None:
    _, parsed = page
    section = parsed.sections[render.anchor("event", name)]
    message = MESSAGES[name]
    assert name in section
    assert message.get("summary", "").split("`")[0].strip()[:40] in section
    assert "JSON Schema of the message" in section
    assert '"allOf"' in section or '"properties"' in section or '"$ref"' in section


def test_every_event_type_appears(page) -> None:
    text, _ = page
    types = _event_types()
    assert len(types) >= len(MESSAGES) * 0.9
    assert {event_type for event_type in types if event_type not in text} == set()


@pytest.mark.parametrize("channel", sorted(SPEC["channels"]))
def test_every_channel_shows_its_routing_key(page, channel: str) -> None:
    _, parsed = page
    address = SPEC["channels"][channel]["address"]
    sections = [text for key, text in parsed.sections.items() if key.startswith("event-")
                and f"routing key {address}" in " ".join(text.split())]
    assert sections, f"{channel}: routing key {address} not shown"


def test_every_shared_schema_is_listed(page) -> None:
    _, parsed = page
    for name in SPEC["components"]["schemas"]:
        assert render.anchor("schema", name) in parsed.ids


def test_department_queues_are_named_for_the_events_they_receive(page) -> None:
    _, parsed = page
    routed = parsed.sections[render.anchor("event", "registry.inquiry.routed")]
    assert "dept.culture.inquiries" in routed and "dept.social_policy.inquiries" in routed
    registered = parsed.sections[render.anchor("event", "registry.organization.registered")]
    assert "dept.social_policy.organizations" in registered
    assert "dept.culture.inquiries" not in registered


@pytest.mark.parametrize(("pattern", "key", "matches"), [
    ("inquiry.*", "inquiry.routed", True),
    ("inquiry.*", "inquiry.routed.again", False),
    ("#", "anything.at.all", True),
    ("competition.#", "competition", True),
    ("*.announced", "competition.announced", True),
    ("offer.*", "competition.announced", False),
])
def test_topic_matching(pattern: str, key: str, matches: bool) -> None:
    assert render.topic_matches(pattern, key) is matches


def test_make_catalogue_renders_into_build() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^catalogue:.*\n\t.*infra/asyncapi/render\.py", makefile, re.MULTILINE)
    assert render.OUT == ROOT / "build" / "catalogue" / "index.html"


def test_every_event_says_who_receives_it_and_what_is_personal(page) -> None:
    """Issue 23: the page states per type who receives it by subscription; issue 15: which
    of its fields are personal data, removed for anyone who is not staff."""
    _, parsed = page
    for name in MESSAGES:
        assert "By subscription (webhook, email, inbox), staff receive:" in parsed.sections[
            render.anchor("event", name)], name
    requested = parsed.sections[render.anchor("event", "registry.booking.requested")]
    assert "a department's own subscription only its department's" in requested
    appointed = parsed.sections[render.anchor("event", "consultations.council.member_appointed")]
    assert "removed for anyone who is not staff: member.email, member.name" in " ".join(
        appointed.split())
    failed = parsed.sections[render.anchor("event", "notifications.notification.failed")]
    assert "undeliverable_event_type" in failed
