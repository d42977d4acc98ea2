"""deploy/compose.yaml, deploy/env.example and the other YAML files under deploy/."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from bot.config import Settings, load_settings
from tests.deploy.support import (
    CHART,
    COMPOSE,
    DEPLOY,
    ENV_EXAMPLE,
    ROOT,
    env_example_entries,
    settings_aliases,
)
from tests.deploy.test_docker import parse_dockerfile

SECRET_WORDS = ("SECRET", "TOKEN", "PASSWORD")


def _yaml_files() -> list[str]:
    templates = CHART / "templates"
    return sorted(
        str(path.relative_to(ROOT))
        for pattern in ("*.yaml", "*.yml")
        for path in DEPLOY.rglob(pattern)
        if templates not in path.parents
    )


@pytest.mark.parametrize("name", _yaml_files())
def test_yaml_file_parses(name: str) -> None:
    documents = list(yaml.safe_load_all((ROOT / name).read_text()))

    assert documents and all(isinstance(doc, dict) for doc in documents), name


def test_the_files_this_suite_relies_on_are_among_them() -> None:
    names = set(_yaml_files())
    for expected in (
        "deploy/compose.yaml",
        "deploy/slack/manifest.yml",
        "deploy/helm/empathybot/Chart.yaml",
        "deploy/helm/empathybot/values.yaml",
    ):
        assert expected in names


def test_json_files_parse() -> None:
    for path in DEPLOY.rglob("*.json"):
        assert isinstance(json.loads(path.read_text()), dict), path


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def test_postgres_is_checked_and_keeps_its_data_in_a_named_volume(
    compose: dict[str, Any],
) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"] == "postgres:16-alpine"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume, _, target = postgres["volumes"][0].partition(":")
    assert target == "/var/lib/postgresql/data"
    assert volume in compose["volumes"]
    assert "ports" not in postgres


def test_migrate_runs_once_after_postgres_is_healthy(compose: dict[str, Any]) -> None:
    migrate = compose["services"]["migrate"]
    assert migrate["command"] == ["db", "upgrade"]
    assert migrate["restart"] == "no"  # the string: a bare `no` would be YAML false
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_bot_starts_after_a_successful_migration(compose: dict[str, Any]) -> None:
    bot = compose["services"]["bot"]
    assert bot["command"] == ["serve"]
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "3000:3000" in bot["ports"]


@pytest.mark.parametrize("service", ["migrate", "bot"])
def test_bot_containers_share_image_env_file_and_database(
    compose: dict[str, Any], service: str
) -> None:
    spec = compose["services"][service]
    assert spec["image"] == compose["services"]["bot"]["image"]
    assert (ROOT / "deploy" / spec["build"]["context"] / spec["build"]["dockerfile"]).is_file()
    assert spec["env_file"] == [".env"]
    url = spec["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://empathybot:${POSTGRES_PASSWORD")
    assert url.endswith("@postgres:5432/empathybot")
    assert spec["read_only"] is True and "/tmp" in spec["tmpfs"]


def test_compose_uses_only_documented_variables() -> None:
    text = re.sub(r"\$\$", "", COMPOSE.read_text())
    used = set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))
    documented = {name for entries in env_example_entries().values() for name, *_ in entries}

    assert used, "expected ${POSTGRES_PASSWORD} at least"
    assert used <= documented, used - documented


def test_env_example_lists_exactly_the_bot_settings() -> None:
    listed = [name for name, *_ in env_example_entries()["settings"]]

    assert len(listed) == len(set(listed)), "a setting is listed twice"
    assert set(listed) == settings_aliases()


def test_compose_only_variables_are_not_bot_settings() -> None:
    entries = env_example_entries()
    compose_only = {name for name, *_ in entries["compose"]}

    assert entries["preamble"] == []
    assert compose_only == {"POSTGRES_PASSWORD"}
    assert not compose_only & settings_aliases()


def test_every_variable_has_a_comment_and_secrets_are_blank() -> None:
    lines = ENV_EXAMPLE.read_text().splitlines()
    for entries in env_example_entries().values():
        for name, value, commented, number in entries:
            assert lines[number - 2].startswith("# "), f"{name} (line {number}) has no comment"
            if any(word in name for word in SECRET_WORDS) or name == "EMPATHYBOT_SECRET_KEY":
                assert value == "" and not commented, f"{name} must be left blank"


def _effective_defaults() -> dict[str, str | None]:
    """What applies when a variable is unset in the container: image ENV, else the code."""
    image_env = parse_dockerfile()[1][-1].env()
    defaults: dict[str, str | None] = {}
    for field in Settings.model_fields.values():
        name = str(field.validation_alias.choices[0])  # type: ignore[union-attr]
        default = field.default
        shown = None if default is None else str(getattr(default, "value", default))
        defaults[name] = image_env.get(name, shown)
    return defaults


def test_commented_out_values_are_the_defaults_that_apply() -> None:
    defaults = _effective_defaults()
    for name, value, commented, _number in env_example_entries()["settings"]:
        expected = defaults[name]
        if not commented or expected is None:
            continue  # a value to fill in, or an example of a setting without a default
        if _numeric(value) and _numeric(expected):
            assert float(value) == float(expected), name
        else:
            assert value == expected, name


def _numeric(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def test_every_value_shown_is_accepted_by_the_bot() -> None:
    environ = {
        name: value for name, value, _commented, _ in env_example_entries()["settings"] if value
    }
    environ.setdefault("EMPATHYBOT_SECRET_KEY", "k" * 40)

    settings = load_settings(environ)

    assert settings.resolved_database_url.startswith("postgresql+psycopg://")
