"""Slack event ack latency: signed message events at a running server, at a fixed rate.

Run: ``python -m tests.benchmarks.bench_slack_events [--rate 200] [--seconds 15]``.
Starts ``empathybot serve`` in its own process on a free port (SQLite, an org of 60 opted-in
people, listening on), a fake Slack Web API in this process, then sends signed
``message`` events at ``--rate`` per second for ``--seconds`` and measures each ack. As a
reference measured in the same run it sends ``GET /healthz`` at the same rate first: the
server's floor. Prints p50/p99 latency, achieved events/s, and how many events the bot
counted. Target: p99 <= 50 ms at 200 events/s on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from sqlmodel import select

from bot.services import admin, consent, listening
from bot.store.db import open_store
from bot.store.repos import ensure_workspace
from bot.store.tables import Person, SignalBucket, Team
from tests.bot.platforms.slack.fake_slack import running_fake_slack
from tests.bot.platforms.slack.harness import SIGNING_SECRET, sign

PEOPLE = 60
SERVE_ARGS: list[str] = []
BENCH_DIR: str | None = None
TEXTS = [
    "shipping the new onboarding flow today, great work everyone :tada:",
    "swamped with tickets again, not sure we'll make the deadline",
    "standup moved to 10:15 tomorrow",
    "thanks <@U0000001> for the quick review!",
    "prod is on fire again :fire: paging the on-call",
    "lgtm, ship it",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _seed(url: str) -> None:
    rows = [
        "email,name,team,manager_email,role,timezone,slack_user_id",
        "lead@bench.example,Lead,Leads,,employee,UTC,ULEAD0001",
    ]
    rows += [
        f"p{i}@bench.example,P{i},Platform,lead@bench.example,employee,UTC,U{i:08d}"
        for i in range(PEOPLE)
    ]
    store = open_store(url)
    with store.session() as session:
        workspace = ensure_workspace(session=session)
        admin.import_org("\n".join(rows) + "\n", workspace=workspace, session=session)
        team = session.exec(select(Team).where(Team.name == "Platform")).one()
        listening.enable(
            "slack", "CBENCH", team, workspace_id=workspace.id or 0, by=None, session=session
        )
        for person in session.exec(select(Person).where(Person.email != "lead@bench.example")):
            consent.grant(person.id or 0, "messages", policy_version="v1", session=session)
    store.dispose()


def _counted(url: str) -> int:
    store = open_store(url)
    with store.session() as session:
        total = sum(bucket.message_count for bucket in session.exec(select(SignalBucket)))
    store.dispose()
    return total


async def _drive(
    session: aiohttp.ClientSession, rate: int, seconds: float, make_request: object
) -> tuple[list[float], float]:
    latencies: list[float] = []
    interval = 1.0 / rate
    total = int(rate * seconds)
    started = time.perf_counter()

    async def one(index: int) -> None:
        began = time.perf_counter()
        response = await make_request(index)  # type: ignore[operator]
        await response.read()
        if response.status == 200:
            latencies.append((time.perf_counter() - began) * 1000)

    tasks = []
    for index in range(total):
        target = started + index * interval
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(index)))
    await asyncio.gather(*tasks)
    return latencies, time.perf_counter() - started


def _summary(name: str, latencies: list[float], elapsed: float, sent: int) -> str:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"  {name:<22} p50 {p50:6.1f} ms   p99 {p99:6.1f} ms   "
        f"{len(ordered) / elapsed:6.0f}/s   ok {len(ordered)}/{sent}"
    )


async def run(rate: int, seconds: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-slack-", dir=BENCH_DIR))
    url = f"sqlite:///{folder / 'bench.db'}"
    _seed(url)
    port = _free_port()
    async with running_fake_slack() as fake:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "EMPATHYBOT_SECRET_KEY": "b" * 40,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-bench",
            "SLACK_API_URL": f"{fake.base_url}/api/",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
            "XDG_DATA_HOME": str(folder),
        }
        server = subprocess.Popen([sys.executable, "-m", "bot", "serve", *SERVE_ARGS], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            async with aiohttp.ClientSession() as http:
                for _ in range(300):
                    try:
                        async with http.get(f"{base}/healthz") as ready:
                            if ready.status == 200:
                                break
                    except aiohttp.ClientError:
                        await asyncio.sleep(0.1)
                # Warm up: the first request loads the spaCy pipeline and verifies the token.
                await _send(http, base, -1)
                await asyncio.sleep(2)

                health, health_time = await _drive(
                    http, rate, min(seconds, 5.0), lambda i: http.get(f"{base}/healthz")
                )
                events, events_time = await _drive(
                    http, rate, seconds, lambda i: _send(http, base, i)
                )
            await asyncio.sleep(3)
        finally:
            server.terminate()
            server.wait(timeout=30)
    sent = int(rate * seconds)
    print(
        f"slack events: {rate}/s for {seconds:.0f} s against `empathybot serve` "
        f"(separate process, SQLite)"
    )
    print(_summary("GET /healthz (ref)", health, health_time, int(rate * min(seconds, 5.0))))
    print(_summary("signed message events", events, events_time, sent))
    ordered = sorted(events)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(
        f"  p99 ratio events/healthz: {p99 / sorted(health)[int(len(health) * 0.99)]:.1f}x;"
        f" target p99 <= 50 ms: {'met' if p99 <= 50 else 'MISSED'}"
    )
    print(f"  counted by the bot afterwards: {_counted(url)} of {sent + 1} messages")


async def _send(http: aiohttp.ClientSession, base: str, index: int) -> aiohttp.ClientResponse:
    body = json.dumps(
        {
            "token": "x",
            "team_id": "T0ACME",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": f"EvBench{index:07d}",
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel": "CBENCH",
                "user": f"U{index % PEOPLE:08d}",
                "text": TEXTS[index % len(TEXTS)],
                "ts": f"{time.time():.6f}",
            },
        }
    )
    return await http.post(
        f"{base}/slack/events",
        data=body.encode(),
        headers={"Content-Type": "application/json", **sign(body)},
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument(
        "--no-scheduler", action="store_true", help="run serve without the in-process scheduler"
    )
    parser.add_argument("--dir", default=None, help="folder for the database (e.g. /dev/shm)")
    arguments = parser.parse_args()
    if arguments.no_scheduler:
        SERVE_ARGS.append("--no-scheduler")
    global BENCH_DIR
    BENCH_DIR = arguments.dir
    asyncio.run(run(arguments.rate, arguments.seconds))


if __name__ == "__main__":
    main()
