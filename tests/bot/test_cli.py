"""The ``empathybot`` command, end to end on a SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

runner = CliRunner()

ORG = (
    "email,name,team,manager_email,role,timezone\n"
    "mia@acme.test,Mia,Leadership,,employee,Europe/Berlin\n"
    "ann@acme.test,Ann,Platform,mia@acme.test,employee,Europe/Berlin\n"
    "bob@acme.test,Bob,Platform,mia@acme.test,employee,America/New_York\n"
)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


@pytest.fixture
def org_file(tmp_path: Path) -> Path:
    path = tmp_path / "org.csv"
    path.write_text(ORG)
    return path


def test_import_show_export_erase(env: dict[str, str], org_file: Path) -> None:
    imported = runner.invoke(app, ["org", "import", str(org_file)], env=env)
    assert imported.exit_code == 0, imported.output
    assert "people: 3 created" in imported.output

    shown = runner.invoke(app, ["org", "show", "--json"], env=env)
    teams = {team["name"]: team for team in json.loads(shown.stdout)}
    assert teams["Platform"] == {
        "name": "Platform",
        "manager": "mia@acme.test",
        "parent": "Leadership",
        "members": 2,
    }

    exported = runner.invoke(app, ["privacy", "export", "--email", "ann@acme.test"], env=env)
    assert json.loads(exported.stdout)["person"]["email"] == "ann@acme.test"

    erased = runner.invoke(app, ["privacy", "erase", "--email", "ann@acme.test", "--yes"], env=env)
    assert erased.exit_code == 0, erased.output

    after = runner.invoke(app, ["privacy", "export", "--email", "ann@acme.test"], env=env)
    assert after.exit_code == 0
    assert json.loads(after.stdout) == {}


def test_bad_file_imports_nothing_and_names_the_row(env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(ORG + "zed@acme.test,Zed,Platform,mia@acme.test,boss,UTC\n")

    result = runner.invoke(app, ["org", "import", str(path)], env=env)

    assert result.exit_code == 1
    assert "row 5, column role: unknown role boss" in result.stderr
    shown = runner.invoke(app, ["org", "show", "--json"], env=env)
    assert json.loads(shown.stdout) == []


def test_erase_asks_before_erasing(env: dict[str, str], org_file: Path) -> None:
    runner.invoke(app, ["org", "import", str(org_file)], env=env)

    refused = runner.invoke(
        app, ["privacy", "erase", "--email", "ann@acme.test"], env=env, input="n\n"
    )

    assert refused.exit_code == 1
    kept = runner.invoke(app, ["privacy", "export", "--email", "ann@acme.test"], env=env)
    assert json.loads(kept.stdout)["person"]["email"] == "ann@acme.test"


def test_db_upgrade_reports_the_revision(env: dict[str, str]) -> None:
    first = runner.invoke(app, ["db", "upgrade"], env=env)
    second = runner.invoke(app, ["db", "upgrade"], env=env)

    assert "upgraded from empty to" in first.stdout
    assert "is up to date" in second.stdout


def _console_script() -> str:
    script = Path(sys.executable).with_name("empathybot")
    if not script.exists():
        pytest.skip(f"the empathybot console script is not installed next to {sys.executable}")
    return str(script)


def test_installed_command_prints_help() -> None:
    result = subprocess.run(
        [_console_script(), "--help"], capture_output=True, text=True, check=False, timeout=60
    )

    assert result.returncode == 0
    for command in ("db", "org", "privacy"):
        assert command in result.stdout


@pytest.mark.parametrize(
    "subcommand",
    [
        ["db", "upgrade"],
        ["org", "import"],
        ["org", "show"],
        ["privacy", "export"],
        ["privacy", "erase"],
    ],
)
def test_every_command_has_help(subcommand: list[str]) -> None:
    result = runner.invoke(app, [*subcommand, "--help"])

    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_invalid_configuration_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    environ = {**os.environ, "EMPATHYBOT_MIN_GROUP_SIZE": "1", "XDG_DATA_HOME": str(tmp_path)}

    result = subprocess.run(
        [_console_script(), "org", "show"],
        capture_output=True,
        text=True,
        env=environ,
        check=False,
        timeout=60,
    )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "configuration error: EMPATHYBOT_MIN_GROUP_SIZE: must be at least 3; smaller groups "
        "would expose individuals (got '1')"
    ]
    assert "Traceback" not in result.stderr


def test_leave_is_recorded_and_cleared(env: dict[str, str], org_file: Path) -> None:
    runner.invoke(app, ["org", "import", str(org_file)], env=env)

    away = runner.invoke(
        app, ["org", "away", "--email", "mia@acme.test", "--until", "2026-12-31"], env=env
    )
    exported = runner.invoke(app, ["privacy", "export", "--email", "mia@acme.test"], env=env)
    back = runner.invoke(app, ["org", "away", "--email", "mia@acme.test"], env=env)
    bad = runner.invoke(
        app, ["org", "away", "--email", "mia@acme.test", "--until", "soon"], env=env
    )

    assert away.exit_code == 0
    assert "away until 31 December 2026" in away.stdout
    assert json.loads(exported.stdout)["person"]["email"] == "mia@acme.test"
    assert "back" in back.stdout
    assert bad.exit_code == 2


def test_schedule_show_gives_each_teams_next_times_locally_and_in_utc(
    env: dict[str, str], org_file: Path
) -> None:
    runner.invoke(app, ["org", "import", str(org_file)], env=env)
    changed = runner.invoke(
        app, ["schedule", "set", "--team", "Platform", "--digest-time", "10:30"], env=env
    )
    refused = runner.invoke(app, ["schedule", "set", "--digest-time", "25:00"], env=env)

    shown = runner.invoke(app, ["schedule", "show"], env={**env, "COLUMNS": "200"})

    assert changed.exit_code == 0, changed.output
    assert refused.exit_code == 2
    assert "digest_time: use a 24-hour time" in refused.output
    assert shown.exit_code == 0, shown.output
    platform = next(line for line in shown.stdout.splitlines() if "Platform" in line)
    assert "Mon" in platform and "10:30 Europe/Berlin" in platform
    assert "Europe/Berlin" in shown.stdout and "America/New_York" in shown.stdout
