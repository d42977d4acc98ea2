"""The services and the pure package stay platform-neutral: no chat SDK imports.

Platform adapters (``bot/platforms/<name>/``) translate payloads into neutral events and
neutral messages into payloads; everything inward of them must work for any platform.
The check reads the source (every ``import`` and ``from ... import``, also inside
functions and ``TYPE_CHECKING`` blocks), so an import cannot hide from it by being lazy.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NEUTRAL = ("bot/services", "nudges")
PLATFORM_SDKS = ("slack_bolt", "slack_sdk", "microsoft_agents")


def imported_modules(source: str) -> set[str]:
    """Every module a Python source imports, absolute names only."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def sdk_imports(source: str) -> set[str]:
    """The chat-SDK modules among a source's imports."""
    return {module for module in imported_modules(source) if module.split(".")[0] in PLATFORM_SDKS}


def _neutral_modules() -> list[Path]:
    return sorted(path for folder in NEUTRAL for path in (ROOT / folder).rglob("*.py"))


def test_there_are_modules_to_check() -> None:
    names = {path.relative_to(ROOT).as_posix() for path in _neutral_modules()}

    assert {"bot/services/commands.py", "bot/services/listening.py", "nudges/engine.py"} <= names


@pytest.mark.parametrize(
    "path", _neutral_modules(), ids=lambda path: path.relative_to(ROOT).as_posix()
)
def test_no_chat_sdk_is_imported(path: Path) -> None:
    assert sdk_imports(path.read_text(encoding="utf-8")) == set()


@pytest.mark.parametrize(
    "source",
    [
        "import slack_sdk",
        "from slack_bolt.async_app import AsyncApp",
        "def lazy():\n    import microsoft_agents.hosting.core as core\n",
        "if TYPE_CHECKING:\n    from slack_sdk.web import WebClient\n",
        "import os, microsoft_agents.activity",
    ],
)
def test_the_check_catches_every_form_of_import(source: str) -> None:
    assert sdk_imports(source) != set()


def test_the_check_ignores_look_alikes() -> None:
    assert (
        sdk_imports("import slack_helpers\nfrom .slack_sdk import x\nmicrosoft_agents = 1\n")
        == set()
    )
