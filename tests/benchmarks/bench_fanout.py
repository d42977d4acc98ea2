"""Digest fan-out: 10,000 managers due in the same minute, through a rate-limited Slack.

Run: ``python -m tests.benchmarks.bench_fanout [--managers 10000] [--rate 300]``.
Seeds a SQLite database with N managers (Monday 09:00 UTC digests), starts a fake Slack
Web API that allows ``--rate`` calls per method per second and answers 429 with
``Retry-After: 1`` beyond that, then runs dispatcher ticks on a clock that starts at the
slot and follows real time until every digest is delivered (or a time limit). Prints wall
time, sends per second, 429s received, duplicates (must be 0) and missing (must be 0). As a
reference measured in the same run, it first times the same number of bare
``chat.postMessage`` calls straight at the fake server with the same concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.platforms.slack.messenger import SlackMessenger, make_client
from bot.services import admin
from bot.services.dispatch import DispatchConfig, Dispatcher
from bot.store.db import open_store
from bot.store.repos import ensure_workspace
from nudges.library import library
from tests.bot.platforms.slack.fake_slack import running_fake_slack

SLOT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday
CONCURRENCY = 64


def _seed(url: str, managers: int) -> None:
    rows = ["email,name,team,manager_email,role,timezone,slack_user_id"]
    for index in range(managers):
        rows.append(f"m{index}@fan.example,M{index},Leads,,employee,UTC,UM{index:08d}")
        rows.append(
            f"e{index}@fan.example,E{index},Team {index},m{index}@fan.example,"
            f"employee,UTC,UE{index:08d}"
        )
    store = open_store(url)
    with store.session() as session:
        admin.import_org(
            "\n".join(rows) + "\n", workspace=ensure_workspace(session=session), session=session
        )
    store.dispose()


async def _reference(base: str, count: int) -> float:
    client = make_client("xoxb-ref", base_url=f"{base}/api/")
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(index: int) -> None:
        async with gate:
            await client.chat_postMessage(channel=f"DREF{index}", text="x")

    started = time.perf_counter()
    await asyncio.gather(*(one(index) for index in range(count)))
    return time.perf_counter() - started


async def run(managers: int, rate: int, limit_seconds: float) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-fanout-"))
    url = f"sqlite:///{folder / 'fanout.db'}"
    seeded = time.perf_counter()
    _seed(url, managers)
    seed_seconds = time.perf_counter() - seeded
    store = open_store(url)
    async with running_fake_slack() as fake:
        reference = await _reference(fake.base_url, min(managers, 2000))
        fake.calls.clear()
        fake.rate_limit, fake.retry_after = rate, 1
        client = make_client("xoxb-bench", base_url=f"{fake.base_url}/api/", rate_limit_retries=0)
        worker = Dispatcher(
            store,
            SlackMessenger(client, can_upload_files=False),
            library(),
            DispatchConfig(instance="bench", min_group=5, key=b"f" * 40, concurrency=CONCURRENCY),
        )
        started = time.perf_counter()
        ticks = 0
        while time.perf_counter() - started < limit_seconds:
            now = SLOT + timedelta(seconds=time.perf_counter() - started)
            report = await worker.tick(now)
            ticks += 1
            delivered = len(fake.called("chat.postMessage"))
            if delivered >= managers and not report.retrying:
                break
            if report.retrying and not report.sent:
                await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
    store.dispose()
    posted = Counter(call["channel"] for call in fake.called("chat.postMessage"))
    duplicates = sum(count - 1 for count in posted.values() if count > 1)
    missing = managers - len(posted)
    limited = sum(1 for call in fake.calls if call.method.endswith("#429"))
    print(
        f"fan-out: {managers:,} managers due at {SLOT:%a %H:%M} UTC; fake Slack allows "
        f"{rate}/s per method, 429 + Retry-After: 1 beyond"
    )
    print(f"  seeding the org:          {seed_seconds:.1f} s (not counted)")
    print(
        f"  delivered:                {len(posted):,} in {elapsed:.1f} s over {ticks} ticks "
        f"= {len(posted) / elapsed:,.0f} sends/s"
    )
    reference_rate = min(managers, 2000) / reference
    rate_achieved = len(posted) / elapsed
    print(
        f"  reference (bare chat.postMessage, no limit, concurrency {CONCURRENCY}): "
        f"{reference_rate:,.0f}/s; ratio reference/fan-out {reference_rate / rate_achieved:.1f}x"
    )
    print(f"  429 answers received:     {limited:,}")
    print(f"  duplicates: {duplicates} (must be 0)   missing: {missing} (must be 0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--managers", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=300)
    parser.add_argument("--limit-seconds", type=float, default=900)
    arguments = parser.parse_args()
    asyncio.run(run(arguments.managers, arguments.rate, arguments.limit_seconds))


if __name__ == "__main__":
    main()
