"""The path-prefix reverse proxy of docker-compose.yml (infra/proxy/nginx.conf).

Its routes are checked three ways: against DESIGN.md's table of API paths (exactly those, no
other), against the routes the services really declare (every `/api/v1/...` route of a service
is proxied to that service), and by running nginx itself: `nginx -t`, then the configuration
with each upstream replaced by a local stub that answers with its service's name.

nginx comes from Debian's nginx-light (infra/scripts/ensure-nginx.sh, run by `make test`);
without it these tests fail on CI (CI=true) and are skipped on a developer's machine.
"""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
import yaml
from promql_support import required_tool

from wspolpraca.testing.processes import stop_process
from wspolpraca.testing.waiting import wait_until

ROOT = Path(__file__).resolve().parents[3]
NGINX_CONF = ROOT / "infra" / "proxy" / "nginx.conf"
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))

# DESIGN.md, "Shape": the API paths (under /api/v1) each service owns, and its port.
DESIGN_PATHS = {
    "registry": {"organizations", "departments", "inquiries", "areas", "resources", "bookings",
                 "patronages", "trainings", "partnerships", "volunteering"},
    "grants": {"programmes", "competitions", "offers", "contracts", "small-grants"},
    "consultations": {"consultations", "councils"},
    "notifications": {"subscriptions", "inbox", "calendar", "newsletter"},
    "reporting": {"stats", "reports", "open-data"},
    "identity": {"accounts", "representations", "clients"},
}
DESIGN_PORTS = {"registry": 8001, "grants": 8002, "consultations": 8003, "notifications": 8004,
                "reporting": 8005, "identity": 8006}
PORTAL_PORT = 8000  # every path outside /api/ (and the services' own prefixes): the web pages
UPSTREAM = re.compile(r"^\s*(?P<key>[a-z-]+)\s+(?P<host>[a-z]+):(?P<port>\d+);", re.M)


def _map_block(variable: str) -> dict[str, tuple[str, int]]:
    text = NGINX_CONF.read_text(encoding="utf-8")
    match = re.search(r"map \$\w+ \$" + variable + r" \{(?P<body>[^}]*)\}", text)
    assert match, f"no `map ... ${variable}` in {NGINX_CONF}"
    return {m["key"]: (m["host"], int(m["port"])) for m in UPSTREAM.finditer(match["body"])}


API_ROUTES = _map_block("api_upstream")
SERVICE_ROUTES = _map_block("service_upstream")


def test_the_proxy_routes_exactly_the_paths_of_the_design_table() -> None:
    expected = {path: (service, DESIGN_PORTS[service])
                for service, paths in DESIGN_PATHS.items() for path in paths}
    assert API_ROUTES == expected


def test_each_service_is_reachable_by_its_name() -> None:
    assert SERVICE_ROUTES == {service: (service, port) for service, port in DESIGN_PORTS.items()}


def _declared_routes(service: str) -> set[str]:
    """The first segment after /api/v1/ of every route the service's package declares."""
    package = ROOT / "services" / service / service
    routes = set()
    for source in package.glob("*.py"):
        pattern = r'@(?:identity_)?api\(\s*"[A-Z]+",\s*"(/api/v1/[^"]+)"'
        for path in re.findall(pattern, source.read_text()):
            routes.add(re.match(r"/api/v1/([a-z-]+)", path)[1])
    return routes


@pytest.mark.parametrize("service", sorted(DESIGN_PORTS))
def test_every_route_a_service_declares_is_proxied_to_it(service: str) -> None:
    declared = _declared_routes(service)
    assert declared, f"no @api routes found in services/{service}"
    assert {path: API_ROUTES.get(path, ("nobody", 0))[0] for path in declared} == \
        dict.fromkeys(declared, service)


