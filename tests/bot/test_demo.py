"""The main job: ``empathybot demo`` through the real pipeline, checked from its outputs."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.demo import SLIDE_FROM
from bot.platforms.slack.blocks import slack_limit_problems
from tests.bot.platforms.teams.test_cards import card_schema_problems

WORKLOAD_THEMES = {"workload", "fatigue", "after_hours"}


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    result = CliRunner().invoke(app, ["demo", "--out", str(out), "--seed", "7", "--weeks", "8"])
    assert result.exit_code == 0, result.output
    return out


def _digests(demo_dir: Path) -> list[dict[str, Any]]:
    return json.loads((demo_dir / "digests.json").read_text())


def test_writes_every_output(demo_dir: Path) -> None:
    for name in ("demo.db", "input_messages.jsonl", "digests.json", "index.html"):
        assert (demo_dir / name).is_file(), name
    for folder in ("slack", "teams", "charts"):
        assert any((demo_dir / folder).iterdir()), folder


def test_burnout_team_gets_workload_and_wellbeing_nudges_from_the_slide(demo_dir: Path) -> None:
    platform = [d for d in _digests(demo_dir) if d["team"] == "Platform"]

    for record in platform:
        if record["week_index"] >= SLIDE_FROM:
            assert record["situation"] not in ("evergreen", "sustained_good"), record
            assert record["prompt_kind"] == "wellbeing" or set(record["themes"]) & (
                WORKLOAD_THEMES
            ), record


def test_small_team_never_sees_numbers(demo_dir: Path) -> None:
    legal = [d for d in _digests(demo_dir) if d["team"] == "Legal"]

    assert legal
    for record in legal:
        assert record["numbers_shown"] is False
        assert not any(ch.isdigit() for line in record["explanation"] for ch in line)
    for payload in (demo_dir / "slack").glob("*-lou.json"):
        blocks = json.loads(payload.read_text())["blocks"]
        assert [b for b in blocks if b["type"] == "image"] == []
        assert "Mood in chat" not in payload.read_text()
    assert not list((demo_dir / "charts").glob("*-lou.png"))


def test_no_prompt_repeats_for_a_manager(demo_dir: Path) -> None:
    by_manager: dict[str, list[str]] = {}
    for record in _digests(demo_dir):
        if record.get("prompt_id"):
            by_manager.setdefault(record["manager"], []).append(record["prompt_id"])

    for prompts in by_manager.values():
        assert len(prompts) == len(set(prompts))


def test_no_chat_text_reaches_the_database(demo_dir: Path) -> None:
    connection = sqlite3.connect(demo_dir / "demo.db")
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    stored = b"".join(path.read_bytes() for path in demo_dir.glob("demo.db*"))
    texts = {
        json.loads(line)["text"]
        for line in (demo_dir / "input_messages.jsonl").read_text().splitlines()
    }

    assert len(texts) > 100
    leaked = [text for text in texts if text.encode() in stored]
    assert leaked == []


def test_slack_payloads_respect_slack_limits(demo_dir: Path) -> None:
    for path in (demo_dir / "slack").glob("*.json"):
        assert slack_limit_problems(json.loads(path.read_text())) == [], path.name


def test_teams_cards_validate_against_adaptive_cards_1_5(demo_dir: Path) -> None:
    for path in (demo_dir / "teams").glob("*.json"):
        assert card_schema_problems(json.loads(path.read_text())) == [], path.name


def test_same_seed_same_digests(demo_dir: Path, tmp_path: Path) -> None:
    again = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--seed", "7"])
    assert again.exit_code == 0

    assert _digests(tmp_path) == _digests(demo_dir)
