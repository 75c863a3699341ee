"""Every workspace page usable by keyboard alone (issue #18; WCAG 2.1.1, 2.1.2, 2.4.1, 2.4.3,
2.4.7), end to end on the real services in Chromium.

For each role (the NGO's representative at /moja-organizacja, the liaison officer at /urzad,
a department at /wydzial, a committee member at /komisja) the pages are DISCOVERED from the
role's navigation: the links of the workspace's home page (its menu and cards) that stay in the
role's workspace, and one level deeper the pages those link to (a record's page from its list,
a form to add one), one page per kind of address (ids stand for one another; at most three of
a list whose addresses are codes), so screens added later are covered without touching this
file. On each page, from the top, by Tab alone:

- every link, button and form field is reached (a radio group once, as the browser does), in
  the order of the document (the focus only moves forward), and the focus comes back to the top
  (no trap: a page whose focus sticks never returns);
- every element, once focused, looks different: its computed outline or box-shadow differs
  from how it looks unfocused and draws something (an outline of at least 2 px, or a shadow),
  on a box bigger than a pixel (not a visually hidden control);
- nothing is made for a mouse only: no widget role (button, link, checkbox, tab, ...), click
  handler or htmx request fired by a click on an element Tab skips;
- the skip link is the first stop, is on screen when focused, and Enter on it moves the focus
  to the main content, the next Tab to the first control inside it.

One form per role is filled in and sent by keyboard alone (Tab, typing, Space on a checkbox, the
arrow keys and Space in a radio group, Enter on the button) and its confirmation read: the NGO
saves a partnership, the officer announces a training, the department answers an inquiry, the
committee member declares no conflict of interest. A screenshot of a focused state of each page
is saved under build/screenshots/ (klawiatura-*). The last test checks the walk itself on
deliberately broken pages (a missing indicator, a trap, a wrong order, a mouse-only control, a
control skipped)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from urllib.parse import urlsplit

import pytest
import requests
from journeys import (
    DEMO_PASSWORD,
    arrive,
    checked,
    department_account,
    officer_account,
    officer_headers,
    sign_in_at_identity,
    sign_in_officer,
    tab_to,
)

from conftest import DESKTOP, screenshot
from portal.formatting import WARSAW

MAX_TABS = 400
COMMITTEE_EMAIL = "komisja1@example.org"   # scripts/demo.py: a sheet waits for it at /komisja
REPRESENTATIVE = "ngo1@example.org"        # scripts/demo.py: represents its first organisation
DEPARTMENT = "social_policy"               # scripts/demo.py's first department (seniors, ...)

# Marks every element the keyboard should reach, in the document's order (querySelectorAll
# gives that order), with how it looks unfocused; then records each focus as it comes:
# the element's mark, whether it follows the previous one in the document, and whether its
# outline or box-shadow changed into something that draws.
INSTRUMENT = r"""() => {
  const selector = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, '
    + 'summary, iframe, [tabindex], [contenteditable=""], [contenteditable="true"]';
  const look = e => {
    const s = getComputedStyle(e);
    return {outline: [s.outlineStyle, s.outlineWidth, s.outlineColor].join(' '),
            outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
            shadow: s.boxShadow};
  };
  const describe = e => (e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.getAttribute('href') ? '[href=' + e.getAttribute('href') + ']' : '')
    + ' "' + (e.innerText || e.value || e.name || '').trim().slice(0, 50) + '"');
  const targets = [...document.querySelectorAll(selector)].filter(e =>
    !e.disabled && e.tabIndex >= 0 && !e.closest('[inert]')
    && e.checkVisibility({visibilityProperty: true, opacityProperty: false})
    && !(e.tagName === 'SUMMARY' && e.parentElement.tagName !== 'DETAILS'));
  window.__kbdBefore = {};
  const expected = [];
  const groups = new Set();
  targets.forEach((e, i) => {
    e.dataset.kbd = String(i);
    window.__kbdBefore[i] = look(e);
    const group = e.type === 'radio' && e.name
      ? 'radio:' + (e.form ? e.form.action : '') + ':' + e.name : null;
    if (group) {
      e.dataset.kbdGroup = group;
      if (!groups.has(group)) { groups.add(group); expected.push(group); }
    } else expected.push(String(i));
  });
  window.__kbdLog = [];
  window.__kbdPrev = null;
  document.addEventListener('focusin', event => {
    const e = event.target;
    const prev = window.__kbdPrev;
    const forward = prev === null || prev === e
      || !!(prev.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING);
    window.__kbdPrev = e;
    const id = e.dataset ? e.dataset.kbd : undefined;
    const now = look(e);
    const before = id !== undefined ? window.__kbdBefore[id] : {outline: '', shadow: 'none'};
    const changed = now.outline !== before.outline || now.shadow !== before.shadow;
    const draws = (now.outlineStyle !== 'none' && now.outlineWidth >= 2) || now.shadow !== 'none';
    const box = e.getBoundingClientRect();   // not a visually hidden control
    const sized = box.width > 1 && box.height > 1;
    window.__kbdLog.push({id: id === undefined ? null : id,
      group: e.dataset ? e.dataset.kbdGroup || null : null,
      what: describe(e), forward, repeat: prev === e, visible: changed && draws && sized,
      skip: e.classList.contains('skip-link'), main: e.tagName === 'MAIN',
      parts: e.tagName === 'INPUT'
        && ['date', 'datetime-local', 'time', 'month', 'week'].includes(e.type)});
  });
  // what only a mouse could use: a widget's role or a click handler on what Tab skips
  const widget = '[role=button], [role=link], [role=checkbox], [role=radio], [role=switch], '
    + '[role=tab], [role=menuitem], [role=option], [role=slider], [onclick], '
    + '[hx-get], [hx-post], [hx-put], [hx-patch], [hx-delete]';
  const native = ['A', 'BUTTON', 'INPUT', 'SELECT', 'TEXTAREA', 'FORM', 'SUMMARY'];
  const mouseOnly = [...document.querySelectorAll(widget)].filter(e =>
    !native.includes(e.tagName) && e.tabIndex < 0
    && e.checkVisibility({visibilityProperty: true})
    && !(e.matches('[hx-get], [hx-post], [hx-put], [hx-patch], [hx-delete]')
         && !e.matches('[role], [onclick]')
         && /\b(input|change|submit|load|revealed|every)\b/.test(e.getAttribute('hx-trigger') || '')
         && !/\bclick\b/.test(e.getAttribute('hx-trigger') || '')))
    .map(describe);
  const described = Object.fromEntries(targets.map((e, i) => [String(i), describe(e)]));
  return {expected, mouseOnly, described,
          firstInMain: (targets.find(e => e.closest('main')) || {dataset: {}}).dataset.kbd || null};
}"""

IDS = re.compile(r"/(?:[0-9a-f]{24}|[0-9a-f-]{36})(?=/|$)")


def pattern_of(path: str) -> str:
    """An address with its ids replaced: pages of one kind are visited once."""
    return IDS.sub("/{id}", path)


FILES = ("/pdf", ".pdf", ".csv", ".ics", ".json", ".odt", ".xlsx")
SIBLINGS = 3   # beyond the navigation, pages of one list whose addresses are not ids (codes,
# names): at most so many


def workspace_links(page, prefixes: tuple[str, ...]) -> list[str]:
    """The links of the page's main part that stay in the role's workspace (no query, no
    fragment, no file to download), one per kind of address, in the page's order."""
    hrefs = page.locator("main a[href]:not([download])").evaluate_all(
        "links => links.map(a => a.href)")
    found: dict[str, str] = {}
    for href in hrefs:
        parts = urlsplit(href)
        if parts.query or parts.fragment or parts.path.endswith(FILES):
            continue
        if any(parts.path == p or parts.path.startswith(p + "/") for p in prefixes):
            found.setdefault(pattern_of(parts.path), parts.path)
    return list(found.values())


