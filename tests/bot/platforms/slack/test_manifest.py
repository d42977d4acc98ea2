"""The app manifest asks for exactly the scopes and events the code uses."""

from __future__ import annotations

import ast
from pathlib import Path

import yaml

from bot.platforms.slack.scopes import BOT_SCOPES, COMMAND_SCOPES, EVENT_SCOPES, METHOD_SCOPES

ROOT = Path(__file__).resolve().parents[4]
MANIFEST = ROOT / "deploy" / "slack" / "manifest.yml"
CALLED_BY_BOLT = {"auth_test"}
"""Methods bolt itself calls (token verification)."""


def _manifest() -> dict[str, object]:
    return yaml.safe_load(MANIFEST.read_text())


def _web_api_calls() -> set[str]:
    """Every ``<something>client.<method>(...)`` call in the bot's source."""
    names: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Attribute | ast.Name)
            ):
                owner = node.func.value
                owner_name = owner.attr if isinstance(owner, ast.Attribute) else owner.id
                if owner_name in {"client", "_client"}:
                    names.add(node.func.attr)
    return names


def test_manifest_scopes_are_exactly_those_the_code_needs() -> None:
    scopes = _manifest()["oauth_config"]["scopes"]["bot"]  # type: ignore[index]

    assert sorted(scopes) == sorted(BOT_SCOPES)


def test_every_web_api_call_has_a_known_scope_and_every_scope_is_used() -> None:
    calls = _web_api_calls()

    assert calls <= set(METHOD_SCOPES), calls - set(METHOD_SCOPES)
    unused = set(METHOD_SCOPES) - calls - CALLED_BY_BOLT
    assert unused == set()


def test_events_and_command_match() -> None:
    manifest = _manifest()
    events = manifest["settings"]["event_subscriptions"]["bot_events"]  # type: ignore[index]
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]  # type: ignore[index]

    assert sorted(events) == sorted(EVENT_SCOPES)
    assert commands == list(COMMAND_SCOPES)
