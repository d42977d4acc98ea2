"""The Helm chart in deploy/helm/empathybot.

Two kinds of checks:

* Static ones always run: Chart.yaml and values.yaml parse, every value is documented in
  values.yaml and in the chart README, templates use only values that exist, every
  setting of bot/config.py can be set through the ConfigMap or the Secret.
* Rendered ones need Helm itself: the `helm` command on PATH, or else the
  ``helm_python`` module (PyPI: helm-python-sdk, Helm's Go SDK as a library). Without
  either they are skipped: templates are never rendered by anything but Helm. Rendered
  objects are then validated against the Kubernetes JSON schemas shipped by the
  ``kubernetes-validate`` package when it is installed (skipped otherwise).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from bot.cli import app
from bot.config import Settings
from tests.deploy.support import CHART, ROOT, settings_aliases

VALUES = CHART / "values.yaml"
TEMPLATES = CHART / "templates"
README = CHART / "README.md"

RELEASE = "rel"
NAMESPACE = "bots"
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion). Rendered objects are
# checked against the schemas of this version and of the newest kubernetes-validate knows.
KUBE_MIN = "1.25.0"

REQUIRED = {
    "secrets": {
        "secretKey": "s" * 48,
        "databaseUrl": "postgresql://empathybot:pw@db.internal:5432/empathybot",
    }
}


def _values() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(VALUES.read_text())
    return loaded


def _leaves(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted paths of values.yaml's leaves (an empty map or a list is a leaf)."""
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _leaves(value, path + ".")
        else:
            yield path, value


# ---------------------------------------------------------------------------------------
# static checks


def test_chart_metadata() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    assert chart["apiVersion"] == "v2"
    assert chart["name"] == "empathybot"
    assert chart["type"] == "application"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
    assert chart["appVersion"] == project["version"]
    assert chart["kubeVersion"] == f">={KUBE_MIN}-0"


def test_every_value_has_a_comment() -> None:
    lines = VALUES.read_text().splitlines()
    key = re.compile(r"^\s*(- )?[A-Za-z0-9_.\"/-]+:(\s|$)")
    for number, line in enumerate(lines):
        if not key.match(line) or line.lstrip().startswith("#"):
            continue
        previous = lines[number - 1].strip() if number else ""
        assert previous.startswith("#") or " # " in line, (
            f"values.yaml line {number + 1} has no comment: {line.strip()}"
        )


def test_readme_table_lists_every_value_and_nothing_else() -> None:
    rows = re.findall(r"^\| `([A-Za-z0-9_.]+)` \|", README.read_text(), flags=re.MULTILINE)
    leaves = [path for path, _ in _leaves(_values())]

    assert len(rows) == len(set(rows))
    assert set(rows) == set(leaves)


def test_readme_explains_operations() -> None:
    text = README.read_text()
    for heading in (
        "## Values",
        "## The scheduler: one leader, any number of replicas",
        "## Upgrades",
        "## Backups",
        "## Scaling past one machine",
    ):
        assert heading in text
    assert "advisory lock" in text and "pg_dump" in text and "pre-upgrade" in text


def _resolves(tree: Any, path: str) -> bool:
    for part in path.split("."):
        if not isinstance(tree, dict) or part not in tree:
            return False
        tree = tree[part]
    return True


def _template_text() -> str:
    return "\n".join(path.read_text() for path in sorted(TEMPLATES.iterdir()))


def test_templates_use_only_values_that_exist() -> None:
    used = set(re.findall(r"\.Values\.([A-Za-z0-9_.]+)", _template_text()))
    values = _values()

    assert used
    assert not {path for path in used if not _resolves(values, path)}


def test_every_value_is_used_by_a_template() -> None:
    text = _template_text()
    unused = []
    for path, _ in _leaves(_values()):
        parts = path.split(".")
        # A value may be used through a parent, for example toYaml .Values.web.resources.
        prefixes = {".".join(parts[:end]) for end in range(1, len(parts) + 1)}
        if not any(re.search(rf"\.Values\.{re.escape(p)}\b", text) for p in prefixes):
            unused.append(path)
    assert unused == []


