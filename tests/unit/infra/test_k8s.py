"""The Kubernetes base (infra/k8s/base) and the KEDA overlay (infra/k8s/overlays/keda): every
built-in object valid against the Kubernetes schemas, the KEDA objects against a minimal schema
of their own, and shaped as DESIGN.md and issue 9 need (one Deployment per service on its port,
probes on the health endpoints, resources, an HPA on CPU, scaling on queue depth, RabbitMQ as a
3-node cluster with quorum queues, MongoDB as a 3-member replica set, secrets only from Secret
objects, the only literals being the generator's marked placeholders)."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
BASE = ROOT / "infra" / "k8s" / "base"
KEDA = ROOT / "infra" / "k8s" / "overlays" / "keda"
KUBERNETES_VERSION = "1.30"
DESIGN_PORTS = {"registry": 8001, "grants": 8002, "consultations": 8003, "notifications": 8004,
                "reporting": 8005, "identity": 8006, "portal": 8000}
# the portal uses no RabbitMQ (its own database keeps its sessions, shared by its replicas)
WITHOUT_BROKER = {"portal"}
SECRET_LIKE = ("SECRET", "PASSWORD", "URI", "KEY", "TOKEN")


def _files() -> list[Path]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text(encoding="utf-8"))
    return [BASE / name for name in kustomization["resources"]]


def _render(directory: Path) -> list[dict]:
    """The rendered kustomization: `kubectl kustomize` when available, else (the base only)
    the listed files, generators left out."""
    kubectl = shutil.which("kubectl")
    if kubectl:
        rendered = subprocess.run([kubectl, "kustomize", str(directory)], capture_output=True,
                                  text=True, timeout=60, check=True).stdout
        return [doc for doc in yaml.safe_load_all(rendered) if doc]
    if directory != BASE:
        pytest.skip("kubectl is missing: the overlay is rendered only by `kubectl kustomize`")
    return [doc for path in _files() for doc in yaml.safe_load_all(path.read_text("utf-8"))
            if doc]


OBJECTS = _render(BASE)
BUILTIN = [obj for obj in OBJECTS if "." not in obj["apiVersion"].split("/")[0]
           or obj["apiVersion"].split("/")[0].endswith(".k8s.io")]


def _of(kind: str, objects: list[dict] = OBJECTS) -> dict[str, dict]:
    """Objects of a kind by name (a generated name loses its hash suffix)."""
    found = {}
    for obj in objects:
        if obj["kind"] == kind:
            name = obj["metadata"]["name"]
            if kind in {"Secret", "ConfigMap"} and name.rsplit("-", 1)[-1].isalnum() \
                    and len(name.rsplit("-", 1)[-1]) == 10:
                name = name.rsplit("-", 1)[0]
            found[name] = obj
    return found


DEPLOYMENTS = _of("Deployment")


def test_every_listed_file_exists_and_parses() -> None:
    for path in _files():
        assert path.is_file(), path
        assert list(yaml.safe_load_all(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("index", range(len(OBJECTS)),
                         ids=[f"{o['kind']}/{o['metadata']['name']}" for o in OBJECTS])
def test_object_is_valid_against_the_kubernetes_schema(index: int) -> None:
    assert OBJECTS[index] in BUILTIN, "the base uses built-in kinds only"
    kubernetes_validate.validate(OBJECTS[index], KUBERNETES_VERSION, strict=True)


def test_everything_lands_in_the_wspolpraca_namespace() -> None:
    for obj in OBJECTS:
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace", "wspolpraca") == "wspolpraca"


def test_one_deployment_per_service() -> None:
    assert set(DEPLOYMENTS) == set(DESIGN_PORTS)


@pytest.mark.parametrize("service", sorted(DESIGN_PORTS))
def test_deployment_runs_the_service_on_its_port_with_probes(service: str) -> None:
    spec = DEPLOYMENTS[service]["spec"]
    assert "replicas" not in spec, "the HPA owns the replica count"
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["command"] == ["python", "-m", "wspolpraca.runner", service]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert ports == {"http": DESIGN_PORTS[service]}
    assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    resources = container["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    annotations = spec["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(DESIGN_PORTS[service])


@pytest.mark.parametrize("service", sorted(DESIGN_PORTS))
def test_secrets_come_from_secret_objects_only(service: str) -> None:
    (container,) = DEPLOYMENTS[service]["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    for name, item in env.items():
        if any(word in name for word in SECRET_LIKE):
            assert "value" not in item and "secretKeyRef" in item["valueFrom"], name
    assert env[f"MONGO_URI_{service.upper()}"]["valueFrom"]["secretKeyRef"]["name"] \
        == f"wspolpraca-{service}"
    assert ("AMQP_URI" in env) == (service not in WITHOUT_BROKER)
    assert "WSPOLPRACA_JWT_SECRET" in env
    assert not any(name.startswith("MONGO_URI") and name != f"MONGO_URI_{service.upper()}"
                   for name in env)
    config_maps = {ref["configMapRef"]["name"] for ref in container.get("envFrom", [])}
    for name in config_maps:
        data = _of("ConfigMap")[name]["data"]
        assert not any(word in key for key in data for word in SECRET_LIKE)
        assert data.get("WSPOLPRACA_ENV") == "production"



def _literal_env(objects: list[dict]) -> list[str]:
    found = []
    for obj in objects:
        pod = obj.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            for item in container.get("env", []):
                if any(word in item["name"] for word in SECRET_LIKE) and "value" in item:
                    found.append(f"{obj['metadata']['name']}/{item['name']}")
    return found


def test_no_secret_literal_in_any_container() -> None:
    assert _literal_env(OBJECTS) == []


def test_the_only_secret_values_are_the_generators_marked_placeholders() -> None:
    secrets = _of("Secret")
    assert set(secrets) <= {"rabbitmq", "mongodb"}
    for secret in secrets.values():
        for key, value in secret["data"].items():
            assert base64.b64decode(value).decode().startswith("CHANGE-ME-"), key
    for path in BASE.rglob("*"):
        if path.suffix in {".yaml", ".conf", ".json", ".js"}:
            text = path.read_text(encoding="utf-8")
            assert "password_hash" not in text and "guest" not in text, path


@pytest.mark.parametrize("service", sorted(DESIGN_PORTS))
def test_service_and_hpa_and_pdb_point_at_the_deployment(service: str) -> None:
    pod_labels = DEPLOYMENTS[service]["spec"]["template"]["metadata"]["labels"]
    svc = _of("Service")[service]["spec"]
    assert svc["selector"].items() <= pod_labels.items()
    assert svc["ports"] == [{"name": "http", "port": DESIGN_PORTS[service], "targetPort": "http",
                             "protocol": "TCP"}]
    hpa = _of("HorizontalPodAutoscaler")[service]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                     "name": service}
    assert 2 <= hpa["minReplicas"] < hpa["maxReplicas"]
    assert [m["resource"]["name"] for m in hpa["metrics"] if m["type"] == "Resource"] == ["cpu"]
    pdb = _of("PodDisruptionBudget")[service]["spec"]
    assert pdb["selector"]["matchLabels"].items() <= pod_labels.items()


# --- RabbitMQ and MongoDB ------------------------------------------------------------------------

RABBITMQ_DIR = BASE / "rabbitmq"


def _container(obj: dict, name: str) -> dict:
    return next(c for c in obj["spec"]["template"]["spec"]["containers"] if c["name"] == name)


def _secret_refs(container: dict) -> dict[str, tuple[str, str]]:
    return {item["name"]: (item["valueFrom"]["secretKeyRef"]["name"],
                           item["valueFrom"]["secretKeyRef"]["key"])
            for item in container.get("env", []) if "secretKeyRef" in item.get("valueFrom", {})}


def test_rabbitmq_is_a_three_node_cluster_by_kubernetes_peer_discovery() -> None:
    statefulset = _of("StatefulSet")["rabbitmq"]
    assert statefulset["spec"]["replicas"] == 3
    assert statefulset["spec"]["serviceName"] == "rabbitmq-nodes"
    assert _of("Service")["rabbitmq-nodes"]["spec"]["clusterIP"] == "None"
    rabbitmq = _container(statefulset, "rabbitmq")
    assert rabbitmq["image"].startswith("rabbitmq:3.13")
    assert _secret_refs(rabbitmq)["RABBITMQ_ERLANG_COOKIE"][1] == "erlang-cookie"
    assert {"requests", "limits"} <= set(rabbitmq["resources"])
    config = _of("ConfigMap")["rabbitmq-config"]["data"]
    assert "rabbitmq_peer_discovery_k8s" in config["enabled_plugins"]
    assert "cluster_formation.peer_discovery_backend = rabbit_peer_discovery_k8s" \
        in config["rabbitmq.conf"]
    assert statefulset["spec"]["template"]["spec"]["serviceAccountName"] == "rabbitmq"
    rules = _of("Role")["rabbitmq-peer-discovery"]["rules"]
    assert any("endpoints" in rule["resources"] and "get" in rule["verbs"] for rule in rules)


def test_rabbitmq_queues_are_quorum_queues() -> None:
    definitions = json.loads(_of("ConfigMap")["rabbitmq-config"]["data"]["definitions.json"])
    # the vhost's default type makes every queue declared without x-queue-type (the services'
    # handler, retry and DLQ queues) a quorum queue; a policy cannot change a queue's type
    assert definitions["vhosts"] == [{"name": "/", "metadata": {
        "description": "wspolpraca", "tags": [], "default_queue_type": "quorum"}}]
    assert all(q["arguments"]["x-queue-type"] == "quorum" and q["durable"]
               for q in definitions["queues"])
    assert "users" not in definitions and "permissions" not in definitions


def test_rabbitmq_topology_is_the_one_of_infra_rabbitmq() -> None:
    development = json.loads((ROOT / "infra/rabbitmq/definitions.json").read_text("utf-8"))
    production = json.loads((RABBITMQ_DIR / "definitions.json").read_text("utf-8"))
    assert production["exchanges"] == development["exchanges"]
    assert production["bindings"] == development["bindings"]
    assert [q["name"] for q in production["queues"]] == [q["name"] for q in development["queues"]]
    for mine, theirs in zip(production["policies"], development["policies"], strict=True):
        # only one policy applies to a queue: the delivery limit joins the dead-letter keys
        assert mine["definition"] == {**theirs["definition"], "delivery-limit": 20}
        assert {k: v for k, v in mine.items() if k != "definition"} \
            == {k: v for k, v in theirs.items() if k != "definition"}


def test_the_portal_runs_two_replicas_at_least_sharing_their_sessions() -> None:
    """Issue #18: the sessions live in the portal's database, so any replica serves anyone."""
    assert _of("HorizontalPodAutoscaler")["portal"]["spec"]["minReplicas"] == 2
    (container,) = DEPLOYMENTS["portal"]["spec"]["template"]["spec"]["containers"]
    env = _secret_refs(container)
    assert env["PORTAL_SECRET"] == ("wspolpraca-portal", "portal-secret")
    assert env["MONGO_URI_PORTAL"] == ("wspolpraca-portal", "mongo-uri")