def test_compose_runs_the_proxy_on_8080_with_this_configuration() -> None:
    proxy = COMPOSE["services"]["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./infra/proxy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert any(str(port).endswith("8080:8080") for port in proxy["ports"])
    assert proxy["healthcheck"]["test"] and proxy["restart"] == "unless-stopped"
    assert "listen 8080;" in NGINX_CONF.read_text(encoding="utf-8")


# --- nginx itself ---------------------------------------------------------------------------

def _nginx() -> str:
    return required_tool("nginx", "ensure-nginx.sh", "/usr/sbin/nginx")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _globals(tmp_path: Path) -> str:
    return f"pid {tmp_path / 'nginx.pid'}; error_log stderr;"


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    result = subprocess.run([_nginx(), "-t", "-c", str(NGINX_CONF), "-g", _globals(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


class Stub:
    """One service: answers every request with its name and the path it got."""

    def __init__(self, service: str) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps({"service": service, "path": self.path,
                                   "forwarded": self.headers.get("X-Forwarded-For")}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


ACCESS_LOG: dict[str, Path] = {}


@pytest.fixture(scope="module")
def proxy(tmp_path_factory):
    """nginx with this configuration, each upstream `<service>:<port>` a local stub."""
    nginx = _nginx()
    tmp_path = tmp_path_factory.mktemp("proxy")
    stubs = {service: Stub(service) for service in (*DESIGN_PORTS, "portal")}
    text = NGINX_CONF.read_text(encoding="utf-8")
    text = re.sub(r"^\s*resolver .*$", "", text, flags=re.M)  # the stubs are IP addresses
    for service, port in {**DESIGN_PORTS, "portal": PORTAL_PORT}.items():
        text = re.sub(rf"\b{service}:{port};", f"127.0.0.1:{stubs[service].port};", text)
    port = _free_port()
    text = text.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    ACCESS_LOG["path"] = tmp_path / "access.log"
    text = text.replace("access_log /dev/stdout", f"access_log {ACCESS_LOG['path']}")
    conf = tmp_path / "nginx.conf"
    conf.write_text(text, encoding="utf-8")
    process = subprocess.Popen([nginx, "-c", str(conf), "-g", _globals(tmp_path) + " daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    def answering() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"nginx did not start: {process.stderr.read()!r}")
        try:
            requests.get(base + "/proxy/health", timeout=1)
        except requests.ConnectionError:
            return False
        return True

    try:
        wait_until(answering, timeout=30, interval=0.1, what="nginx to answer")
    except AssertionError:
        process.kill()
        raise
    yield base
    process.send_signal(signal.SIGQUIT)  # nginx's graceful stop
    stop_process(process, signalled=True)
    for stub in stubs.values():
        stub.server.shutdown()
        stub.server.server_close()


@pytest.mark.parametrize("service,path", sorted(
    (service, path) for service, paths in DESIGN_PATHS.items() for path in paths))
def test_each_api_path_reaches_its_service_with_the_whole_uri(proxy, service, path) -> None:
    for uri in (f"/api/v1/{path}", f"/api/v1/{path}/abc-123/sub?limit=5&q=%C5%82%C3%B3d%C5%BA"):
        answer = requests.get(proxy + uri, timeout=10)
        assert answer.status_code == 200, uri
        assert answer.json()["service"] == service
        assert answer.json()["path"] == uri
        assert answer.json()["forwarded"] == "127.0.0.1"


def test_the_public_calendar_feed_reaches_notifications(proxy) -> None:
    answer = requests.get(proxy + "/api/v1/calendar.ics", timeout=10).json()
    assert answer == {"service": "notifications", "path": "/api/v1/calendar.ics",
                      "forwarded": "127.0.0.1"}


@pytest.mark.parametrize("service", sorted(DESIGN_PORTS))
@pytest.mark.parametrize("path", ["health/live", "health/ready", "metrics",
                                  "api/v1/openapi.json"])
def test_each_service_health_metrics_and_openapi_by_its_name(proxy, service, path) -> None:
    answer = requests.get(f"{proxy}/{service}/{path}", timeout=10)
    assert answer.status_code == 200
    assert answer.json()["service"] == service and answer.json()["path"] == f"/{path}"


@pytest.mark.parametrize("uri", ["/api/v1/unknown", "/api/v1/organizationsx", "/api/v1/",
                                 "/api/v1/openapi.json", "/nobody/health/ready", "/api/"])
def test_anything_else_is_a_json_404(proxy, uri) -> None:
    answer = requests.get(proxy + uri, timeout=10)
    assert answer.status_code == 404, answer.text
    assert answer.json()["error"]["code"] == "not_found"


# --- secrets stay out of the log; public writes are limited (issue 15, items 8 and 12b) -----

def test_the_access_log_never_holds_a_query_string(proxy) -> None:
    secret = "tok3n-that-must-not-be-logged"
    for uri in (f"/api/v1/calendar/my.ics?token={secret}",
                f"/api/v1/subscriptions/unsubscribe?token={secret}"):
        assert requests.get(proxy + uri, timeout=10).status_code == 200
    text = NGINX_CONF.read_text(encoding="utf-8")
    assert not re.search(r"\$(request|request_uri|args|query_string|arg_\w+|http_referer)\b",
                         text.split("log_format", 1)[1].split(";", 1)[0])
    log = ACCESS_LOG["path"]
    wait_until(lambda: "/api/v1/subscriptions/unsubscribe" in log.read_text(encoding="utf-8"),
               timeout=10, what="nginx to write the access log line")
    written = log.read_text(encoding="utf-8")
    assert "/api/v1/calendar/my.ics" in written and secret not in written


def test_public_writes_are_limited_per_client_address_with_the_json_error(proxy) -> None:
    answers = [requests.post(proxy + "/api/v1/inquiries", json={}, timeout=10)
               for _ in range(15)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited, [a.status_code for a in answers]
    assert limited[0].json()["error"]["code"] == "rate_limited"
    assert int(limited[0].headers["Retry-After"]) > 0
    # reads are never limited by the proxy
    assert requests.get(proxy + "/api/v1/inquiries", timeout=10).status_code == 200


def test_the_annual_reports_documents_are_limited_per_client_address(proxy) -> None:
    """Issue 15, item 9: cycling through the years' PDFs must not keep the renderers busy."""
    answers = [requests.get(f"{proxy}/api/v1/reports/annual/{2000 + n}?format=pdf", timeout=10)
               for n in range(30)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited, [a.status_code for a in answers]
    assert limited[0].json()["error"]["code"] == "rate_limited"
    assert int(limited[0].headers["Retry-After"]) > 0
    pages = [requests.get(f"{proxy}/sprawozdania/{2000 + n}.pdf", timeout=10) for n in range(30)]
    refused = [a for a in pages if a.status_code == 429]
    assert refused, [a.status_code for a in pages]
    assert "Spróbuj ponownie za minutę" in refused[0].text
    assert refused[0].headers["Content-Type"].startswith("text/html")
    # the statistics and the portal's other pages are not limited by it
    assert requests.get(proxy + "/api/v1/stats/summary", timeout=10).status_code == 200
    assert requests.get(proxy + "/sprawozdania", timeout=10).status_code == 200


@pytest.mark.parametrize("uri", ["/", "/konkursy", "/organizacje?q=%C5%82%C3%B3d%C5%BA",
                                 "/static/portal.css", "/health/ready",
                                 "/registry/api/v1/organizations"])
def test_every_other_path_reaches_the_portal(proxy, uri) -> None:
    answer = requests.get(proxy + uri, timeout=10)
    assert answer.status_code == 200, uri
    assert answer.json()["service"] == "portal"
    assert answer.json()["path"] == uri


@pytest.mark.parametrize("uri", ["/.well-known/openid-configuration",
                                 "/oauth2/authorize?client_id=portal&code_challenge=x",
                                 "/oauth2/jwks"])
def test_identitys_discovery_and_endpoints_reach_it(proxy, uri) -> None:
    answer = requests.get(proxy + uri, timeout=10).json()
    assert answer["service"] == "identity" and answer["path"] == uri
