"""One typed Settings object, read once from the environment.

Nothing else in the project reads ``os.environ``: components receive the values they need
from :class:`Settings`. An invalid environment is reported as one line naming the variable
and the problem (:class:`ConfigError`); the CLI turns that into exit code 2.
"""

from __future__ import annotations

import os
import secrets
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError
from nudges.privacy import DEFAULT_MIN_GROUP_SIZE, MIN_GROUP_SIZE_FLOOR


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def default_data_dir() -> Path:
    """Where the default SQLite database (and a development key) live.

    ``$XDG_DATA_HOME/empathybot``, falling back to ``~/.local/share/empathybot``.
    """
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "empathybot"


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class Settings(BaseSettings):
    """Every setting the bot reads. The README's configuration table mirrors this class."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, populate_by_name=False)

    env: Annotated[Environment, Field(validation_alias=_env("EMPATHYBOT_ENV"))] = (
        Environment.DEVELOPMENT
    )
    database_url: Annotated[str | None, Field(validation_alias=_env("DATABASE_URL"))] = None
    secret_key: Annotated[
        SecretStr | None, Field(validation_alias=_env("EMPATHYBOT_SECRET_KEY"))
    ] = None
    min_group_size: Annotated[int, Field(validation_alias=_env("EMPATHYBOT_MIN_GROUP_SIZE"))] = (
        DEFAULT_MIN_GROUP_SIZE
    )
    policy_version: Annotated[
        str, Field(validation_alias=_env("EMPATHYBOT_POLICY_VERSION"), max_length=32)
    ] = "2026-11"

    support_file: Annotated[
        Path | None, Field(validation_alias=_env("EMPATHYBOT_SUPPORT_FILE"))
    ] = None
    checkin_retention_days: Annotated[
        int, Field(validation_alias=_env("EMPATHYBOT_CHECKIN_RETENTION_DAYS"), ge=7, le=3650)
    ] = 180
    event_retention_days: Annotated[
        int, Field(validation_alias=_env("EMPATHYBOT_EVENT_RETENTION_DAYS"), ge=1, le=90)
    ] = 7
    grace_hours: Annotated[
        float, Field(validation_alias=_env("EMPATHYBOT_GRACE_HOURS"), gt=0, le=48)
    ] = 6.0

    slack_bot_token: Annotated[
        SecretStr | None, Field(validation_alias=_env("SLACK_BOT_TOKEN"))
    ] = None
    slack_signing_secret: Annotated[
        SecretStr | None, Field(validation_alias=_env("SLACK_SIGNING_SECRET"))
    ] = None
    slack_app_token: Annotated[
        SecretStr | None, Field(validation_alias=_env("SLACK_APP_TOKEN"))
    ] = None
    slack_client_id: Annotated[str | None, Field(validation_alias=_env("SLACK_CLIENT_ID"))] = None
    slack_client_secret: Annotated[
        SecretStr | None, Field(validation_alias=_env("SLACK_CLIENT_SECRET"))
    ] = None
    slack_api_url: Annotated[str | None, Field(validation_alias=_env("SLACK_API_URL"))] = None

    teams_app_id: Annotated[str | None, Field(validation_alias=_env("TEAMS_APP_ID"))] = None
    teams_app_password: Annotated[
        SecretStr | None, Field(validation_alias=_env("TEAMS_APP_PASSWORD"))
    ] = None
    teams_tenant_id: Annotated[str | None, Field(validation_alias=_env("TEAMS_TENANT_ID"))] = None

    port: Annotated[int, Field(validation_alias=_env("PORT"), ge=1, le=65535)] = 3000
    log_level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"],
        Field(validation_alias=_env("LOG_LEVEL")),
    ] = "INFO"
    log_format: Annotated[Literal["text", "json"], Field(validation_alias=_env("LOG_FORMAT"))] = (
        "text"
    )

    @field_validator("min_group_size")
    @classmethod
    def _group_floor(cls, value: int) -> int:
        if value < MIN_GROUP_SIZE_FLOOR:
            raise ValueError(
                f"must be at least {MIN_GROUP_SIZE_FLOOR}; smaller groups would expose individuals"
            )
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql:// URL")
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database to use: ``DATABASE_URL`` or the default SQLite file."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{default_data_dir() / 'empathybot.db'}"

    def secret_key_bytes(self) -> bytes:
        """The key behind pseudonyms and token encryption.

        Production requires ``EMPATHYBOT_SECRET_KEY``. In development a random key is made
        once and kept (mode 0600) beside the default database, so local data stays readable
        across runs without anybody choosing a weak key.
        """
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        if self.env is Environment.PRODUCTION:
            raise ConfigError("EMPATHYBOT_SECRET_KEY: required when EMPATHYBOT_ENV=production")
        key_file = default_data_dir() / "dev-secret.key"
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return key_file.read_text().strip().encode()


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever driver the URL names (or none)."""
    for prefix in ("postgresql://", "postgres://", "postgresql+psycopg2://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


_MIN_SECRET_LENGTH = 32


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read and check the configuration; raise :class:`ConfigError` with one clear line."""
    source = dict(os.environ if environ is None else environ)
    # An empty variable means "not set", as in most twelve-factor tools.
    cleaned = {key: value for key, value in source.items() if value != ""}
    try:
        settings = Settings.model_validate(cleaned)
    except ValidationError as exc:
        raise ConfigError(_describe(exc)) from None
    if settings.support_file is not None and not settings.support_file.is_file():
        raise ConfigError(f"EMPATHYBOT_SUPPORT_FILE: no such file {settings.support_file}")
    if settings.env is Environment.PRODUCTION:
        if settings.secret_key is None:
            raise ConfigError("EMPATHYBOT_SECRET_KEY: required when EMPATHYBOT_ENV=production")
        if len(settings.secret_key.get_secret_value()) < _MIN_SECRET_LENGTH:
            raise ConfigError(
                f"EMPATHYBOT_SECRET_KEY: must be at least {_MIN_SECRET_LENGTH} characters"
            )
    return settings


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    field = str(error["loc"][0]) if error["loc"] else ""
    info = Settings.model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    name = alias.choices[0] if isinstance(alias, AliasChoices) else field
    message = str(error["msg"]).removeprefix("Value error, ")
    value = error.get("input")
    shown = "" if "SECRET" in str(name) or "TOKEN" in str(name) else f" (got {value!r})"
    return f"{name}: {message}{shown}"
