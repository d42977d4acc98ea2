"""Configuration: typed, checked, and refused in one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import Environment, Settings, load_settings
from bot.errors import ConfigError


def test_defaults_are_safe_for_development() -> None:
    settings = load_settings({})

    assert settings.env is Environment.DEVELOPMENT
    assert settings.min_group_size == 5
    assert settings.port == 3000
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.resolved_database_url.endswith("empathybot/empathybot.db")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"EMPATHYBOT_MIN_GROUP_SIZE": "2"}, "EMPATHYBOT_MIN_GROUP_SIZE: must be at least 3"),
        ({"EMPATHYBOT_MIN_GROUP_SIZE": "five"}, "EMPATHYBOT_MIN_GROUP_SIZE: Input should be"),
        ({"PORT": "70000"}, "PORT: Input should be less than or equal to 65535"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT: Input should be 'text' or 'json'"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL: must be a sqlite:/// or postgresql://"),
        ({"EMPATHYBOT_ENV": "production"}, "EMPATHYBOT_SECRET_KEY: required when"),
        (
            {"EMPATHYBOT_ENV": "production", "EMPATHYBOT_SECRET_KEY": "short"},
            "EMPATHYBOT_SECRET_KEY: must be at least 32 characters",
        ),
    ],
)
def test_invalid_configuration_names_the_variable(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)

    message = str(caught.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_secret_values_are_never_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"EMPATHYBOT_ENV": "production", "EMPATHYBOT_SECRET_KEY": "hunter2"})

    assert "hunter2" not in str(caught.value)


def test_min_group_size_of_three_is_allowed() -> None:
    assert load_settings({"EMPATHYBOT_MIN_GROUP_SIZE": "3"}).min_group_size == 3


def test_postgres_urls_use_psycopg3() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://bot@db:5432/bot"})

    assert settings.resolved_database_url == "postgresql+psycopg://bot@db:5432/bot"


def test_development_key_is_generated_once_and_kept() -> None:
    settings = Settings()

    first = settings.secret_key_bytes()

    assert len(first) >= 48
    assert Settings().secret_key_bytes() == first


def test_production_never_generates_a_key() -> None:
    settings = Settings.model_validate({"EMPATHYBOT_ENV": "production"})

    with pytest.raises(ConfigError, match="EMPATHYBOT_SECRET_KEY"):
        settings.secret_key_bytes()


def test_hr_support_resources_replace_the_default(tmp_path: Path) -> None:
    from bot.wiring import build_services

    support = tmp_path / "support.yaml"
    support.write_text(
        "en:\n"
        "  title: Help is here\n"
        "  intro: Only you can see this. Our EAP is free and confidential.\n"
        "  resources:\n"
        "    - {label: Acme EAP, detail: 'Call 0800 000 000, any time', url: 'https://eap.example'}\n"
        "  closing: Take care.\n"
    )
    settings = load_settings(
        {"EMPATHYBOT_SUPPORT_FILE": str(support), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    )

    services = build_services(settings)

    assert services.library.support("en").title == "Help is here"
    assert services.library.support("de").title != "Help is here"  # German default stays
    services.store.dispose()


def test_invalid_support_file_is_a_one_line_config_error(tmp_path: Path) -> None:
    from bot.wiring import build_services

    support = tmp_path / "support.yaml"
    support.write_text("en:\n  title: Missing everything else\n")
    settings = load_settings(
        {"EMPATHYBOT_SUPPORT_FILE": str(support), "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"}
    )

    with pytest.raises(ConfigError, match=r"EMPATHYBOT_SUPPORT_FILE: .*support\.yaml"):
        build_services(settings)
    with pytest.raises(ConfigError, match="no such file"):
        load_settings({"EMPATHYBOT_SUPPORT_FILE": str(tmp_path / "missing.yaml")})
