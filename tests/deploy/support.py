"""Paths and small parsers shared by the deployment tests."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / "env.example"
CHART = DEPLOY / "helm" / "empathybot"

SETTINGS_HEADER = "# Bot settings:"
COMPOSE_HEADER = "# Compose only:"
_ENV_LINE = re.compile(r"^(#?)([A-Z][A-Z0-9_]*)=(.*)$")


def settings_aliases() -> set[str]:
    """Every environment variable bot/config.py reads (the validation aliases)."""
    from pydantic import AliasChoices

    from bot.config import Settings

    names: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        assert isinstance(alias, AliasChoices), field
        names.update(str(choice) for choice in alias.choices)
    return names


def env_example_entries() -> dict[str, list[tuple[str, str, bool, int]]]:
    """env.example by section: (name, value, commented_out, line_number) per variable."""
    sections: dict[str, list[tuple[str, str, bool, int]]] = {"preamble": []}
    current = "preamble"
    for number, line in enumerate(ENV_EXAMPLE.read_text().splitlines(), start=1):
        if line.startswith(SETTINGS_HEADER):
            current = "settings"
            sections[current] = []
        elif line.startswith(COMPOSE_HEADER):
            current = "compose"
            sections[current] = []
        match = _ENV_LINE.match(line)
        if match:
            commented, name, value = match.groups()
            sections[current].append((name, value, commented == "#", number))
    return sections