def _keys_set_by(template: str) -> set[str]:
    return set(re.findall(r"^\s+([A-Z][A-Z0-9_]+):", (TEMPLATES / template).read_text(), re.M))


def test_configmap_and_secret_can_set_every_setting_and_nothing_else() -> None:
    configmap = _keys_set_by("configmap.yaml")
    secret = _keys_set_by("secret.yaml")

    assert configmap | secret == settings_aliases()
    assert not configmap & secret
    for name in secret:
        assert name in {"DATABASE_URL", "EMPATHYBOT_SECRET_KEY"} or re.search(
            "TOKEN|SECRET|PASSWORD", name
        ), name
    for name in configmap:
        assert not re.search("TOKEN|SECRET|PASSWORD", name), name


def test_config_defaults_match_the_bot() -> None:
    """The chart's defaults are the bot's, except production and JSON logs (as the image)."""
    config = _values()["config"]
    aliases = {
        "environment": "env",
        "minGroupSize": "min_group_size",
        "policyVersion": "policy_version",
        "checkinRetentionDays": "checkin_retention_days",
        "eventRetentionDays": "event_retention_days",
        "graceHours": "grace_hours",
        "logLevel": "log_level",
        "logFormat": "log_format",
        "slackClientId": "slack_client_id",
        "slackApiUrl": "slack_api_url",
        "teamsAppId": "teams_app_id",
        "teamsTenantId": "teams_tenant_id",
    }
    overrides = {"environment": "production", "logFormat": "json"}

    assert set(config) == set(aliases)
    for key, field in aliases.items():
        default = Settings.model_fields[field].default
        expected = overrides.get(key, "" if default is None else getattr(default, "value", default))
        assert config[key] == expected, key


# ---------------------------------------------------------------------------------------
# rendering, through Helm only


class RenderError(Exception):
    """Helm refused to render (a `required` or `fail` in a template, or a template bug)."""


def _renderer() -> str | None:
    if shutil.which("helm"):
        return "helm"
    try:
        import helm_python  # noqa: F401
    except ImportError:
        return None
    return "helm_python"


RENDERER = _renderer()
needs_helm = pytest.mark.skipif(
    RENDERER is None,
    reason="Helm is not available: neither the `helm` command nor the helm_python module "
    "(PyPI helm-python-sdk); rendered-chart checks need real Helm",
)


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