def test_mongodb_is_a_three_member_replica_set_with_a_keyfile_and_an_init_job() -> None:
    statefulset = _of("StatefulSet")["mongodb"]
    assert statefulset["spec"]["replicas"] == 3
    mongod = _container(statefulset, "mongod")
    args = mongod["args"]
    assert args[args.index("--replSet") + 1] == "rs0" and "--auth" in args
    assert args[args.index("--keyFile") + 1] == "/keyfile/keyfile"
    volumes = {v["name"]: v for v in statefulset["spec"]["template"]["spec"]["volumes"]}
    assert volumes["secret"]["secret"]["secretName"].startswith("mongodb")
    assert set(_secret_refs(mongod)) == {"MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"}
    job = _of("Job")["mongodb-init"]
    init = _container(job, "init")
    assert {f"MONGO_PASSWORD_{s.upper()}" for s in DESIGN_PORTS} <= set(_secret_refs(init))
    scripts = _of("ConfigMap")["mongodb-init"]["data"]
    assert "rs.initiate" in scripts["init-replica-set.js"]
    assert "const SERVICES" in scripts["init-users.js"]   # the file compose mounts too
    assert "[0, 1, 2].map" in scripts["init-replica-set.js"]
    assert "mongodb-${i}.mongodb-nodes" in scripts["init-replica-set.js"]


