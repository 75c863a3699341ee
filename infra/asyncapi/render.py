"""Render the event catalogue (asyncapi.yaml) to one browsable HTML page.

    python infra/asyncapi/render.py [--spec infra/asyncapi/asyncapi.yaml]
                                    [--definitions infra/rabbitmq/definitions.json]
                                    [--out build/catalogue/index.html]

`make catalogue` runs it. The page lists every event by service: its exchange and routing key,
description, the department queues of definitions.json it is delivered to, and its JSON Schema,
whose `$ref`s link to the shared schemas listed at the end. Offline on purpose (the AsyncAPI
generator needs npm); only PyYAML and Jinja2 are used.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, select_autoescape
from markupsafe import Markup

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "infra" / "asyncapi" / "asyncapi.yaml"
DEFINITIONS = ROOT / "infra" / "rabbitmq" / "definitions.json"
OUT = ROOT / "build" / "catalogue" / "index.html"


def resolve(document: dict, node: Any) -> Any:
    """Follow a local `$ref` (`#/a/b`) until a node without one."""
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported: {ref}")
        node = document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def anchor(kind: str, name: str) -> str:
    return f"{kind}-" + re.sub(r"[^A-Za-z0-9_.-]", "-", name)


def topic_matches(pattern: str, key: str) -> bool:
    """AMQP topic matching: `*` is one word, `#` zero or more."""
    def match(p: list[str], k: list[str]) -> bool:
        if not p:
            return not k
        if p[0] == "#":
            return any(match(p[1:], k[i:]) for i in range(len(k) + 1))
        return bool(k) and (p[0] == "*" or p[0] == k[0]) and match(p[1:], k[1:])

    return match(pattern.split("."), key.split("."))


def department_queues(definitions: dict, exchange: str, routing_key: str) -> list[str]:
    return sorted({
        binding["destination"]
        for binding in definitions.get("bindings", [])
        if binding["source"] == exchange and binding["destination_type"] == "queue"
        and topic_matches(binding["routing_key"], routing_key)
    })


_REF = re.compile(r'(&quot;\$ref&quot;: &quot;)#/components/(schemas|messages)/([^&]+)(&quot;)')


def schema_html(schema: Any) -> Markup:
    """Pretty JSON with every local `$ref` turned into a link to its section of the page."""
    text = html.escape(json.dumps(schema, indent=2, ensure_ascii=False))

    def link(match: re.Match) -> str:
        kind = "schema" if match.group(2) == "schemas" else "event"
        target = html.unescape(match.group(3))
        return (f'{match.group(1)}<a href="#{anchor(kind, target)}">#/components/'
                f'{match.group(2)}/{match.group(3)}</a>{match.group(4)}')

    return Markup(_REF.sub(link, text))


def prose(text: str | None) -> Markup:
    """The little Markdown the catalogue uses: paragraphs, `*` lists, `## `, `code`, **bold**."""
    if not text:
        return Markup("")
    blocks = re.split(r"\n\s*\n", text.strip())
    out = []
    for block in blocks:
        lines = block.splitlines()
        if block.startswith("#"):
            out.append(f"<h4>{_inline(block.lstrip('#').strip())}</h4>")
        elif all(re.match(r"\s*[*-] |\s{2,}\S", line) for line in lines) and \
                re.match(r"\s*[*-] ", lines[0]):
            items, current = [], []
            for line in lines:
                if re.match(r"\s*[*-] ", line):
                    if current:
                        items.append(" ".join(current))
                    current = [re.sub(r"^\s*[*-] ", "", line)]
                else:
                    current.append(line.strip())
            items.append(" ".join(current))
            out.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
        else:
            out.append(f"<p>{_inline(' '.join(line.strip() for line in lines))}</p>")
    return Markup("\n".join(out))


def _inline(text: str) -> str:
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    return re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)


def receivers(name: str) -> dict[str, Any] | None:
    """Who receives an event type from the notifications service (webhook, email, inbox)
    and what is removed for those who are not staff: its rules, notifications.audience,
    when the service is installed (`make install`); None otherwise."""
    try:
        from notifications import audience
    except ImportError:  # pragma: no cover - rendering without the services installed
        return None
    if name not in audience.RULES:
        return None
    staff, others = audience.receivers(name)
    return {"staff": staff, "others": others, "told": audience.told_by_default(name)}


def personal_fields(spec: dict, message: dict) -> list[str]:
    """The paths of `data` the catalogue marks `x-personal-data` (see notifications'
    personal_data module, which reads the same marks)."""
    try:
        from notifications.personal_data import catalogue_personal_fields
    except ImportError:  # pragma: no cover
        return []
    name = message.get("name")
    return catalogue_personal_fields(
        {"components": {**spec.get("components", {}), "messages": {name: message}}}
    ).get(name, [])


def build_model(spec: dict, definitions: dict) -> dict[str, Any]:
    services: dict[str, list[dict]] = defaultdict(list)
    for channel_name, raw_channel in spec.get("channels", {}).items():
        channel = resolve(spec, raw_channel)
        bindings = resolve(spec, channel.get("bindings", {}))
        exchange = resolve(spec, bindings.get("amqp", {})).get("exchange", {}).get("name", "")
        for raw_message in channel.get("messages", {}).values():
            message = resolve(spec, raw_message)
            name = message.get("name") or channel_name
            service = exchange.removesuffix(".events") or name.split(".", 1)[0]
            queues = department_queues(definitions, exchange, channel.get("address", ""))
            services[service].append({
                "channel": channel_name,
                "name": name,
                "anchor": anchor("event", name),
                "title": message.get("title", ""),
                "summary": message.get("summary", ""),
                "description": prose(message.get("description")),
                "deprecated": bool(message.get("deprecated")),
                "exchange": exchange,
                "routing_key": channel.get("address", ""),
                "queues": queues,
                "queues_html": Markup(", ").join(
                    Markup("<code>{}</code>").format(queue) for queue in queues),
                "schema": schema_html(message.get("payload", {})),
                "receivers": receivers(name),
                "personal": personal_fields(spec, message),
            })
    for events in services.values():
        events.sort(key=lambda event: event["name"])
    schemas = [
        {"name": name, "anchor": anchor("schema", name), "title": schema.get("title", ""),
         "description": prose(schema.get("description")), "schema": schema_html(schema)}
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
    ]
    info = spec.get("info", {})
    return {
        "title": info.get("title", "Event catalogue"),
        "version": info.get("version", ""),
        "asyncapi": spec.get("asyncapi", ""),
        "description": prose(info.get("description")),
        "services": dict(sorted(services.items())),
        "schemas": schemas,
        "count": sum(len(events) for events in services.values()),
    }


TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }} {{ version }}</title>
<style>
 body { font: 15px/1.5 system-ui, sans-serif; margin: 0; display: flex; color: #1d2330; }
 nav { width: 20rem; height: 100vh; overflow-y: auto; position: sticky; top: 0;
       background: #f4f6f9; padding: 1rem; box-sizing: border-box; font-size: 13px; }
 nav ul { list-style: none; padding-left: .5rem; margin: .2rem 0 .8rem; }
 main { flex: 1; padding: 1rem 2rem; max-width: 60rem; }
 section.event { border-top: 1px solid #d8dde6; padding-top: .5rem; margin-top: 1.5rem; }
 pre { background: #f7f7f9; padding: .7rem; overflow-x: auto; font-size: 12.5px; }
 code { background: #eef0f4; padding: 0 .2rem; }
 .meta { color: #4b5563; } .deprecated { color: #b91c1c; font-weight: bold; }
 input { width: 100%; padding: .3rem; box-sizing: border-box; }
</style>
</head>
<body>
<nav>
 <strong>{{ title }}</strong> {{ version }}<br>
 <input id="filter" placeholder="filter events" oninput="
   for (const li of document.querySelectorAll('nav li[data-event]'))
     li.hidden = !li.dataset.event.includes(this.value.toLowerCase());">
 {% for service, events in services.items() %}
 <div><a href="#service-{{ service }}">{{ service }}</a> ({{ events|length }})</div>
 <ul>{% for event in events %}
  <li data-event="{{ event.name|lower }}"><a href="#{{ event.anchor }}">{{ event.name }}</a></li>
 {% endfor %}</ul>
 {% endfor %}
 <div><a href="#schemas">shared schemas</a></div>
</nav>
<main>
<h1>{{ title }} <small>{{ version }}</small></h1>
<p class="meta">AsyncAPI {{ asyncapi }} &middot; {{ count }} events &middot;
 generated from <code>infra/asyncapi/asyncapi.yaml</code></p>
{{ description }}
{% for service, events in services.items() %}
<h2 id="service-{{ service }}">{{ service }}
 <small>exchange <code>{{ service }}.events</code></small></h2>
{% for event in events %}
<section class="event" id="{{ event.anchor }}">
 <h3>{{ event.name }}
 {% if event.deprecated %}<span class="deprecated">deprecated</span>{% endif %}</h3>
 <p class="meta">{{ event.title }} &middot; exchange <code>{{ event.exchange }}</code>,
  routing key <code>{{ event.routing_key }}</code>,
  CloudEvent type <code>{{ event.name }}</code></p>
 {% if event.summary %}<p>{{ event.summary }}</p>{% endif %}
 {{ event.description }}
 <p class="meta">Department queues receiving it:
 {% if event.queues %}{{ event.queues_html }}
 {% else %}none yet (ask for one: docs/departments.md){% endif %}</p>
 {% if event.receivers %}
 <p class="meta">By subscription (webhook, email, inbox), staff receive:
  {{ event.receivers.staff }}; others: {{ event.receivers.others }}.
  {% if event.receivers.told %}
  Some are told without subscribing (docs/notifications.md).
  {% endif %}</p>
 {% endif %}
 {% if event.personal %}<p class="meta">Personal data, removed for anyone who is not staff:
  {% for path in event.personal %}<code>{{ path }}</code>{{ ", " if not loop.last }}
  {% endfor %}</p>
 {% endif %}
 <details><summary>JSON Schema of the message</summary><pre>{{ event.schema }}</pre></details>
</section>
{% endfor %}
{% endfor %}
<h2 id="schemas">Shared schemas</h2>
{% for schema in schemas %}
<section class="event" id="{{ schema.anchor }}">
 <h3>{{ schema.name }}</h3>
 {% if schema.title %}<p class="meta">{{ schema.title }}</p>{% endif %}
 {{ schema.description }}
 <details><summary>JSON Schema</summary><pre>{{ schema.schema }}</pre></details>
</section>
{% endfor %}
</main>
</body>
</html>
"""


def render(spec_path: Path = SPEC, definitions_path: Path = DEFINITIONS) -> str:
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    definitions = json.loads(definitions_path.read_text(encoding="utf-8")) \
        if definitions_path.is_file() else {}
    environment = Environment(autoescape=select_autoescape(default=True), trim_blocks=True,
                              lstrip_blocks=True)
    return environment.from_string(TEMPLATE).render(**build_model(spec, definitions))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Render the AsyncAPI event catalogue to HTML.")
    parser.add_argument("--spec", type=Path, default=SPEC)
    parser.add_argument("--definitions", type=Path, default=DEFINITIONS)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    page = render(args.spec, args.definitions)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(page, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