@cache
def _render_text(values_json: str) -> tuple[tuple[str, str], ...]:
    values = json.loads(values_json)
    if RENDERER == "helm":
        helm = shutil.which("helm")
        assert helm is not None
        result = subprocess.run(
            [helm, "template", RELEASE, str(CHART), "--namespace", NAMESPACE,
             "--kube-version", KUBE_MIN, "--values", "-"],
            input=values_json, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RenderError(result.stderr)
        return (("helm template", result.stdout),)
    import helm_python

    try:
        with helm_python.Chart.load(str(CHART)) as chart:
            files = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    except helm_python.HelmError as exc:
        raise RenderError(str(exc)) from exc
    return tuple(sorted(files.items()))


def render(extra: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The chart's objects for REQUIRED plus ``extra``, rendered by Helm."""
    values = _deep_merge(REQUIRED, extra or {})
    objects: list[dict[str, Any]] = []
    for name, text in _render_text(json.dumps(values, sort_keys=True)):
        if name.endswith("NOTES.txt"):
            continue
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    found: dict[str, Any] = containers[0]
    return found


SCENARIOS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "in-process scheduler": {"scheduler": {"separate": False}, "web": {"replicas": 3}},
    "existing secret, ingress, narrowed network": {
        "secrets": {"existingSecret": "empathybot-settings", "secretKey": "", "databaseUrl": ""},
        "scheduler": {"replicas": 2},
        "ingress": {
            "enabled": True,
            "className": "nginx",
            "hosts": ["bot.example.com"],
            "tls": [{"secretName": "bot-tls", "hosts": ["bot.example.com"]}],
        },
        "networkPolicy": {
            "ingressFrom": [
                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress"}}}
            ],
            "postgresTo": [{"ipBlock": {"cidr": "10.20.0.0/16"}}],
            "extraEgress": [{"ports": [{"port": 3128, "protocol": "TCP"}]}],
        },
        "extraEnv": [{"name": "HTTPS_PROXY", "value": "http://proxy:3128"}],
        "podAnnotations": {"prometheus.io/scrape": "true"},
        "imagePullSecrets": ["registry"],
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": [{"key": "bots", "operator": "Exists", "effect": "NoSchedule"}],
        "serviceAccountName": "empathybot",
        "config": {"slackClientId": "123.456", "teamsAppId": "00000000-0000-0000-0000-0000"},
    },
    "optional parts off": {
        "migrations": {"enabled": False},
        "networkPolicy": {"enabled": False},
        "web": {"podDisruptionBudget": {"enabled": False}, "spreadAcrossNodes": False},
        "secrets": {"slackBotToken": "xoxb-1", "slackSigningSecret": "s", "teamsAppPassword": "p"},
    },
}


@needs_helm
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_rendered_object_is_well_formed(scenario: str) -> None:
    objects = render(SCENARIOS[scenario])

    assert objects
    names = set()
    for obj in objects:
        assert {"apiVersion", "kind", "metadata"} <= set(obj), obj
        key = (obj["kind"], obj["metadata"]["name"])
        assert key not in names, f"duplicate {key}"
        names.add(key)
        assert len(obj["metadata"]["name"]) <= 63
        assert obj["metadata"]["labels"]["app.kubernetes.io/instance"] == RELEASE


def _kubernetes_validate() -> Any:
    return pytest.importorskip(
        "kubernetes_validate",
        reason="kubernetes-validate is not installed: no offline Kubernetes schemas",
    )


def _schema_versions(kubernetes_validate: Any) -> list[str]:
    """The oldest bundled schemas not older than KUBE_MIN, and the newest bundled."""
    from kubernetes_validate.utils import all_versions

    def key(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.split("."))

    bundled = sorted(set(all_versions()), key=key)
    oldest = next(v for v in bundled if key(v) >= key(KUBE_MIN))
    return sorted({oldest, kubernetes_validate.latest_version()}, key=key)


@needs_helm
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_rendered_objects_match_the_kubernetes_schemas(scenario: str) -> None:
    kubernetes_validate = _kubernetes_validate()
    versions = _schema_versions(kubernetes_validate)

    for obj in render(SCENARIOS[scenario]):
        for version in versions:
            try:
                # strict: unknown fields (a misspelt key) are errors too
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                name = f"{obj['kind']}/{obj['metadata']['name']}"
                pytest.fail(f"{name} is invalid for Kubernetes {version}: {exc.message}")


@needs_helm
def test_helm_lint_passes() -> None:
    if RENDERER == "helm":
        helm = shutil.which("helm")
        assert helm is not None
        result = subprocess.run(
            [helm, "lint", "--strict", str(CHART), "--values", "-"],
            input=json.dumps(REQUIRED), capture_output=True, text=True, timeout=120,
            check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        return
    import helm_python

    report = helm_python.lint(str(CHART), REQUIRED, strict=True, kube_version=f"v{KUBE_MIN}")
    problems = [m for m in report["messages"] if m["severity"] >= 2]  # warnings and errors
    assert report["errors"] == [] and problems == []


@needs_helm
def test_web_deployment() -> None:
    web = by_kind(render(), "Deployment")[f"{RELEASE}-empathybot-web"]
    spec = web["spec"]["template"]["spec"]
    main = container(web)

    assert web["spec"]["replicas"] == 2
    assert main["args"] == ["serve", "--no-scheduler"]
    assert main["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert main["ports"] == [{"name": "http", "containerPort": 3000, "protocol": "TCP"}]
    assert set(main["resources"]) == {"requests", "limits"}
    assert main["envFrom"] == [
        {"configMapRef": {"name": f"{RELEASE}-empathybot"}},
        {"secretRef": {"name": f"{RELEASE}-empathybot"}},
    ]
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert spec["topologySpreadConstraints"][0]["topologyKey"] == "kubernetes.io/hostname"


@needs_helm
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_pod_is_locked_down(scenario: str) -> None:
    objects = render(SCENARIOS[scenario])
    workloads = [o for o in objects if o["kind"] in {"Deployment", "Job"}]
    assert workloads
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == 10001
        assert pod["automountServiceAccountToken"] is False
        main = container(workload)
        security = main["securityContext"]
        assert security["readOnlyRootFilesystem"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        assert {"name": "tmp", "mountPath": "/tmp"} in main["volumeMounts"]
        assert any(v["name"] == "tmp" and "emptyDir" in v for v in pod["volumes"])


@needs_helm
def test_separate_scheduler_is_one_replica_running_the_scheduler_command() -> None:
    scheduler = by_kind(render(), "Deployment")[f"{RELEASE}-empathybot-scheduler"]

    assert scheduler["spec"]["replicas"] == 1
    assert container(scheduler)["args"] == ["scheduler"]
    assert container(scheduler)["livenessProbe"]["httpGet"]["path"] == "/healthz"


@needs_helm
def test_in_process_scheduler_has_no_scheduler_deployment() -> None:
    deployments = by_kind(render(SCENARIOS["in-process scheduler"]), "Deployment")

    assert set(deployments) == {f"{RELEASE}-empathybot-web"}
    assert container(deployments[f"{RELEASE}-empathybot-web"])["args"] == ["serve"]


@needs_helm
def test_every_rendered_command_is_a_real_cli_command() -> None:
    commands = set()
    for scenario in SCENARIOS.values():
        for obj in render(scenario):
            if obj["kind"] in {"Deployment", "Job"}:
                commands.add(tuple(container(obj)["args"]))
    assert commands == {("serve", "--no-scheduler"), ("serve",), ("scheduler",), ("db", "upgrade")}
    for args in commands:
        result = CliRunner().invoke(app, [*args, "--help"])
        assert result.exit_code == 0, (args, result.output)


@needs_helm
def test_service_sends_traffic_to_web_pods_only() -> None:
    objects = render()
    service = by_kind(objects, "Service")[f"{RELEASE}-empathybot"]
    web = by_kind(objects, "Deployment")[f"{RELEASE}-empathybot-web"]

    assert service["spec"]["selector"]["app.kubernetes.io/component"] == "web"
    pod_labels = web["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"


@needs_helm
def test_migration_job_is_a_pre_install_and_pre_upgrade_hook() -> None:
    objects = render()
    job = by_kind(objects, "Job")[f"{RELEASE}-empathybot-migrate"]
    hook_secret = by_kind(objects, "Secret")[f"{RELEASE}-empathybot-migrate"]

    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert container(job)["args"] == ["db", "upgrade"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # The Job's own Secret exists before the Job (lower weight) and is removed afterwards.
    annotations = hook_secret["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert int(annotations["helm.sh/hook-weight"]) < int(
        job["metadata"]["annotations"]["helm.sh/hook-weight"]
    )
    assert "hook-succeeded" in annotations["helm.sh/hook-delete-policy"]
    assert set(hook_secret["stringData"]) == {"DATABASE_URL", "EMPATHYBOT_SECRET_KEY"}
    assert container(job)["envFrom"] == [{"secretRef": {"name": f"{RELEASE}-empathybot-migrate"}}]


@needs_helm
def test_secret_and_configmap_hold_the_settings() -> None:
    objects = render(SCENARIOS["optional parts off"])
    secret = by_kind(objects, "Secret")[f"{RELEASE}-empathybot"]
    configmap = by_kind(objects, "ConfigMap")[f"{RELEASE}-empathybot"]

    assert secret["stringData"] == {
        "EMPATHYBOT_SECRET_KEY": REQUIRED["secrets"]["secretKey"],
        "DATABASE_URL": REQUIRED["secrets"]["databaseUrl"],
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "TEAMS_APP_PASSWORD": "p",
    }
    assert configmap["data"]["EMPATHYBOT_ENV"] == "production"
    assert configmap["data"]["PORT"] == "3000"
    assert all(isinstance(value, str) for value in configmap["data"].values())
    assert "SLACK_CLIENT_ID" not in configmap["data"]  # empty values are left out


@needs_helm
def test_existing_secret_replaces_the_charts_secrets() -> None:
    objects = render(SCENARIOS["existing secret, ingress, narrowed network"])

    assert by_kind(objects, "Secret") == {}
    for workload in [o for o in objects if o["kind"] in {"Deployment", "Job"}]:
        refs = [e["secretRef"]["name"] for e in container(workload)["envFrom"] if "secretRef" in e]
        assert refs == ["empathybot-settings"]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"secrets": {"secretKey": ""}}, "secrets.secretKey is required"),
        ({"secrets": {"secretKey": "short"}}, "at least 32 characters"),
        ({"secrets": {"databaseUrl": ""}}, "secrets.databaseUrl is required"),
        ({"ingress": {"enabled": True}}, "ingress.hosts"),
    ],
)
@needs_helm
def test_bad_values_are_refused_at_render_time(values: dict[str, Any], message: str) -> None:
    with pytest.raises(RenderError, match=re.escape(message)):
        render(values)


@needs_helm
def test_disruption_budget_keeps_one_web_pod() -> None:
    objects = render()
    budget = by_kind(objects, "PodDisruptionBudget")[f"{RELEASE}-empathybot-web"]

    assert budget["spec"]["minAvailable"] == 1
    assert budget["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"] == "web"
    assert by_kind(render(SCENARIOS["optional parts off"]), "PodDisruptionBudget") == {}


def _ports(rules: list[dict[str, Any]]) -> set[tuple[int, str]]:
    return {(p["port"], p["protocol"]) for rule in rules for p in rule.get("ports", [])}


@needs_helm
def test_network_policy_allows_http_in_and_dns_postgres_https_out() -> None:
    policy = by_kind(render(), "NetworkPolicy")[f"{RELEASE}-empathybot"]["spec"]

    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert set(policy["podSelector"]["matchLabels"]) == {
        "app.kubernetes.io/name",
        "app.kubernetes.io/instance",
    }
    assert _ports(policy["ingress"]) == {(3000, "TCP")}
    assert all("from" not in rule for rule in policy["ingress"])  # from anywhere
    assert _ports(policy["egress"]) == {(53, "UDP"), (53, "TCP"), (5432, "TCP"), (443, "TCP")}


@needs_helm
def test_network_policy_narrows_to_the_given_peers() -> None:
    scenario = SCENARIOS["existing secret, ingress, narrowed network"]
    policy = by_kind(render(scenario), "NetworkPolicy")[f"{RELEASE}-empathybot"]["spec"]

    assert policy["ingress"][0]["from"] == scenario["networkPolicy"]["ingressFrom"]
    postgres = [r for r in policy["egress"] if _ports([r]) == {(5432, "TCP")}]
    assert postgres[0]["to"] == scenario["networkPolicy"]["postgresTo"]
    assert (3128, "TCP") in _ports(policy["egress"])


@needs_helm
def test_ingress_exposes_only_the_platform_paths() -> None:
    scenario = SCENARIOS["existing secret, ingress, narrowed network"]
    ingress = by_kind(render(scenario), "Ingress")[f"{RELEASE}-empathybot"]["spec"]
    paths = [p["path"] for rule in ingress["rules"] for p in rule["http"]["paths"]]

    assert ingress["ingressClassName"] == "nginx"
    assert [rule["host"] for rule in ingress["rules"]] == ["bot.example.com"]
    assert paths == ["/slack/events", "/slack/install", "/slack/oauth_redirect", "/api/messages"]
    assert by_kind(render(), "Ingress") == {}