# --- the KEDA overlay: HPA on CPU and on queue depth ---------------------------------------------

# A minimal schema of the two KEDA kinds used (keda.sh/v1alpha1): what KEDA needs to act on them.
KEDA_SCHEMAS = {
    "ScaledObject": {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "keda.sh/v1alpha1"},
            "metadata": {"type": "object", "required": ["name"]},
            "spec": {
                "type": "object", "required": ["scaleTargetRef", "triggers"],
                "additionalProperties": False,
                "properties": {
                    "scaleTargetRef": {"type": "object", "required": ["name"],
                                       "properties": {"name": {"type": "string"},
                                                      "kind": {"type": "string"},
                                                      "apiVersion": {"type": "string"}},
                                       "additionalProperties": False},
                    "minReplicaCount": {"type": "integer", "minimum": 0},
                    "maxReplicaCount": {"type": "integer", "minimum": 1},
                    "pollingInterval": {"type": "integer"},
                    "cooldownPeriod": {"type": "integer"},
                    "advanced": {"type": "object"},
                    "triggers": {"type": "array", "minItems": 1, "items": {
                        "type": "object", "required": ["type", "metadata"],
                        "properties": {
                            "type": {"type": "string"},
                            "metricType": {"enum": ["Utilization", "AverageValue", "Value"]},
                            "metadata": {"type": "object",
                                         "additionalProperties": {"type": "string"}},
                            "authenticationRef": {"type": "object", "required": ["name"]},
                        },
                        "additionalProperties": False}},
                },
            },
        },
    },
    "TriggerAuthentication": {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "keda.sh/v1alpha1"},
            "spec": {"type": "object", "required": ["secretTargetRef"], "properties": {
                "secretTargetRef": {"type": "array", "minItems": 1, "items": {
                    "type": "object", "required": ["parameter", "name", "key"],
                    "properties": {"parameter": {"type": "string"}, "name": {"type": "string"},
                                   "key": {"type": "string"}},
                    "additionalProperties": False}}}},
        },
    },
}


