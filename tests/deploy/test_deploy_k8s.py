"""deploy/k8s: every manifest valid against the Kubernetes schemas, and the objects fit together."""
from __future__ import annotations

import copy
import shutil

import pytest
import yaml

import deploy_checks as checks

# The newest release kubernetes-validate 1.37 ships, and the oldest we promise
# (managed clusters lag a few minors behind). Strict: unknown fields are errors.
KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
MANIFEST_FILES = checks.manifest_files()


def _manifests() -> list:
    return checks.load_manifests(MANIFEST_FILES)


def _service_manifests(service) -> list:
    shared = [m for m in _manifests() if "services" not in m.path.relative_to(checks.K8S_DIR).parts]
    own = checks.load_manifests(checks.manifest_files(checks.K8S_DIR / "services" / service.folder))
    return shared + own


def _find(manifests, kind, name):
    return next(m for m in manifests if m.kind == kind and m.name == name)


def test_kubernetes_validate_ships_the_versions_we_check():
    import kubernetes_validate.utils as utils

    shipped = utils.all_versions()
    assert set(KUBERNETES_VERSIONS) <= set(shipped)


def test_there_are_manifests_for_every_service():
    folders = sorted(path.name for path in (checks.K8S_DIR / "services").iterdir() if path.is_dir())
    assert folders == sorted(svc.folder for svc in checks.SERVICES)
    console = checks.manifest_files(checks.K8S_DIR / "console")
    assert len(MANIFEST_FILES) == 3 + 9 * len(checks.SERVICES) + len(console)


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("path", MANIFEST_FILES,
                         ids=[str(path.relative_to(checks.K8S_DIR)) for path in MANIFEST_FILES])
def test_manifest_is_valid_against_the_kubernetes_schema(path, version):
    documents = checks.load_documents(path)
    assert documents, f"{path} holds no document"
    for document in documents:
        assert checks.kubernetes_schema_errors(document, version) == []


def test_kustomizations_list_existing_files_and_every_manifest_is_listed():
    assert checks.kustomization_problems() == []


def test_kustomizations_put_everything_in_the_salesloop_namespace():
    for path in checks.kustomization_files():
        assert checks.load_yaml(path)["namespace"] == "salesloop", path
    for manifest in _manifests():
        namespace = manifest.document["metadata"].get("namespace")
        assert namespace in (None, "salesloop"), str(manifest)


@pytest.mark.parametrize("service", checks.SERVICES, ids=checks.SERVICE_IDS)
def test_each_department_pins_its_own_image_tag(service):
    # Tags live in the service's kustomization only: a tag in the top-level one
    # would override the department's release on every platform-wide apply.
    own = checks.load_yaml(checks.K8S_DIR / "services" / service.folder / "kustomization.yaml")
    assert [image["name"] for image in own["images"]] == [service.image]
    assert own["images"][0]["newTag"]
    assert "images" not in checks.load_yaml(checks.K8S_DIR / "kustomization.yaml")


@pytest.mark.parametrize("service", checks.SERVICES, ids=checks.SERVICE_IDS)
def test_service_objects_exist_and_fit_together(service):
    assert checks.kubernetes_service_problems(_service_manifests(service), service) == []


def test_shared_config_carries_the_configuration_contract():
    assert checks.kubernetes_config_problems(_manifests()) == []


