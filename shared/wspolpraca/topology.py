"""The broker topology of infra/rabbitmq/definitions.json on a broker that did not load it.

docker-compose's RabbitMQ imports the file at boot; the local run's broker (Debian's
rabbitmq-server) does not, so `make run` applies it here before the services start: the
services' exchanges, the department queues and their dead-letter queues, their bindings (so no
event is lost before a department's consumer first connects) and the dead-letter policies.

Idempotent and careful with what exists (FIELD-NOTES: re-declaring a queue with other arguments
fails with 406 PRECONDITION_FAILED): an exchange or queue that already exists is left exactly as
it is (a passive declare finds it); only missing ones are declared, with the file's attributes.
Bindings are idempotent. Dead-lettering comes from the file's policies, never from queue
arguments, so it can be changed on a running broker; policies cannot be set over AMQP, so they
go through the management API when it answers, else `rabbitmqctl import_definitions` (a local
broker), else a warning. Everything declared for vhost `/` in the file is applied to the vhost
of the AMQP URI.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from wspolpraca import broker
from wspolpraca.broker import vhost_of
from wspolpraca.departments import DEPARTMENT_CODE, STANDARD_PURPOSES, permission_pattern
from wspolpraca.queues import dead_letter_queue_name, department_queue_name

DEFINITIONS = Path(__file__).resolve().parents[2] / "infra" / "rabbitmq" / "definitions.json"


@dataclass
class Applied:
    """What `declare` did: names of the objects it created and of those it found."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    bindings: int = 0


def load(path: Path = DEFINITIONS, vhost: str = "/") -> dict:
    """The file's objects of vhost `/`, moved to `vhost`."""
    definitions = json.loads(Path(path).read_text(encoding="utf-8"))
    moved = {}
    for section in ("exchanges", "queues", "bindings", "policies"):
        moved[section] = [{**item, "vhost": vhost} for item in definitions.get(section, [])
                          if item.get("vhost", "/") == "/"]
    return moved


def _exists(connection, declare) -> bool:
    """A passive declare on a channel of its own: a missing object closes the channel (404)."""
    channel = connection.channel()
    try:
        declare(channel)
    except broker.NotFound:
        return False
    channel.close()
    return True


def declare(amqp_uri: str, definitions: dict) -> Applied:
    """Exchanges, queues and bindings over AMQP; what exists is not touched."""
    applied = Applied()
    with broker.connection(amqp_uri) as connection:
        for exchange in definitions["exchanges"]:
            name = exchange["name"]
            if exchange.get("internal"):
                raise ValueError(f"exchange {name}: internal exchanges are not declared here")
            if _exists(connection, lambda ch, n=name, t=exchange["type"]:
                       ch.exchange_declare(n, t, passive=True)):
                applied.existing.append(name)
                continue
            connection.channel().exchange_declare(
                name, exchange["type"], durable=exchange["durable"],
                auto_delete=exchange["auto_delete"],
                arguments=exchange.get("arguments") or None)
            applied.created.append(name)
        for queue in definitions["queues"]:
            name = queue["name"]
            if _exists(connection, lambda ch, n=name: ch.queue_declare(n, passive=True)):
                applied.existing.append(name)
                continue
            connection.channel().queue_declare(
                name, durable=queue["durable"], auto_delete=queue["auto_delete"],
                arguments=queue.get("arguments") or None)
            applied.created.append(name)
        channel = connection.channel()
        for binding in definitions["bindings"]:
            if binding["destination_type"] == "queue":
                channel.queue_bind(binding["destination"], binding["source"],
                                   routing_key=binding["routing_key"],
                                   arguments=binding.get("arguments") or None)
            else:
                channel.exchange_bind(binding["destination"], binding["source"],
                                      routing_key=binding["routing_key"],
                                      arguments=binding.get("arguments") or None)
            applied.bindings += 1
    return applied


def _policies_document(definitions: dict) -> dict:
    return {"policies": definitions["policies"]}