@pytest.fixture(scope="module")
def keda_objects() -> list[dict]:
    return _render(KEDA)


def test_keda_overlay_objects_are_valid(keda_objects) -> None:
    for obj in keda_objects:
        if obj["apiVersion"].startswith("keda.sh/"):
            jsonschema.validate(obj, KEDA_SCHEMAS[obj["kind"]])
        else:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("service", ["notifications", "reporting"])
def test_keda_scales_the_service_on_cpu_and_its_queue_depth(keda_objects, service) -> None:
    scaled = _of("ScaledObject", keda_objects)[service]["spec"]
    assert scaled["scaleTargetRef"]["name"] in _of("Deployment", keda_objects)
    assert service not in _of("HorizontalPodAutoscaler", keda_objects), "KEDA owns the HPA"
    triggers = {t["type"]: t for t in scaled["triggers"]}
    assert set(triggers) == {"cpu", "rabbitmq"}
    rabbit = triggers["rabbitmq"]
    assert rabbit["metadata"]["mode"] == "QueueLength"
    assert rabbit["authenticationRef"]["name"] in _of("TriggerAuthentication", keda_objects)
    pattern = re.compile(rabbit["metadata"]["queueName"])
    handler = f"evt-registry-organization.verified--{service}.on_organization_verified"
    assert pattern.match(handler)
    assert not pattern.match(handler + ".dlq") and not pattern.match(handler + ".retry.1")
    assert 2 <= scaled["minReplicaCount"] < scaled["maxReplicaCount"]


def test_the_other_services_keep_their_cpu_hpa_in_the_overlay(keda_objects) -> None:
    assert set(_of("HorizontalPodAutoscaler", keda_objects)) == {
        "registry", "grants", "consultations", "identity", "portal"}
