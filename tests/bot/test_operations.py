"""Operations, against a real ``empathybot serve`` process: metrics, clean logs, SIGTERM."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from sqlmodel import col, select

from bot.services import admin, consent, listening, schedules
from bot.store.db import open_store
from bot.store.repos import ensure_workspace
from bot.store.tables import Person, Team
from tests.bot.platforms.slack.fake_slack import FakeSlack, running_fake_slack
from tests.bot.platforms.slack.harness import ORG, SIGNING_SECRET, sign

SECRET_WORDS = "quokka-7731 the merger makes me anxious"
BOT_TOKEN = "xoxb-1111-2222-secrettokenvalue"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def serve(
    database: Path, fake: FakeSlack, *, log: Path, extra: dict[str, str] | None = None
) -> AsyncIterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "EMPATHYBOT_SECRET_KEY": "s" * 40,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": f"{fake.base_url}/api/",
        "PORT": str(port),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "DEBUG",
        "XDG_DATA_HOME": str(database.parent),
        **(extra or {}),
    }
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve"], env=env, stdout=sink, stderr=sink
        )
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(300):
                try:
                    async with http.get(f"{base}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("empathybot serve did not start: " + log.read_text())
        yield base, process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def _seed(database: Path, *, managers: int = 0, due_now: bool = False) -> None:
    store = open_store(f"sqlite:///{database}")
    with store.session() as session:
        workspace = ensure_workspace(session=session)
        text = ORG + "".join(
            f"m{i}@acme.test,M{i},Managers,,employee,UTC,UMG{i:06d}\n"
            f"w{i}@acme.test,W{i},Squad {i},m{i}@acme.test,employee,UTC,UWK{i:06d}\n"
            for i in range(managers)
        )
        admin.import_org(text, workspace=workspace, session=session)
        team = session.exec(select(Team).where(Team.name == "Platform")).one()
        listening.enable(
            "slack", "CPLATFORM", team, workspace_id=workspace.id or 0, by=None, session=session
        )
        opted_in = [f"UEMP0000{i}" for i in range(5)]  # the sixth never opts in
        for person in session.exec(select(Person).where(col(Person.slack_user_id).in_(opted_in))):
            consent.grant(person.id or 0, "messages", policy_version="v1", session=session)
            consent.grant(person.id or 0, "checkins", policy_version="v1", session=session)
        now = datetime.now(UTC) - timedelta(minutes=2)
        schedules.update(
            workspace.id or 0,
            None,
            {
                "digest_weekday": now.weekday() if due_now else (now.weekday() + 3) % 7,
                "digest_time": f"{now:%H:%M}",
                "quiet_weekdays": [],
                "checkin_weekday": (now.weekday() + 3) % 7,
            },
            by_person_id=None,
            session=session,
        )
    store.dispose()


async def _post(http: aiohttp.ClientSession, base: str, body: str, content_type: str) -> int:
    async with http.post(
        f"{base}/slack/events",
        data=body.encode(),
        headers={"Content-Type": content_type, **sign(body)},
    ) as response:
        await response.read()
        return response.status


def _event(index: int, user: str, text: str) -> str:
    return json.dumps(
        {
            "type": "event_callback",
            "team_id": "T0ACME",
            "event_id": f"EvOps{index}",
            "event": {
                "type": "message",
                "channel": "CPLATFORM",
                "user": user,
                "text": text,
                "ts": f"{time.time():.6f}",
            },
        }
    )


async def test_metrics_are_served_and_logs_never_hold_text_or_tokens(tmp_path: Path) -> None:
    database, log = tmp_path / "ops.db", tmp_path / "serve.log"
    _seed(database)
    async with (
        running_fake_slack() as fake,
        serve(database, fake, log=log) as (base, _),
        aiohttp.ClientSession() as http,
    ):
        for index in range(6):
            assert (
                await _post(
                    http,
                    base,
                    _event(index, f"UEMP0000{index}", f"{SECRET_WORDS} {index}"),
                    "application/json",
                )
                == 200
            )
        command = urlencode(
            {
                "command": "/empathy",
                "text": f"optin {SECRET_WORDS}",
                "user_id": "UEMP00000",
                "team_id": "T0ACME",
                "channel_id": "CPLATFORM",
                "trigger_id": "1.2",
            }
        )
        assert await _post(http, base, command, "application/x-www-form-urlencoded") == 200
        comment = {
            "type": "view_submission",
            "user": {"id": "UEMP00000"},
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": "checkin_comment",
                "state": {
                    "values": {
                        "comment": {
                            "text": {
                                "type": "plain_text_input",
                                "value": f"{SECRET_WORDS}, i can't go on anymore",
                            }
                        }
                    }
                },
            },
        }
        assert (
            await _post(
                http,
                base,
                urlencode({"payload": json.dumps(comment)}),
                "application/x-www-form-urlencoded",
            )
            == 200
        )
        assert await _post(http, base, "{broken", "application/json") == 400
        for _ in range(100):
            async with http.get(f"{base}/metrics") as response:
                exposition = await response.text()
            if 'empathybot_events_counted_total{platform="slack"} 5.0' in exposition:
                break
            await asyncio.sleep(0.1)

    for name in (
        "empathybot_events_received_total",
        "empathybot_events_counted_total",
        "empathybot_events_ignored_total",
        "empathybot_digests_sent_total",
        "empathybot_digests_failed_total",
        "empathybot_checkins_sent_total",
        "empathybot_checkins_answered_total",
        "empathybot_platform_api_seconds",
        "empathybot_platform_rate_limited_total",
        "empathybot_scheduler_lag_seconds",
    ):
        assert f"# TYPE {name}" in exposition, name
    assert 'empathybot_events_received_total{platform="slack"} 6.0' in exposition
    assert 'empathybot_events_counted_total{platform="slack"} 5.0' in exposition
    assert 'empathybot_events_ignored_total{platform="slack",reason="no_consent"} 1.0' in (
        exposition
    )
    output = log.read_text()
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert lines, output
    assert any("refused (400)" in line["msg"] for line in lines)
    for forbidden in (
        "quokka",
        "merger",
        "anxious",
        "can't go on",
        BOT_TOKEN,
        SIGNING_SECRET,
        "s" * 40,
    ):
        assert forbidden not in output, forbidden


async def test_sigterm_mid_fan_out_loses_nothing_and_sends_nothing_twice(tmp_path: Path) -> None:
    database, log = tmp_path / "fanout.db", tmp_path / "serve.log"
    managers = 40
    _seed(database, managers=managers, due_now=True)
    async with running_fake_slack() as fake:
        fake.post_delay = 0.3
        async with serve(database, fake, log=log) as (_, process):
            deadline = time.monotonic() + 60
            while not fake.called("chat.postMessage"):
                assert time.monotonic() < deadline, log.read_text()
                await asyncio.sleep(0.05)
            in_flight = len(fake.called("chat.postMessage"))
            process.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(process.wait, 60) == 0
        stopped_with = len(fake.called("chat.postMessage"))
        async with serve(database, fake, log=log):
            deadline = time.monotonic() + 60
            while len({c["channel"] for c in fake.called("chat.postMessage")}) < managers + 2:
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.0)  # a second tick would show any double send

    channels = Counter(call["channel"] for call in fake.called("chat.postMessage"))
    assert in_flight < managers < stopped_with + managers
    assert [channel for channel, count in channels.items() if count > 1] == []
    # every manager: the 40 squads' managers, plus HR and Mia from the base org
    assert len(channels) == managers + 2
    assert "waiting for the running dispatch to finish" in log.read_text()
