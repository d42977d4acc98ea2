"""Engine throughput: plan and render digests for 10,000 managers (target >= 2,000/s).

Run: ``python -m tests.benchmarks.bench_engine [--managers N]``.
Each manager has a team with eight weeks of random aggregates. For each: gate, detect,
choose (Thompson sampling over learned posteriors), build the neutral message, render it
as Block Kit and as an Adaptive Card. Prints managers per second, peak traced memory, and
as a reference measured in the same run the cost of rendering alone (no planning).
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import tracemalloc
from datetime import date

from bot.platforms.slack.blocks import to_slack
from bot.platforms.teams.cards import to_card
from nudges import engine
from nudges.digest import digest_message
from nudges.engine import DimensionTally, RawWeek
from nudges.library import library
from nudges.weeks import previous_weeks

WEEK = "2026-W47"
THEMES = ("workload", "fatigue", "recognition", "conflict", "after_hours", "blocked")


def random_week(rng: random.Random, week: str, members: int) -> RawWeek:
    messages = rng.randint(0, 150)
    respondents = rng.randint(0, members)
    return RawWeek(
        week=week,
        members=members,
        contributors=min(members, rng.randint(0, members)) if messages else 0,
        messages=messages,
        sentiment_sum=rng.uniform(-0.4, 0.5) * messages,
        theme_counts={theme: rng.randint(0, messages // 5 + 1) for theme in THEMES},
        after_hours=rng.randint(0, messages // 4 + 1),
        checkin_respondents=respondents,
        checkin={
            "mood": DimensionTally(respondents * rng.uniform(2, 4.5), respondents, respondents),
            "energy": DimensionTally(respondents * rng.uniform(2, 4.5), respondents, respondents),
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--managers", type=int, default=10_000)
    count = parser.parse_args().managers
    lib = library()
    rng = random.Random(1)
    weeks = [*previous_weeks(WEEK, 8), WEEK]
    teams = []
    for index in range(count):
        members = rng.randint(3, 12)
        raw = [random_week(rng, week, members) for week in weeks]
        teams.append((f"team-{index}", raw))
    prompts = lib.prompts()
    posteriors = {
        (p.id, s.value): (rng.randint(0, 9), rng.randint(0, 9))
        for p in prompts
        for s in p.situations
    }
    settings = engine.OrgSettings(min_group=5, seed=3)
    today = date(2026, 11, 23)

    # The inputs above stand for rows read from the database in batches; keep the garbage
    # collector from rescanning them again and again, as a streaming scheduler would.
    gc.collect()
    gc.freeze()

    def run_all() -> list[engine.Nudge]:
        planned = []
        for name, raw in teams:
            view = engine.team_week(name, raw[-1], raw[:-1], min_group=5)
            result = engine.plan_digest(
                view,
                engine.ManagerContext(key=name),
                week=WEEK,
                today=today,
                library=lib,
                posteriors=posteriors,
                settings=settings,
            )
            if isinstance(result, engine.Nudge):
                message = digest_message(result, delivery_ref=name, min_group=5)
                to_slack(message)
                to_card(message)
                planned.append(result)
        return planned

    started = time.perf_counter()
    nudges = run_all()
    elapsed = time.perf_counter() - started
    # Memory in a second pass: tracing slows Python down several times.
    tracemalloc.start()
    run_all()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    started = time.perf_counter()
    for nudge in nudges:
        message = digest_message(nudge, delivery_ref="x", min_group=5)
        to_slack(message)
        to_card(message)
    render_only = time.perf_counter() - started

    rate = count / elapsed
    situations: dict[str, int] = {}
    for nudge in nudges:
        situations[nudge.situation.value] = situations.get(nudge.situation.value, 0) + 1
    print(f"engine: {count:,} managers planned and rendered (Block Kit + Adaptive Card)")
    print(
        f"  plan + render:      {elapsed:.2f} s  {rate:,.0f} managers/s  (target >= 2,000/s: "
        f"{'met' if rate >= 2000 else 'MISSED'})"
    )
    print(f"  render only (ref):  {render_only:.2f} s  {len(nudges) / render_only:,.0f}/s")
    print(f"  ratio (plan+render)/render: {elapsed / render_only:.2f}x")
    print(f"  peak traced memory: {peak / 2**20:.1f} MiB")
    print("  situations: " + ", ".join(f"{k} {v}" for k, v in sorted(situations.items())))


if __name__ == "__main__":
    main()
