"""docker/ checked statically (no container engine on the test machines): every Kubernetes
manifest parses and has what its kind needs, the compose file's services have healthchecks,
and the Dockerfile passes hadolint-like rules (non-root USER, pinned bases, no ``latest``)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
K8S = DOCKER / "k8s"

REQUIRED_KINDS = {
    "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "CronJob",
    "Secret", "ConfigMap",
}
API_VERSIONS = {
    "Deployment": "apps/v1", "Service": "v1", "HorizontalPodAutoscaler": "autoscaling/v2",
    "PodDisruptionBudget": "policy/v1", "CronJob": "batch/v1", "Secret": "v1",
    "ConfigMap": "v1", "PersistentVolumeClaim": "v1", "PrometheusRule": "monitoring.coreos.com/v1",
}


def manifests() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(K8S.glob("*.yaml")):
        with path.open(encoding="utf-8") as file:
            for document in yaml.safe_load_all(file):
                if document:
                    found.append((f"{path.name}:{document['metadata']['name']}", document))
    return found


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for _, doc in manifests() if doc["kind"] == kind]


def pod_specs() -> list[tuple[str, dict[str, Any]]]:
    specs = [(d["metadata"]["name"], d["spec"]["template"]["spec"]) for d in by_kind("Deployment")]
    specs += [
        (c["metadata"]["name"], c["spec"]["jobTemplate"]["spec"]["template"]["spec"])
        for c in by_kind("CronJob")
    ]
    return specs


def test_every_manifest_has_api_version_kind_metadata_and_a_body() -> None:
    seen = manifests()
    assert {doc["kind"] for _, doc in seen} >= REQUIRED_KINDS
    for name, doc in seen:
        assert doc["apiVersion"] == API_VERSIONS[doc["kind"]], name
        assert doc["metadata"]["name"], name
        body = "data" if doc["kind"] == "ConfigMap" else (
            "stringData" if doc["kind"] == "Secret" else "spec")
        assert doc.get(body), f"{name} has no {body}"


def test_containers_have_resources_probes_and_a_locked_down_security_context() -> None:
    for name, spec in pod_specs():
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec.get("automountServiceAccountToken") is False, name
        for container in spec["containers"]:
            where = f"{name}/{container['name']}"
            assert container["resources"]["requests"] and container["resources"]["limits"], where
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, where
            assert context["readOnlyRootFilesystem"] is True, where
            assert context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            assert not container["image"].endswith(":latest") and ":" in container["image"], where
            mounted = {m["name"] for m in container.get("volumeMounts", [])}
            assert mounted <= {v["name"] for v in spec.get("volumes", [])}, where


def test_deployments_probe_healthz_and_readyz_and_selectors_match_labels() -> None:
    deployments = by_kind("Deployment")
    assert {d["metadata"]["name"] for d in deployments} == {"makelaar-broker", "makelaar-idp"}
    for deployment in deployments:
        name = deployment["metadata"]["name"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= labels.items(), name
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["args"][0].endswith(".wsgi:app"), name


def test_services_hpa_and_pdb_point_at_existing_deployments() -> None:
    labels = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
        for d in by_kind("Deployment")
    }

    def selects_a_deployment(selector: dict[str, str]) -> bool:
        return any(selector.items() <= pod.items() for pod in labels.values())

    for service in by_kind("Service"):
        assert selects_a_deployment(service["spec"]["selector"]), service["metadata"]["name"]
    hpas = by_kind("HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas} == set(labels)
    for hpa in hpas:
        target = hpa["spec"]["scaleTargetRef"]
        assert target["kind"] == "Deployment" and target["apiVersion"] == "apps/v1"
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    pdbs = by_kind("PodDisruptionBudget")
    assert len(pdbs) == len(labels)
    for pdb in pdbs:
        assert selects_a_deployment(pdb["spec"]["selector"]["matchLabels"])


def test_cron_jobs_for_renewal_reminders_and_metadata_refresh() -> None:
    commands = {
        c["metadata"]["name"]: c["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
        ["command"]
        for c in by_kind("CronJob")
    }
    assert commands["makelaar-renewal-reminders"][:3] == ["makelaar", "idp", "renewal-reminders"]
    assert commands["makelaar-metadata-refresh"][:3] == ["makelaar", "metadata", "refresh"]
    for cron in by_kind("CronJob"):
        assert len(cron["spec"]["schedule"].split()) == 5
        assert cron["spec"]["concurrencyPolicy"] == "Forbid"


def test_secrets_and_config_maps_referenced_exist_and_secrets_hold_no_real_keys() -> None:
    secrets = {s["metadata"]["name"]: s for s in by_kind("Secret")}
    maps = {c["metadata"]["name"] for c in by_kind("ConfigMap")}
    claims = {c["metadata"]["name"] for c in by_kind("PersistentVolumeClaim")}
    for name, spec in pod_specs():
        for volume in spec.get("volumes", []):
            if "secret" in volume:
                assert volume["secret"]["secretName"] in secrets, name
            if "configMap" in volume:
                assert volume["configMap"]["name"] in maps, name
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, name
    for secret in secrets.values():
        for value in secret["stringData"].values():
            assert "BEGIN" not in value and "PRIVATE KEY-----" not in value


def alert_rules() -> dict[str, dict[str, Any]]:
    return {
        rule["alert"]: rule
        for doc in by_kind("PrometheusRule")
        for group in doc["spec"]["groups"]
        for rule in group["rules"]
    }


def declared_metrics() -> set[str]:
    from prometheus_client import REGISTRY

    import web.metrics  # noqa: F401 - declares the gauges in the default registry

    return {metric.name for metric in REGISTRY.collect()}


def test_alert_rules_warn_at_30_and_7_days_and_on_a_missed_key_activation() -> None:
    rules = alert_rules()
    assert {"MakelaarCertificateExpiresSoon", "MakelaarCertificateExpiresVerySoon",
            "MakelaarKeyActivationMissed"} <= set(rules)
    soon, very_soon = rules["MakelaarCertificateExpiresSoon"], rules[
        "MakelaarCertificateExpiresVerySoon"]
    assert soon["labels"]["severity"] == "warning"
    assert very_soon["labels"]["severity"] == "critical"
    assert re.search(r"makelaar_certificate_days_left\)\s*<\s*30$", soon["expr"].strip())
    assert re.search(r"makelaar_certificate_days_left\)\s*<\s*7$", very_soon["expr"].strip())
    missed = rules["MakelaarKeyActivationMissed"]["expr"]
    assert "makelaar_key_activation_timestamp_seconds" in missed
    assert "makelaar_key_in_use == 0" in missed
    metrics = declared_metrics()
    for name, rule in rules.items():
        expr = rule["expr"]
        assert expr.count("(") == expr.count(")"), name
        assert re.fullmatch(r"\d+[smh]", rule["for"]), name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
        # Every series an alert reads is one the roles export (a typo would never fire).
        used = set(re.findall(r"\bmakelaar_[a-z_]+", expr))
        assert used and used <= metrics, (name, used - metrics)


def compose() -> dict[str, Any]:
    with (DOCKER / "compose.yaml").open(encoding="utf-8") as file:
        loaded: dict[str, Any] = yaml.safe_load(file)
    return loaded


def test_compose_runs_every_role_and_engine_with_healthchecks() -> None:
    services = compose()["services"]
    assert set(services) == {"broker", "idp", "dv", "redis", "postgres"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
        assert not str(service.get("image", "")).endswith(":latest"), name
    modules = {name: services[name]["command"][0] for name in ("broker", "idp", "dv")}
    assert modules == {"broker": "broker.wsgi:app", "idp": "idp.wsgi:app",
                       "dv": "sp_adapters.demo.wsgi:app"}
    for name in ("broker", "idp", "dv"):
        assert services[name]["read_only"] is True
        assert "/readyz" in " ".join(services[name]["healthcheck"]["test"])
        for secret in services[name]["secrets"]:
            assert secret in compose()["secrets"], (name, secret)


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    joined = re.sub(r"\\\n", " ", text)
    found = []
    for line in joined.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            word, _, rest = stripped.partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_dockerfile_is_slim_pinned_and_non_root() -> None:
    instructions = dockerfile_instructions()
    bases = [rest.split()[0] for word, rest in instructions if word == "FROM"]
    assert bases
    for base in bases:
        assert base.startswith("python:3.11"), base
        assert "slim" in base, base
        # pinned by digest or by a full version (DL3006/DL3007: no untagged or latest image)
        assert "@sha256:" in base or re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?", base), base
    users = [rest for word, rest in instructions if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "last USER must not be root"
    entry = " ".join(rest for word, rest in instructions if word in ("ENTRYPOINT", "CMD"))
    assert "gunicorn" in entry and "broker.wsgi:app" in entry
    runs = " ".join(rest for word, rest in instructions if word == "RUN")
    assert "[test]" not in runs and ".[postgres]" in runs
    assert "sudo" not in runs and "apt-get upgrade" not in runs
    # DL3020: COPY, not ADD, for local files
    assert not [rest for word, rest in instructions if word == "ADD"]


@pytest.mark.parametrize("module", ["broker.wsgi", "idp.wsgi", "sp_adapters.demo.wsgi"])
def test_wsgi_modules_read_the_settings_path_from_the_environment(module: str) -> None:
    source = (ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
    assert 'os.environ.get("MAKELAAR_SETTINGS"' in source
    assert "app = build()" in source
