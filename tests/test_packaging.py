"""The installed distribution carries its data files (migrations, content)."""

from __future__ import annotations

from importlib import metadata

import pytest


def _installed_files() -> set[str]:
    try:
        files = metadata.files("empathy-nudge-bot")
    except metadata.PackageNotFoundError:
        pytest.skip("empathy-nudge-bot is not installed")
    if not files or not any(str(path).startswith("bot/") for path in files):
        pytest.skip("installed in editable mode: files are read from the source tree")
    return {str(path) for path in files}


def test_distribution_includes_migrations() -> None:
    files = _installed_files()

    assert "bot/store/migrations/env.py" in files
    assert "bot/store/migrations/script.py.mako" in files
    assert any(name.startswith("bot/store/migrations/versions/0001_") for name in files)


def test_distribution_includes_content() -> None:
    files = _installed_files()

    assert any(name.startswith("nudges/content/") and name.endswith(".yaml") for name in files)