def test_namespace_enforces_the_restricted_pod_security_standard():
    namespace = _find(_manifests(), "Namespace", "salesloop")
    assert namespace.document["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_secrets_hold_placeholders_only():
    for manifest in _manifests():
        if manifest.kind == "Secret":
            values = manifest.document.get("stringData", {}).values()
            assert all("REPLACE_ME" in value for value in values), str(manifest)
            assert "data" not in manifest.document, str(manifest)


def test_relays_run_once_and_nothing_scales_them():
    manifests = _manifests()
    for svc in checks.SERVICES:
        relay = _find(manifests, "Deployment", f"{svc.folder}-relay")
        assert relay.document["spec"]["replicas"] == 1
        assert relay.document["spec"]["strategy"] == {"type": "Recreate"}
    targets = [m.document["spec"]["scaleTargetRef"]["name"] for m in manifests
               if m.kind == "HorizontalPodAutoscaler"]
    assert sorted(targets) == sorted([f"{svc.folder}-{role}" for svc in checks.SERVICES
                                      for role in ("api", "worker")] + ["console"])


def test_autoscaled_deployments_leave_the_replica_count_to_the_autoscaler():
    for manifest in _manifests():
        if manifest.kind == "Deployment" and not manifest.name.endswith("-relay"):
            assert "replicas" not in manifest.document["spec"], str(manifest)


# ------------------------------------------------------------- broken copies

def _leads(kind: str, name: str) -> dict:
    return copy.deepcopy(_find(_manifests(), kind, name).document)


def _container(document: dict) -> dict:
    return document["spec"]["template"]["spec"]["containers"][0]


def _misspelt_probe(doc):
    container = _container(doc)
    container["readinesProbe"] = container.pop("readinessProbe")


SCHEMA_BREAKS = {
    "misspelt field": ("Deployment", "leads-api", _misspelt_probe,
                       "Additional properties are not allowed ('readinesProbe' was unexpected)"),
    "container without name": ("Deployment", "leads-worker", lambda doc: _container(doc).pop("name"),
                               "'name' is a required property"),
    "replicas as text": ("Deployment", "leads-relay", lambda doc: doc["spec"].update(replicas="one"),
                         "'one' is not of type 'integer'"),
    "HPA minReplicas as text": ("HorizontalPodAutoscaler", "leads-api",
                                lambda doc: doc["spec"].update(minReplicas="two"),
                                "'two' is not of type 'integer'"),
    "removed HPA API": ("HorizontalPodAutoscaler", "leads-api",
                        lambda doc: doc.update(apiVersion="autoscaling/v2beta2"),
                        "Couldn't find schema for kind HorizontalPodAutoscaler with api version "
                        "autoscaling/v2beta2"),
    "Service port as text": ("Service", "leads-api",
                             lambda doc: doc["spec"]["ports"][0].update(port="eighty"),
                             "'eighty' is not of type 'integer'"),
    "Job without template": ("Job", "leads-migrate", lambda doc: doc["spec"].pop("template"),
                             "'template' is a required property"),
}


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("case", sorted(SCHEMA_BREAKS))
def test_kubernetes_schema_rejects_a_broken_manifest(case, version):
    kind, name, mutate, expected = SCHEMA_BREAKS[case]
    document = _leads(kind, name)
    mutate(document)
    errors = checks.kubernetes_schema_errors(document, version)
    assert any(expected in error for error in errors), errors


def _replace(manifests, kind, name, mutate):
    out = []
    for manifest in manifests:
        if manifest.kind == kind and manifest.name == name:
            document = copy.deepcopy(manifest.document)
            mutate(document)
            manifest = checks.Manifest(manifest.path, document)
        out.append(manifest)
    return out


def _rename_relay_target(doc):
    doc["spec"]["scaleTargetRef"]["name"] = "leads-relay"


def _root_pod(doc):
    doc["spec"]["template"]["spec"]["securityContext"]["runAsUser"] = 0


SEMANTIC_BREAKS = {
    "two relays": ("Deployment", "leads-relay", lambda doc: doc["spec"].update(replicas=2),
                   "replicas is 2; the relay must run exactly once"),
    "rolling relay": ("Deployment", "leads-relay",
                      lambda doc: doc["spec"].update(strategy={"type": "RollingUpdate"}),
                      "a RollingUpdate would run two relays at once; use Recreate"),
    "no readiness probe": ("Deployment", "leads-api", lambda doc: _container(doc).pop("readinessProbe"),
                           "readinessProbe must GET /readyz, found None"),
    "liveness on readyz": ("Deployment", "leads-api",
                           lambda doc: _container(doc)["livenessProbe"]["httpGet"].update(path="/readyz"),
                           "livenessProbe must GET /healthz, found /readyz"),
    "HPA scales the relay": ("HorizontalPodAutoscaler", "leads-worker", _rename_relay_target,
                             "the relay must stay at one replica"),
    "HPA scales nothing": ("HorizontalPodAutoscaler", "leads-api",
                           lambda doc: doc["spec"]["scaleTargetRef"].update(name="leads-web"),
                           "scales Deployment/leads-web, which does not exist"),
    "root pod": ("Deployment", "leads-worker", _root_pod, "pod runs as uid 0"),
    "no memory limit": ("Job", "leads-migrate",
                        lambda doc: _container(doc)["resources"]["limits"].pop("memory"),
                        "no memory in resources.limits"),
    "privilege escalation": ("Deployment", "leads-api",
                             lambda doc: _container(doc)["securityContext"].update(allowPrivilegeEscalation=True),
                             "allowPrivilegeEscalation is not false"),
    "Service selects nothing": ("Service", "leads-api",
                                lambda doc: doc["spec"]["selector"].update({"app.kubernetes.io/component": "web"}),
                                "selects no api pod"),
    "wrong target port": ("Service", "leads-api",
                          lambda doc: doc["spec"]["ports"][0].update(targetPort=8080),
                          "targetPort 8080 is not an api port"),
    "another service's database": (
        "Deployment", "leads-worker",
        lambda doc: _container(doc)["env"][0]["valueFrom"]["secretKeyRef"].update(name="deals-database"),
        "DATABASE_URL reads missing secret key deals-database/DATABASE_URL"),
    "wrong role": ("Job", "leads-migrate", lambda doc: _container(doc).update(args=["api"]),
                   "args ['api'], expected ['migrate']"),
}


@pytest.mark.parametrize("case", sorted(SEMANTIC_BREAKS))
def test_consistency_check_rejects_a_broken_manifest(case):
    kind, name, mutate, expected = SEMANTIC_BREAKS[case]
    manifests = _replace(_service_manifests(checks.SERVICES[0]), kind, name, mutate)
    problems = checks.kubernetes_service_problems(manifests, checks.SERVICES[0])
    assert any(expected in problem for problem in problems), problems


def test_consistency_check_rejects_a_service_without_its_migration_job():
    manifests = [m for m in _service_manifests(checks.SERVICES[0]) if m.kind != "Job"]
    assert "missing Job/leads-migrate" in checks.kubernetes_service_problems(manifests, checks.SERVICES[0])


def test_config_check_rejects_development_mode_and_secrets_in_configmaps():
    def develop(doc):
        doc["data"]["SALESLOOP_ENV"] = "development"
        doc["data"]["JWT_SECRET"] = "x" * 40

    manifests = _replace(_manifests(), "ConfigMap", "salesloop-config", develop)
    problems = checks.kubernetes_config_problems(manifests)
    assert "salesloop-config does not run in production mode" in problems
    assert any("secret-looking key in a ConfigMap" in problem for problem in problems)


@pytest.fixture
def k8s_copy(tmp_path):
    target = tmp_path / "k8s"
    shutil.copytree(checks.K8S_DIR, target)
    return target


def test_kustomization_check_rejects_a_missing_resource(k8s_copy):
    (k8s_copy / "services" / "kpi" / "hpa.yaml").unlink()
    assert checks.kustomization_problems(k8s_copy) == [
        "services/kpi/kustomization.yaml lists hpa.yaml, which does not exist"]


def test_kustomization_check_rejects_a_manifest_nobody_applies(k8s_copy):
    (k8s_copy / "services" / "kpi" / "networkpolicy.yaml").write_text(
        yaml.safe_dump({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}))
    assert checks.kustomization_problems(k8s_copy) == [
        "services/kpi/networkpolicy.yaml is not listed in any kustomization"]