def set_policies_by_management_api(amqp_uri: str, definitions: dict,
                                   port: int = 15672, timeout: float = 5) -> bool:
    """POST /api/definitions of the management plugin; False when it does not answer."""
    parts = urlsplit(amqp_uri)
    credentials = f"{unquote(parts.username or 'guest')}:{unquote(parts.password or 'guest')}"
    request = urllib.request.Request(
        f"http://{parts.hostname or '127.0.0.1'}:{port}/api/definitions",
        data=json.dumps(_policies_document(definitions)).encode(), method="POST",
        headers={"Content-Type": "application/json",
                 "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status < 300
    except OSError:
        return False


def set_policies_by_rabbitmqctl(definitions: dict, timeout: float = 120) -> subprocess.Popen:
    """`rabbitmqctl import_definitions` of the policies alone, started (it takes seconds);
    the caller waits for it (`finish_rabbitmqctl`)."""
    handle, path = tempfile.mkstemp(prefix="wspolpraca-policies-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(_policies_document(definitions), out)
    os.chmod(path, 0o644)  # the broker's node (user rabbitmq) reads it, not rabbitmqctl
    process = subprocess.Popen(["rabbitmqctl", "-q", "import_definitions", path],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    process.definitions_file = path  # type: ignore[attr-defined]
    return process


def finish_rabbitmqctl(process: subprocess.Popen, timeout: float = 120) -> str | None:
    """Waits for `set_policies_by_rabbitmqctl`; None when it worked, else what went wrong."""
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        output = f"timed out after {timeout}s: {output}"
    finally:
        Path(process.definitions_file).unlink(missing_ok=True)  # type: ignore[attr-defined]
    return None if process.returncode == 0 else (output or f"exit {process.returncode}").strip()


def local_broker(amqp_uri: str) -> bool:
    return (urlsplit(amqp_uri).hostname or "127.0.0.1") in {"127.0.0.1", "localhost", "::1"}


def apply(amqp_uri: str, path: Path = DEFINITIONS) -> tuple[Applied, str | None]:
    """Declares the topology and sets the policies, waiting for both; (what was declared,
    None or why the policies could not be set)."""
    return apply_definitions(amqp_uri, load(path, vhost_of(amqp_uri)))


def apply_definitions(amqp_uri: str, definitions: dict) -> tuple[Applied, str | None]:
    """`apply` of definitions already loaded (e.g. `department_definitions`)."""
    applied = declare(amqp_uri, definitions)
    if not definitions["policies"] or set_policies_by_management_api(amqp_uri, definitions):
        return applied, None
    if not local_broker(amqp_uri):
        return applied, "the management API does not answer and the broker is not local"
    try:
        process = set_policies_by_rabbitmqctl(definitions)
    except OSError as exc:
        return applied, f"rabbitmqctl: {exc}"
    return applied, finish_rabbitmqctl(process)


# a clean local start ---------------------------------------------------------------------
# the platform's queues: the departments' (`dept.`) and the services' event handlers' (nameko's
# `evt-<source>-<event>--<service>.<method>`), each with its `.dlq` and retry queues
PLATFORM_QUEUE_PREFIXES = ("dept.", "evt-")


class NotLocalBroker(RuntimeError):
    pass


def purge_platform_queues(amqp_uri: str, queue_names: list[str]) -> dict[str, int]:
    """Empty the platform's queues among `queue_names` on a LOCAL broker; {queue: messages
    dropped}. Refuses (NotLocalBroker) any other broker: never a production one."""
    if not local_broker(amqp_uri):
        raise NotLocalBroker(
            f"refusing to empty queues on {urlsplit(amqp_uri).hostname}: a clean start empties "
            "queues only on a local broker (AMQP_URI on 127.0.0.1, localhost or ::1)")
    dropped: dict[str, int] = {}
    with broker.connection(amqp_uri) as connection:
        channel = connection.channel()
        for name in sorted(queue_names):
            if name.startswith(PLATFORM_QUEUE_PREFIXES):
                dropped[name] = channel.queue_purge(name)
    return dropped


# a department's standard queues -----------------------------------------------------------
def department_definitions(code: str, purposes: list[str] | tuple[str, ...],
                           vhost: str = "/") -> dict:
    """The objects of a department's queues `dept.<code>.<purpose>`, as definitions.json
    declares `dept.sport.bookings`: the durable queue and its `.dlq` (no arguments), the binding
    of the purpose, and the per-queue dead-letter policy. The exchanges are the services'."""
    if not DEPARTMENT_CODE.match(code):
        raise ValueError(f"not a department code: {code!r} (lower-case letters, digits, _)")
    unknown = [p for p in purposes if p not in STANDARD_PURPOSES]
    if unknown:
        raise ValueError(f"unknown purpose {', '.join(unknown)}: one of "
                         f"{', '.join(STANDARD_PURPOSES)}")
    exchanges = sorted({STANDARD_PURPOSES[p][0] for p in purposes})
    found: dict = {"exchanges": [], "queues": [], "bindings": [], "policies": []}
    model = {exchange["name"]: exchange for exchange in load(DEFINITIONS, vhost)["exchanges"]}
    found["exchanges"] = [model[name] for name in exchanges]
    for purpose in purposes:
        exchange, routing_key = STANDARD_PURPOSES[purpose]
        queue = department_queue_name(code, purpose)
        for name in (queue, dead_letter_queue_name(queue)):
            found["queues"].append({"name": name, "vhost": vhost, "durable": True,
                                    "auto_delete": False, "arguments": {}})
        found["bindings"].append({"source": exchange, "vhost": vhost, "destination": queue,
                                  "destination_type": "queue", "routing_key": routing_key,
                                  "arguments": {}})
        found["policies"].append({
            "vhost": vhost, "name": f"dead-letter.{queue}",
            "pattern": "^" + re.escape(queue) + "$", "apply-to": "queues", "priority": 10,
            "definition": {"dead-letter-exchange": "", "dead-letter-routing-key":
                           dead_letter_queue_name(queue)}})
    return found


@dataclass
class BrokerUser:
    name: str
    password: str | None  # None: the user existed and kept its password


def department_user(amqp_uri: str, code: str, *, rotate: bool = False,
                    management_url: str | None = None) -> BrokerUser:
    """The broker user `dept_<code>`, allowed to read the department's own queues only
    (configure and write: nothing; read: `^dept\\.<code>\\..*`). A new user, or one whose
    password is rotated, gets a random password, returned once."""
    name = f"dept_{code}"
    vhost = vhost_of(amqp_uri)
    management_url = management_url or os.environ.get("RABBITMQ_MANAGEMENT_URL")
    broker = _ManagementApi(management_url) if management_url else _Rabbitmqctl()
    exists = broker.user_exists(name)
    # hex: a password starting with "-" would be read by rabbitmqctl as an option
    password = secrets.token_hex(24) if rotate or not exists else None
    if password is not None:
        broker.put_user(name, password, exists)
    broker.set_permissions(vhost, name, "^$", "^$", permission_pattern(code))
    return BrokerUser(name, password)


class _ManagementApi:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.base = f"{parts.scheme}://{parts.hostname}:{parts.port or 15672}" \
                    f"{parts.path.rstrip('/')}/api"
        credentials = f"{unquote(parts.username or 'guest')}:{unquote(parts.password or 'guest')}"
        self.auth = "Basic " + base64.b64encode(credentials.encode()).decode()

    def _call(self, method: str, path: str, body: dict | None = None) -> int:
        request = urllib.request.Request(
            self.base + path, method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json", "Authorization": self.auth})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return 404
            raise

    def user_exists(self, name: str) -> bool:
        return self._call("GET", f"/users/{quote(name, safe='')}") != 404

    def put_user(self, name: str, password: str, exists: bool) -> None:
        self._call("PUT", f"/users/{quote(name, safe='')}", {"password": password, "tags": ""})

    def set_permissions(self, vhost: str, name: str, configure: str, write: str,
                        read: str) -> None:
        self._call("PUT", f"/permissions/{quote(vhost, safe='')}/{quote(name, safe='')}",
                   {"configure": configure, "write": write, "read": read})


class _Rabbitmqctl:
    @staticmethod
    def _run(*args: str) -> str:
        done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, text=True,
                              timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {args[0]}: {(done.stderr or done.stdout).strip()}")
        return done.stdout

    def user_exists(self, name: str) -> bool:
        listed = self._run("list_users", "--no-table-headers")
        return any(line.split("\t")[0].strip() == name for line in listed.splitlines())

    def put_user(self, name: str, password: str, exists: bool) -> None:
        self._run("change_password" if exists else "add_user", name, password)

    def set_permissions(self, vhost: str, name: str, configure: str, write: str,
                        read: str) -> None:
        self._run("set_permissions", "-p", vhost, name, configure, write, read)