def pages_of(page, home: str, prefixes: tuple[str, ...], depth: int = 2) -> list[str]:
    """`home`, the pages its navigation lists and (`depth` 2) the pages those link to in the
    workspace (a record's page from its list), each kind of address once."""
    seen = {pattern_of(home): home}
    siblings: dict[str, int] = {}
    level = [home]
    for level_number in range(depth):
        following = []
        for path in level:
            page.goto(path)
            for found in workspace_links(page, prefixes):
                parent = pattern_of(found).rsplit("/", 1)[0]
                if pattern_of(found) in seen or (level_number > 0
                                                 and siblings.get(parent, 0) >= SIBLINGS):
                    continue
                siblings[parent] = siblings.get(parent, 0) + 1
                seen[pattern_of(found)] = found
                following.append(found)
        level = following
    return list(seen.values())


def walked_by_keyboard(page, path: str, shot: str) -> int:
    """Opens `path` and checks it by Tab alone (see the module's doc); the number of stops."""
    response = page.goto(path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    if "text/html" not in (response.headers.get("content-type") or ""):
        return 0
    return keyboard_walk(page, path, shot)


def keyboard_walk(page, path: str, shot: str | None) -> int:
    """The page as loaded, by Tab alone from the top; `path` names it in what fails."""
    marks = page.evaluate(INSTRUMENT)
    assert not marks["mouseOnly"], f"{path}: controls only a mouse can use: {marks['mouseOnly']}"
    expected: list[str] = marks["expected"]
    limit = min(MAX_TABS, 3 * len(expected) + 20)
    log: list[dict] = []
    presses = 0
    # the walk: Tab until the focus comes back to the top (the skip link, a second time)
    while presses < limit:
        batch = max(1, min(len(expected) + 2 - presses, limit - presses))
        for _ in range(batch):
            page.keyboard.press("Tab")
        presses += batch
        log = page.evaluate("() => window.__kbdLog")
        if sum(1 for entry in log if entry["skip"]) >= 2:
            break
    tops = [n for n, entry in enumerate(log) if entry["skip"]]
    assert tops and tops[0] == 0, f"{path}: the first Tab does not reach the skip link: " \
        f"{[e['what'] for e in log[:3]]}"
    assert len(tops) >= 2, (
        f"{path}: the focus never came back to the top after {presses} Tabs (a trap?); "
        f"the last stops: {[e['what'] for e in log[-5:]]}")
    walk = log[:tops[1]]
    problems = []
    problems += [f"the focus did not move from {e['what']}" for e in walk
                 if e["repeat"] and not e["parts"]]
    backwards = [e["what"] for e in walk if not e["forward"]]
    if backwards:
        problems.append(f"the focus went back in the document's order at {backwards}")
    reached = {e["group"] or e["id"] for e in walk}
    missed = [marks["described"].get(x, x) for x in expected if x not in reached]
    if missed:
        problems.append(f"never reached by Tab: {missed}")
    hidden = sorted({e["what"] for e in walk if not e["visible"]})
    if hidden:
        problems.append(f"no visible focus indicator: {hidden}")
    assert not problems, f"{path}:\n" + "\n".join(problems)
    # back at the top (the batch of Tabs may have gone past it): the skip link, on screen
    # when focused, takes the focus to the main content
    for _ in range(len(expected) + 5):
        if page.evaluate("document.activeElement.classList.contains('skip-link')"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"{path}: the focus did not come back to the skip link")
    box = page.locator("a.skip-link").bounding_box()
    assert box is not None and box["y"] >= 0, f"{path}: the focused skip link is off screen"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "tresc", path
    page.keyboard.press("Tab")
    if marks["firstInMain"] is not None:
        assert page.evaluate("document.activeElement.dataset.kbd") == marks["firstInMain"], \
            f"{path}: Tab after the skip link is not at the first control of the main content"
        if shot is not None:
            screenshot(page, f"klawiatura-{shot}", full_page=False)
    return len(walk)


def walk_workspace(page, role: str, home: str, prefixes: tuple[str, ...],
                   depth: int = 2) -> dict[str, int]:
    """Every page of the role's navigation walked by keyboard: the stops of each."""
    paths = pages_of(page, home, prefixes, depth)
    stops = {}
    for path in paths:
        name = pattern_of(path).strip("/").replace("/{id}", "-id").replace("/", "-")
        shot = name if name.startswith(role) else f"{role}-{name}"
        stops[path] = walked_by_keyboard(page, path, shot)
    assert len(stops) > 1, f"{role}: no pages found in the navigation of {home}"
    print(f"{role}: {len(stops)} pages, {sum(stops.values())} Tab stops:",
          ", ".join(f"{p} {n}" for p, n in stops.items()))
    return stops


# --- by keyboard alone: reaching a control, typing, sending ----------------------------------



def type_into(page, target, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def space_on(page, target) -> None:
    tab_to(page, target)
    page.keyboard.press("Space")
    assert target.is_checked(), target


def choose_radio(page, target) -> None:
    """Tab into the radio group (the browser stops at one radio of it), arrow keys to the
    option `target`, Space on it."""
    name = target.get_attribute("name")
    for _ in range(MAX_TABS):
        if page.evaluate("n => document.activeElement.type === 'radio' "
                         "&& document.activeElement.name === n", name):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError(f"the radio group {name} never reached by Tab")
    handle = target.element_handle()
    for _ in range(20):
        if page.evaluate("e => e === document.activeElement", handle):
            break
        page.keyboard.press("ArrowDown")
    else:
        raise AssertionError(f"{target} never reached by the arrow keys")
    page.keyboard.press("Space")
    assert target.is_checked(), target


def type_date(page, target, day: datetime, time_too: bool = False) -> None:
    """A date (or datetime-local) field typed part by part. Chromium orders the parts by its
    own language (day or month first): the days typed have day == month, and the hours are
    from 13 to 19 (a 12-hour field reads 17 as 5 PM), so the same keys fit either order."""
    assert day.day == day.month and (not time_too or 12 < day.hour < 20), day
    tab_to(page, target)
    page.keyboard.type(f"{day:%d%m%Y}")
    if time_too:
        page.keyboard.press("Tab")
        page.keyboard.type(f"{day:%H%M}")
    wanted = f"{day:%Y-%m-%dT%H:%M}" if time_too else f"{day:%Y-%m-%d}"
    assert target.input_value() == wanted, target.input_value()


def send_with_enter(page, city, button, pattern: str) -> None:
    tab_to(page, button)
    page.keyboard.press("Enter")
    arrive(page, city, pattern)


def next_year_day(month: int, hour: int = 0) -> datetime:
    return datetime(datetime.now(WARSAW).year + 1, month, month, hour, 0)


# --- the roles ---------------------------------------------------------------------------------

def test_the_representatives_workspace_by_keyboard(city, context_factory) -> None:
    ngo = context_factory(viewport=DESKTOP).new_page()
    ngo.goto("/moja-organizacja")
    sign_in_at_identity(ngo, REPRESENTATIVE, DEMO_PASSWORD)
    arrive(ngo, city, re.escape(city.portal) + r"/moja-organizacja$")
    stops = walk_workspace(ngo, "moja-organizacja", "/moja-organizacja", ("/moja-organizacja",))
    assert "/moja-organizacja/partnerstwa" in stops, stops

    # a partnership saved by keyboard alone: a radio (arrow keys, Space), a checkbox (Space),
    # text typed, dates typed part by part, Enter on the button
    stamp = uuid.uuid4().hex[:8]
    ngo.goto("/moja-organizacja/partnerstwa")
    form = ngo.locator("form[action='/moja-organizacja/partnerstwa']")
    choose_radio(ngo, form.get_by_label("Wspólny projekt"))
    type_into(ngo, form.get_by_label("Nazwa"), f"Sąsiedzkie podwórka {stamp}")
    type_into(ngo, form.get_by_label("Cel"), "Sprzątanie podwórek i festyn dla mieszkańców.")
    assert form.get_by_label("Miasto jest stroną").is_checked()
    space_on(ngo, form.locator("#pole-areas input[type=checkbox]").first)
    type_date(ngo, form.get_by_label("Od dnia"), next_year_day(5))
    type_date(ngo, form.get_by_label("Do dnia"), next_year_day(6))
    send_with_enter(ngo, city, form.get_by_role("button", name="Zapisz partnerstwo"),
                    r"/moja-organizacja/partnerstwa\?wyslano=1")
    assert "Partnerstwo zapisane" in ngo.locator("main [role=status]").inner_text()
    assert f"Sąsiedzkie podwórka {stamp}" in ngo.locator("#partnerstwa + ul").inner_text()
    checked(ngo, "klawiatura-organizacja-partnerstwo-zapisane")


def test_the_officers_workspace_by_keyboard(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    officer = context_factory(viewport=DESKTOP).new_page()
    sign_in_officer(officer, city, officer_account(city, stamp))
    stops = walk_workspace(officer, "urzad", "/urzad", ("/urzad",))
    assert "/urzad/szkolenia" in stops, stops

    # a training announced by keyboard alone: a radio (arrow keys, Space), moments typed part
    # by part
    officer.goto("/urzad/szkolenia")
    form = officer.locator("form[action='/urzad/szkolenia']")
    title = f"Dostępność wydarzeń {stamp}"
    type_into(officer, form.get_by_label("Tytuł"), title)
    choose_radio(officer, form.get_by_label("Szkolenie", exact=True))
    type_into(officer, form.get_by_label("Temat"), "dostępność")
    type_into(officer, form.get_by_label("Opis"), "Jak przygotować wydarzenie dla każdego.")
    type_into(officer, form.get_by_label("Miejsce"), "Centrum Organizacji Pozarządowych")
    starts = next_year_day(4, hour=14)
    type_date(officer, form.get_by_label("Początek"), starts, time_too=True)
    type_date(officer, form.get_by_label("Koniec"), starts.replace(hour=16), time_too=True)
    type_into(officer, form.get_by_label("Liczba miejsc"), "20")
    send_with_enter(officer, city, form.get_by_role("button", name="Ogłoś"),
                    r"/urzad/szkolenia/[0-9a-f]{24}\?zapisano=1")
    assert title in officer.locator("h1").inner_text()
    checked(officer, "klawiatura-urzad-szkolenie-ogloszone")




def inquiry_for_the_department(city, subject: str) -> dict:
    """An inquiry (seniors: the demo's social_policy department) routed to the department."""
    filed = requests.post(city.url("registry") + "/api/v1/inquiries", json={
        "subject": subject, "text": "Czy sala ma pętlę indukcyjną?", "area": "seniors",
        "name": "Jan Pytający", "email": f"pytajacy-{uuid.uuid4().hex[:6]}@example.org"},
        timeout=10)
    assert filed.status_code == 201, filed.text
    inquiry = filed.json()
    if inquiry.get("department") != DEPARTMENT:
        routed = requests.post(city.url("registry") + f"/api/v1/inquiries/{inquiry['id']}/route",
                               json={"department": DEPARTMENT}, headers=officer_headers(),
                               timeout=10)
        assert routed.status_code == 200, routed.text
        inquiry = routed.json()
    return inquiry


def test_the_departments_workspace_by_keyboard(city, context_factory) -> None:
    stamp = uuid.uuid4().hex[:8]
    department = context_factory(viewport=DESKTOP).new_page()
    sign_in_officer(department, city, department_account(city, stamp, DEPARTMENT),
                    landing="/wydzial")
    stops = walk_workspace(department, "wydzial", "/wydzial", ("/wydzial", "/urzad/konkursy"))
    assert "/wydzial/zapytania" in stops, stops

    # an inquiry answered by keyboard alone
    subject = f"Pętla indukcyjna w sali {stamp}"
    inquiry = inquiry_for_the_department(city, subject)
    department.goto("/wydzial/zapytania")
    answer = f"Tak, sala 2 ma pętlę indukcyjną ({stamp})."
    type_into(department, department.locator(f"#odpowiedz-{inquiry['id']}"), answer)
    send_with_enter(department, city, department.locator(
        f"form:has(#odpowiedz-{inquiry['id']})").get_by_role("button"), r"odpowiedziano=")
    assert "Odpowiedź wysłana" in department.locator("main [role=status]").inner_text()
    assert answer in department.locator("main").inner_text()
    checked(department, "klawiatura-wydzial-odpowiedz-wyslana")


def test_the_committees_workspace_by_keyboard(city, context_factory) -> None:
    member = context_factory(viewport=DESKTOP).new_page()
    member.goto("/komisja")
    sign_in_at_identity(member, COMMITTEE_EMAIL, DEMO_PASSWORD)
    arrive(member, city, re.escape(city.portal) + r"/komisja$")

    # the declaration of no conflict of interest by keyboard alone: Space, Enter
    tab_to(member, member.locator("main .cards a").first)
    member.keyboard.press("Enter")
    arrive(member, city, r"/komisja/konkursy/[0-9a-f]{24}$")
    declaration = member.locator("#pole-no_conflict_of_interest")
    if declaration.count():   # not declared yet in this city
        member.reload()
        space_on(member, declaration)
        send_with_enter(member, city, member.get_by_role("button", name="Złóż oświadczenie"),
                        r"/komisja/konkursy/[0-9a-f]{24}")
    assert member.locator("#oswiadczenie").inner_text().startswith("Złożono")
    checked(member, "klawiatura-komisja-oswiadczenie-zlozone")

    # the committee's pages, with the scoring sheets the declaration opened
    stops = walk_workspace(member, "komisja", "/komisja", ("/komisja",))
    assert any(pattern_of(p) == "/komisja/oferty/{id}" for p in stops), stops


# --- the walk itself: what it must find -------------------------------------------------------

PROBE = """<!DOCTYPE html><html lang="pl"><head><title>Próba</title><style>
.skip-link {{ position: absolute; top: -4rem; }} .skip-link:focus {{ top: 0; }}
:focus-visible {{ outline: 3px solid #1b1b1b; }} {style}
</style></head><body><a class="skip-link" href="#tresc">Przejdź do treści</a>
<main id="tresc" tabindex="-1"><h1>Próba</h1><button id="pierwszy">Zapisz</button>
<input id="pole" aria-label="Nazwa"> {extra}<a href="#koniec">Koniec</a></main></body></html>"""


def test_the_walk_finds_a_missing_indicator_a_trap_a_wrong_order_and_mouse_only_use(
        context_factory) -> None:
    page = context_factory(viewport=DESKTOP).new_page()

    def walk(style: str = "", extra: str = "", script: str | None = None) -> int:
        page.goto("about:blank")   # a new document: Tab starts from its top
        page.set_content(PROBE.format(style=style, extra=extra))
        if script:
            page.evaluate(script)
        return keyboard_walk(page, "próba", None)

    assert walk() == 4   # the skip link, the button, the field, the link
    with pytest.raises(AssertionError, match=r"no visible focus indicator: \['button#pierwszy"):
        walk(style="#pierwszy:focus-visible { outline: none; }")
    with pytest.raises(AssertionError, match="never came back to the top"):
        walk(script="() => document.querySelector('#pole').addEventListener('keydown', "
                    "e => { if (e.key === 'Tab') e.preventDefault(); })")
    with pytest.raises(AssertionError, match="first Tab does not reach the skip link|went back"):
        walk(extra='<button tabindex="1">Najpierw</button>')
    with pytest.raises(AssertionError, match="only a mouse can use"):
        walk(extra='<div role="button">Usuń</div>')
    with pytest.raises(AssertionError, match=r"never reached by Tab: \['input#pole"):
        walk(script="() => document.querySelector('#pierwszy').addEventListener('keydown', "
                    "e => { if (e.key === 'Tab') { e.preventDefault(); "
                    "document.querySelector('a[href=\"#koniec\"]').focus(); } })")
