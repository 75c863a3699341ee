"""The Kubernetes base (infra/k8s/base): every object valid against the Kubernetes schemas, and
shaped as DESIGN.md needs (one Deployment per service on its port, probes on the health
endpoints, resources, an HPA on CPU, secrets only from Secret objects)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
BASE = ROOT / "infra" / "k8s" / "base"
KUBERNETES_VERSION = "1.30"
DESIGN_PORTS = {"registry": 8001, "grants": 8002, "consultations": 8003, "notifications": 8004,
                "reporting": 8005}
SECRET_LIKE = ("SECRET", "PASSWORD", "URI", "KEY", "TOKEN")


def _files() -> list[Path]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text(encoding="utf-8"))
    return [BASE / name for name in kustomization["resources"]]


def _objects() -> list[dict]:
    """The rendered base: `kubectl kustomize` when available, else the listed files."""
    kubectl = shutil.which("kubectl")
    if kubectl:
        rendered = subprocess.run([kubectl, "kustomize", str(BASE)], capture_output=True,
                                  text=True, timeout=60, check=True).stdout
        return [doc for doc in yaml.safe_load_all(rendered) if doc]
    return [doc for path in _files() for doc in yaml.safe_load_all(path.read_text("utf-8"))
            if doc]


OBJECTS = _objects()


def _of(kind: str) -> dict[str, dict]:
    return {obj["metadata"]["name"]: obj for obj in OBJECTS if obj["kind"] == kind}


DEPLOYMENTS = _of("Deployment")


def test_every_listed_file_exists_and_parses() -> None:
    for path in _files():
        assert path.is_file(), path
        assert list(yaml.safe_load_all(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("index", range(len(OBJECTS)),
                         ids=[f"{o['kind']}/{o['metadata']['name']}" for o in OBJECTS])
def test_object_is_valid_against_the_kubernetes_schema(index: int) -> None:
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
    assert "AMQP_URI" in env and "WSPOLPRACA_JWT_SECRET" in env
    assert not any(name.startswith("MONGO_URI") and name != f"MONGO_URI_{service.upper()}"
                   for name in env)
    config_maps = {ref["configMapRef"]["name"] for ref in container.get("envFrom", [])}
    for name in config_maps:
        data = _of("ConfigMap")[name]["data"]
        assert not any(word in key for key in data for word in SECRET_LIKE)
        assert data.get("WSPOLPRACA_ENV") == "production"
    assert not _of("Secret"), "no Secret objects (with values) in the repository"


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
