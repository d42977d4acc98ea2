"""deploy/Dockerfile and .dockerignore, read as text (no Docker needed).

Building the image needs a Docker daemon and the network (base image, PyPI), so it is not
part of the test run; these tests check what can be checked offline, and run the image's
HEALTHCHECK command for real against a local HTTP server.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.config import load_settings
from tests.deploy.support import DOCKERFILE, DOCKERIGNORE, ROOT

COMPILERS = re.compile(
    r"\b(build-essential|gcc|g\+\+|clang|cpp|make|cmake|[\w.+-]+-dev)\b", re.IGNORECASE
)


@dataclass
class Instruction:
    keyword: str
    argument: str


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [i.argument for i in self.instructions if i.keyword == keyword]

    def last(self, keyword: str) -> str | None:
        found = self.all(keyword)
        return found[-1] if found else None

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for argument in self.all("ENV"):
            for item in shlex.split(argument):
                key, _, value = item.partition("=")
                values[key] = value
        return values


def _logical_lines(text: str) -> Iterator[str]:
    """Instructions with line continuations joined and comments dropped."""
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield pending + line
        pending = ""
    if pending:
        yield pending


def parse_dockerfile() -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages, each with its instructions."""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in _logical_lines(DOCKERFILE.read_text()):
        keyword, _, argument = line.partition(" ")
        keyword = keyword.upper()
        argument = argument.strip()
        if keyword == "FROM":
            words = argument.split()
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=base, name=name))
        elif not stages:
            if keyword == "ARG":
                key, _, value = argument.partition("=")
                args[key] = value
        else:
            stages[-1].instructions.append(Instruction(keyword, argument))
    return args, stages


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_dockerfile()[1]


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


def test_two_stages_on_python_311_slim(stages: list[Stage]) -> None:
    assert [stage.name for stage in stages] == ["builder", "runtime"]
    assert {stage.base for stage in stages} == {"python:3.11-slim"}


def test_builder_builds_wheels_and_runtime_installs_only_those(stages: list[Stage]) -> None:
    builder, runtime = stages
    assert any("pip wheel" in run and "/wheels" in run for run in builder.all("RUN"))
    installs = [run for run in runtime.all("RUN") if "pip install" in run]
    assert installs, "the runtime stage installs nothing"
    for run in installs:
        assert "--no-index" in run and "--find-links" in run, run


def test_no_compilers_or_headers_in_the_final_stage(final: Stage) -> None:
    for run in final.all("RUN"):
        for command in re.split(r"&&|;", run):
            if re.search(r"\b(apt-get|apt|apk)\b.*\binstall\b", command):
                assert not COMPILERS.search(command), command


def test_final_stage_runs_as_a_fixed_non_root_user(final: Stage) -> None:
    user = final.last("USER")
    assert user is not None, "no USER: the container would run as root"
    uid = user.split(":")[0]
    # Numeric, so that Kubernetes can verify runAsNonRoot; 10001 is what the chart assumes.
    assert uid == "10001"
    assert any("--uid 10001" in run for run in final.all("RUN"))


def test_entrypoint_is_the_cli_and_serve_is_the_default(final: Stage) -> None:
    assert json.loads(final.last("ENTRYPOINT") or "null") == ["empathybot"]
    assert json.loads(final.last("CMD") or "null") == ["serve"]
    assert final.last("EXPOSE") == "3000"
    assert final.last("STOPSIGNAL") == "SIGTERM"


def test_environment_is_production_json_and_a_valid_configuration(final: Stage) -> None:
    env = final.env()
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["EMPATHYBOT_ENV"] == "production"
    assert env["LOG_FORMAT"] == "json"
    # With only a secret key and a database added, the image's own settings load.
    settings = load_settings(
        {**env, "EMPATHYBOT_SECRET_KEY": "k" * 40, "DATABASE_URL": "postgresql://u@db/e"}
    )
    assert settings.port == 3000


def test_copied_sources_exist(stages: list[Stage]) -> None:
    for argument in stages[0].all("COPY"):
        if argument.startswith("--from"):
            continue
        *sources, _destination = argument.split()
        for source in sources:
            assert (ROOT / source).exists(), source


def _healthcheck_command(final: Stage) -> list[str]:
    healthcheck = final.last("HEALTHCHECK")
    assert healthcheck is not None, "no HEALTHCHECK"
    _options, _, command = healthcheck.partition("CMD ")
    exec_form: list[str] = json.loads(command)
    return exec_form


def test_healthcheck_probes_healthz_with_urllib(final: Stage) -> None:
    command = _healthcheck_command(final)
    script = command[-1]
    assert command[0] == "python"
    assert "urllib.request" in script
    assert "127.0.0.1" in script and "/healthz" in script and "PORT" in script


class _Health(BaseHTTPRequestHandler):
    status: ClassVar[int] = 200
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def _run_healthcheck(final: Stage, port: int) -> int:
    command = [sys.executable, *_healthcheck_command(final)[1:]]
    env = {**os.environ, "PORT": str(port)}
    return subprocess.run(command, env=env, capture_output=True, timeout=30).returncode


@pytest.mark.parametrize(("status", "healthy"), [(200, True), (503, False)])
def test_healthcheck_command_follows_the_server(final: Stage, status: int, healthy: bool) -> None:
    handler: type[_Health] = type("Handler", (_Health,), {"status": status, "paths": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code = _run_healthcheck(final, server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
    assert (code == 0) is healthy
    assert handler.paths == ["/healthz"]


def test_healthcheck_fails_when_nothing_listens(final: Stage) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    port = server.server_address[1]
    server.server_close()

    assert _run_healthcheck(final, port) != 0


@pytest.mark.parametrize(
    "args", [["serve"], ["serve", "--no-scheduler"], ["scheduler"], ["db", "upgrade"]]
)
def test_commands_the_deployment_files_use_exist(args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--help"])

    assert result.exit_code == 0, result.output


def _dockerignore_patterns() -> list[str]:
    return [
        line.strip()
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    patterns = set(_dockerignore_patterns())
    for required in (
        ".git",
        ".venv",
        "tests",
        "**/__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
        "*.db",
        "demo-out",
        "build",
        "*.egg-info",
        "deploy/helm",
        ".env",
    ):
        assert required in patterns, required


def test_dockerignore_keeps_what_the_build_copies() -> None:
    patterns = _dockerignore_patterns()
    assert not any(pattern.startswith("!") for pattern in patterns)
    for needed in ("pyproject.toml", "README.md", "bot", "nudges"):
        assert needed not in patterns
        assert not any(
            pattern in {"*", "**", "*.md", "*.toml"} or pattern.startswith(needed + "/")
            for pattern in patterns
        ), needed
