"""``empathybot demo``: a synthetic organisation, run week by week through the real code.

The demo makes an org (teams with distinct arcs: one sliding toward burnout, one steady,
one whose recognition dries up, one too small to show numbers), writes weeks of synthetic
chat and check-in answers, and feeds them through the same services production uses:
org import, consent, listening (the spaCy signals pipeline), check-ins, the weekly close,
the engine, and the Slack and Teams renderers. Nothing is faked on the way; only the
people and their words are invented.
"""

from __future__ import annotations

import asyncio
import html
import json
import random
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from bot.platforms.base import IncomingMessage
from bot.platforms.console import ConsoleMessenger
from bot.platforms.slack.blocks import to_slack
from bot.platforms.teams.cards import to_card
from bot.services import admin, checkins, consent, digest, feedback, listening
from bot.store.db import Store, open_store
from bot.store.repos import ensure_workspace
from bot.store.tables import Person, Team
from nudges import engine
from nudges.library import Library, library
from nudges.weeks import shift, week_start

DEMO_END_WEEK = "2026-W47"
"""The demo's last week, fixed so that a seed always gives the same run."""

SLIDE_FROM = 4
"""The week (0-based) the burnout team starts to slide: after four weeks of baseline."""

POLICY = "demo"

# ------------------------------------------------------------------ the organisation

ORG_CSV = """email,name,team,manager_email,role,timezone,slack_user_id,teams_user_id
cleo@demo.example,Cleo Diaz,Leadership,,admin,Europe/Berlin,UCLEO0001,
hana@demo.example,Hana Okafor,Leadership,cleo@demo.example,hr,Europe/Berlin,UHANA0001,
mia@demo.example,Mia Chen,Leadership,cleo@demo.example,employee,Europe/Berlin,UMIA00001,
sam@demo.example,Sam Rivera,Leadership,cleo@demo.example,employee,America/New_York,USAM00001,
dev@demo.example,Dev Patel,Leadership,cleo@demo.example,employee,Europe/London,UDEV00001,
lou@demo.example,Lou Martin,Leadership,cleo@demo.example,employee,Europe/Paris,ULOU00001,
{members}"""

TEAMS = {
    # team: (manager, arc, channel, time zone, [member first names])
    "Platform": (
        "mia",
        "burnout",
        "CPLATFORM1",
        "Europe/Berlin",
        ["Ava", "Ben", "Chloe", "Dan", "Eli", "Fay", "Gus", "Ida"],
    ),
    "Support": (
        "sam",
        "steady",
        "CSUPPORT01",
        "America/New_York",
        ["Jo", "Kai", "Lea", "Max", "Noa", "Oli", "Pia"],
    ),
    "Design": (
        "dev",
        "recognition_gap",
        "CDESIGN001",
        "Europe/London",
        ["Quinn", "Rae", "Sol", "Tess", "Uma", "Vic"],
    ),
    "Legal": ("lou", "steady", "CLEGAL0001", "Europe/Paris", ["Wren", "Xan", "Yara"]),
}
OPTED_OUT = {"Gus"}
FEEDBACK_HABITS = {"mia": 0.9, "dev": 0.8, "sam": 0.6, "lou": 0.0, "cleo": 0.0}
"""How often each manager presses a feedback button on a digest. Lou and Cleo never do,
so their digests drop to every other week after three, as the anti-fatigue rule says."""
"""Chats in the channel but never opted in: must never be counted."""


def org_csv() -> str:
    rows = []
    for team, (manager, _, _, zone, names) in TEAMS.items():
        for name in names:
            user = f"U{name.upper():0<8}"[:9]
            rows.append(
                f"{name.lower()}@demo.example,{name} {team[0]}.,{team},{manager}@demo.example,"
                f"employee,{zone},{user},"
            )
    return ORG_CSV.format(members="\n".join(rows)) + "\n"


# ------------------------------------------------------------------ what people write

NEUTRAL = [
    "standup moved to {hour}:15 tomorrow",
    "PR is up for review: <https://git.example.com/{repo}/pull/{n}|#{n}>",
    "deploying {repo} to staging now",
    "notes from today's sync are in the doc",
    "can someone share the link to the {thing} board?",
    "I'll pick up the {thing} ticket after lunch",
    "reminder: retro is on Thursday at {hour}",
    "moved the {thing} meeting to next week",
    "fyi the {repo} build takes about ten minutes now",
    "who owns the {thing} dashboard these days?",
    "ok, merging after the checks pass",
    "updated the runbook for {thing}",
]
POSITIVE = [
    "nice work on the {thing}, that was quick :tada:",
    "the demo went really well today 🎉",
    "lgtm, ship it :rocket:",
    "love how clean the new {thing} looks",
    "great session this morning, really useful",
    "we crushed the {thing} release, well done everyone",
    "happy with how the sprint went :slightly_smiling_face:",
    "the customer loved the {thing} update!",
    "nailed it, the {thing} is finally fast :100:",
    "good progress on {thing} today",
]
RECOGNITION = [
    "huge thanks to <@{peer}> for sorting out the {thing} :pray:",
    "shout-out to <@{peer}>, the {thing} looks great",
    "kudos <@{peer}>, that {thing} fix saved us hours",
    "really appreciate you jumping in on the {thing}, <@{peer}>",
    "thank you <@{peer}> for walking me through the {thing}",
]
WORKLOAD = [
    "swamped with {thing} tickets this week",
    "another deadline moved up, we're slammed",
    "drowning in reviews today, sorry for the slow replies",
    "way too much on my plate right now",
    "we're underwater on the {thing} backlog",
    "three launches in one week is too much",
]
FATIGUE = [
    "honestly exhausted today",
    "running on fumes this week",
    "so tired, barely slept after the incident",
    "feeling pretty burned out tbh",
    "completely drained after this sprint",
]
LATE = [
    "still online fixing the {thing}, prod is on fire again",
    "worked most of the weekend on the {thing} migration",
    "pager went off at 2am again :sob:",
]
GROWTH = [
    "learned a lot pairing with <@{peer}> on the {thing}",
    "signed up for the {thing} workshop, excited to learn",
    "<@{peer}> is mentoring me on {thing}, super helpful",
]
BLOCKED = [
    "still blocked on the {thing} access request",
    "waiting on the other team's review for {thing}, no reply yet",
]

THINGS = [
    "billing",
    "search",
    "onboarding",
    "checkout",
    "reporting",
    "alerts",
    "api",
    "export",
    "login",
    "invoice",
    "sync",
    "pipeline",
]
REPOS = ["payments", "web", "mobile", "infra", "search"]

ARC_MIX: dict[str, Callable[[int], dict[str, int]]] = {
    # arc -> week index -> category weights
    "steady": lambda w: {
        "neutral": 50,
        "positive": 28,
        "recognition": 10,
        "growth": 6,
        "workload": 3,
        "blocked": 3,
    },
    "burnout": lambda w: (
        {"neutral": 50, "positive": 27, "recognition": 9, "growth": 6, "workload": 4, "blocked": 4}
        if w < SLIDE_FROM
        else {
            "neutral": 40,
            "positive": max(4, 14 - 3 * (w - SLIDE_FROM)),
            "recognition": 4,
            "workload": 16 + 4 * (w - SLIDE_FROM),
            "fatigue": 9 + 4 * (w - SLIDE_FROM),
            "late": 6 + 2 * (w - SLIDE_FROM),
            "blocked": 4,
        }
    ),
    "recognition_gap": lambda w: (
        {"neutral": 50, "positive": 24, "recognition": 16, "growth": 6, "workload": 4}
        if w < SLIDE_FROM - 1
        else {
            "neutral": 58,
            "positive": 22,
            "recognition": 1,
            "growth": 5,
            "workload": 6,
            "blocked": 8,
        }
    ),
}
POOLS = {
    "neutral": NEUTRAL,
    "positive": POSITIVE,
    "recognition": RECOGNITION,
    "workload": WORKLOAD,
    "fatigue": FATIGUE,
    "late": LATE,
    "growth": GROWTH,
    "blocked": BLOCKED,
}

CHECKIN_MEANS: dict[str, Callable[[int], dict[str, float]]] = {
    # arc -> (week index) -> dimension -> mean answer
    "steady": lambda w: {
        "mood": 3.9,
        "energy": 3.7,
        "workload": 3.6,
        "support": 4.0,
        "belonging": 4.0,
        "psych_safety": 3.9,
        "growth": 3.6,
    },
    "burnout": lambda w: {
        "mood": 3.8 - 0.35 * max(0, w - SLIDE_FROM + 1),
        "energy": 3.6 - 0.45 * max(0, w - SLIDE_FROM + 1),
        "workload": 3.5 - 0.5 * max(0, w - SLIDE_FROM + 1),
        "support": 3.8,
        "belonging": 3.9,
        "psych_safety": 3.7,
        "growth": 3.4,
    },
    "recognition_gap": lambda w: {
        "mood": 3.8 - (0.4 if w >= SLIDE_FROM else 0.0),
        "energy": 3.6,
        "workload": 3.6,
        "support": 3.9 - 0.4 * max(0, w - SLIDE_FROM + 2),
        "belonging": 3.8,
        "psych_safety": 3.8,
        "growth": 3.4,
    },
}


@dataclass(frozen=True)
class DemoMessage:
    event_id: str
    team: str
    channel_id: str
    user_id: str
    sent_at: datetime
    text: str


def _fill(template: str, rng: random.Random, peers: Sequence[str]) -> str:
    return template.format(
        thing=rng.choice(THINGS),
        repo=rng.choice(REPOS),
        n=rng.randint(100, 999),
        hour=rng.choice([9, 10, 11, 14, 15, 16]),
        peer=rng.choice(peers),
    )


def _when(rng: random.Random, monday: date, zone: str, late: bool) -> datetime:
    day = monday + timedelta(
        days=rng.randint(5, 6) if late and rng.random() < 0.4 else rng.randint(0, 4)
    )
    hour = rng.choice([21, 22, 23]) if late else rng.randint(9, 17)
    local = datetime.combine(day, time(hour, rng.randint(0, 59)), ZoneInfo(zone))
    return local.astimezone(UTC)


def week_messages(week_index: int, week: str, rng: random.Random) -> list[DemoMessage]:
    """Every chat message of one week, all teams, in time order."""
    monday = week_start(week)
    messages: list[DemoMessage] = []
    for team, (_, arc, channel, zone, names) in TEAMS.items():
        mix = ARC_MIX[arc](week_index)
        categories, weights = zip(*mix.items(), strict=True)
        users = [f"U{name.upper():0<8}"[:9] for name in names]
        for user in users:
            for _ in range(rng.randint(5, 9)):
                category = rng.choices(categories, weights)[0]
                after_hours = category == "late" or (
                    arc == "burnout" and week_index >= SLIDE_FROM and rng.random() < 0.15
                )
                text = _fill(rng.choice(POOLS[category]), rng, [u for u in users if u != user])
                messages.append(
                    DemoMessage(
                        event_id=f"Ev{week}{len(messages):05d}{rng.randint(0, 9999):04d}",
                        team=team,
                        channel_id=channel,
                        user_id=user,
                        sent_at=_when(rng, monday, zone, after_hours),
                        text=text,
                    )
                )
    messages.sort(key=lambda message: message.sent_at)
    return messages


# ------------------------------------------------------------------ running it


@dataclass
class DemoReport:
    out: Path
    weeks: list[str]
    digests: list[dict[str, object]] = field(default_factory=list)
    messages: int = 0
    counted: int = 0
    results: list[digest.DigestResult] = field(default_factory=list)
    charts: dict[tuple[str, str], str] = field(default_factory=dict)


def _setup(store: Store, lib: Library) -> None:
    with store.session() as session:
        workspace = ensure_workspace("demo", session=session)
        assert workspace.id is not None
        admin.import_org(org_csv(), workspace=workspace, session=session)
        people = session.exec(select(Person)).all()
        for person in people:
            assert person.id is not None
            if person.display_name.split()[0] in OPTED_OUT:
                continue
            consent.grant(person.id, "messages", policy_version=POLICY, session=session)
            consent.grant(person.id, "checkins", policy_version=POLICY, session=session)
        hr = session.exec(select(Person).where(Person.email == "hana@demo.example")).one()
        for name, (_, _, channel, _, _) in TEAMS.items():
            team = session.exec(select(Team).where(Team.name == name)).one()
            listening.enable(
                "slack", channel, team, workspace_id=workspace.id, by=hr, session=session
            )


def _checkins(
    week_index: int, week: str, rng: random.Random, lib: Library, *, key: bytes, session: Session
) -> None:
    questions = {q.id: q for q in lib.questions()}
    for name, (_, arc, _, _, members) in TEAMS.items():
        team = session.exec(select(Team).where(Team.name == name)).one()
        assert team.id is not None
        checkin_round = checkins.open_round(
            team.workspace_id, team.id, week, library=lib, session=session
        )
        assert checkin_round.id is not None
        means = CHECKIN_MEANS[arc](week_index)
        for member in members:
            person = session.exec(
                select(Person).where(Person.email == f"{member.lower()}@demo.example")
            ).one()
            if member in OPTED_OUT or rng.random() > 0.9:
                continue
            for key_ in checkin_round.question_keys:
                mean = means[questions[key_].dimension.value]
                value = max(1, min(5, round(rng.gauss(mean, 0.7))))
                checkins.record_answer(
                    person, checkin_round.id, key_, value, key=key, session=session
                )


def run_demo(
    out: Path,
    *,
    seed: int = 7,
    weeks: int = 8,
    key: bytes = b"demo-secret-key-not-for-production-use-0123456789",
    progress: Callable[[str, int, int], None] | None = None,
    with_png: bool = True,
) -> DemoReport:
    """Run the whole demo into ``out`` (its database and every output file)."""
    from nudges.signals import analyze_many

    if weeks < 6:
        raise ValueError("the demo needs at least 6 weeks: 4 of baseline and 2 of change")
    out.mkdir(parents=True, exist_ok=True)
    for stale in ("demo.db", "demo.db-wal", "demo.db-shm"):
        (out / stale).unlink(missing_ok=True)
    for folder in ("slack", "teams", "charts"):
        shutil.rmtree(out / folder, ignore_errors=True)
        (out / folder).mkdir()
    rng = random.Random(seed)
    lib = library()
    labels = [shift(DEMO_END_WEEK, offset - weeks + 1) for offset in range(weeks)]
    report = DemoReport(out=out, weeks=labels)
    store = open_store(f"sqlite:///{out / 'demo.db'}")
    _setup(store, lib)
    messenger = ConsoleMessenger()
    settings = digest.DigestSettings(min_group=5, seed=seed, with_png=with_png)

    with (out / "input_messages.jsonl").open("w", encoding="utf-8") as log:
        for index, week in enumerate(labels):
            messages = week_messages(index, week, rng)
            for message in messages:
                log.write(
                    json.dumps(
                        {
                            "event_id": message.event_id,
                            "team": message.team,
                            "channel": message.channel_id,
                            "user": message.user_id,
                            "sent_at": message.sent_at.isoformat(),
                            "text": message.text,
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )
            events = [
                IncomingMessage(
                    platform="slack",
                    event_id=m.event_id,
                    channel_id=m.channel_id,
                    user_id=m.user_id,
                    text=m.text,
                    sent_at=m.sent_at,
                )
                for m in messages
            ]
            # Slack retries some deliveries: the same event arrives twice and counts once.
            events += events[::17]
            with store.session() as session:
                outcomes = listening.ingest(events, analyzer=analyze_many, key=key, session=session)
                _checkins(index, week, rng, lib, key=key, session=session)
                listening.close_week(week, session=session)
            report.messages += len(messages)
            report.counted += outcomes[listening.Outcome.COUNTED]
            _digests(week, index, store, messenger, lib, settings, report)
            _press_buttons(week, store, rng, report)
            if progress is not None:
                progress(week, index + 1, len(labels))
    store.dispose()
    (out / "digests.json").write_text(json.dumps(report.digests, indent=2, ensure_ascii=False))
    (out / "index.html").write_text(_html(report), encoding="utf-8")
    return report


def _digests(
    week: str,
    index: int,
    store: Store,
    messenger: ConsoleMessenger,
    lib: Library,
    settings: digest.DigestSettings,
    report: DemoReport,
) -> None:
    with store.session() as session:
        teams = session.exec(select(Team).order_by(Team.name)).all()
        managers = {t.id: session.get(Person, t.manager_id) for t in teams if t.manager_id}
    today = week_start(week) + timedelta(days=7)
    for team in teams:
        manager = managers.get(team.id)
        if manager is None:
            continue
        result = asyncio.run(
            digest.deliver(
                manager,
                team,
                week,
                today=today,
                store=store,
                messenger=messenger,
                library=lib,
                settings=settings,
            )
        )
        report.results.append(result)
        report.digests.append(_digest_record(result, manager, team, index))
        if result.message is not None:
            stem = f"{week}-{manager.email.split('@')[0]}"
            (report.out / "slack" / f"{stem}.json").write_text(
                json.dumps(to_slack(result.message), indent=2, ensure_ascii=False)
            )
            (report.out / "teams" / f"{stem}.json").write_text(
                json.dumps(to_card(result.message), indent=2, ensure_ascii=False)
            )
            if result.message.chart is not None and result.message.chart.png is not None:
                (report.out / "charts" / f"{stem}.png").write_bytes(result.message.chart.png)
                report.charts[(week, team.name)] = f"charts/{stem}.png"


def _press_buttons(week: str, store: Store, rng: random.Random, report: DemoReport) -> None:
    """Managers react to their digest as people do: some usually, some never."""
    for result in report.results:
        if result.week != week or result.delivery_id is None:
            continue
        outcome = result.outcome
        if not isinstance(outcome, engine.Nudge):
            continue
        with store.session() as session:
            manager = session.get(Person, result.manager_id)
            if manager is None:
                continue
            habit = FEEDBACK_HABITS.get(manager.email.split("@")[0], 0.5)
            if rng.random() >= habit:
                continue
            kind = rng.choices(["helpful", "did_this", "not_for_me"], [5, 3, 1])[0]
            feedback.record(
                result.delivery_id,
                outcome.prompt.id,
                outcome.situation.value,
                kind,
                manager_id=result.manager_id,
                session=session,
            )


def _digest_record(
    result: digest.DigestResult, manager: Person, team: Team, index: int
) -> dict[str, object]:
    record: dict[str, object] = {
        "week": result.week,
        "week_index": index,
        "manager": manager.email,
        "team": team.name,
    }
    outcome = result.outcome
    if isinstance(outcome, engine.Skip):
        record.update(
            {"sent": False, "reason": outcome.reason, "numbers_shown": False, "explanation": []}
        )
        return record
    record.update(
        {
            "sent": result.error is None,
            "prompt_id": outcome.prompt.id,
            "prompt_kind": outcome.prompt.kind,
            "prompt_title": outcome.prompt.title,
            "lesson_id": outcome.lesson.id if outcome.lesson else None,
            "situation": outcome.situation.value,
            "situations": [s.value for s in outcome.situations],
            "themes": [t.value for t in outcome.themes],
            "explanation": list(outcome.explanation),
            "numbers_shown": outcome.numbers_shown,
        }
    )
    return record


def _html(report: DemoReport) -> str:
    """A self-contained preview page: one card per digest, newest week first."""
    cards = []
    for result in reversed(report.results):
        message = result.message
        if message is None:
            continue
        sections = "".join(
            (f"<h3>{html.escape(s.heading)}</h3>" if s.heading else "")
            + "<p>"
            + html.escape(s.text).replace("\n", "<br>")
            + "</p>"
            + (
                "<div class=buttons>"
                + "".join(f"<span class=button>{html.escape(b.label)}</span>" for b in s.buttons)
                + "</div>"
                if s.buttons
                else ""
            )
            for s in message.sections
        )
        chart = ""
        if message.chart is not None:
            png = report.charts.get((result.week, result.team))
            image = f"<img src='{png}' alt='{html.escape(message.chart.alt_text)}'>" if png else ""
            chart = image + f"<p class=spark>{html.escape(message.chart.sparkline)}</p>"
        context = "".join(f"<p class=context>{html.escape(c)}</p>" for c in message.context)
        cards.append(
            f"<article><h2>{html.escape(message.title)}</h2>{sections}{chart}{context}</article>"
        )
    style = (
        "body{font-family:system-ui,sans-serif;max-width:760px;margin:2rem auto;color:#1d1c1d;"
        "background:#f4f4f6}article{background:#fff;border-radius:8px;padding:1rem 1.5rem;"
        "margin:1.5rem 0;box-shadow:0 1px 3px #0002}h2{font-size:1.1rem}h3{font-size:1rem;"
        "margin-bottom:.25rem}.button{display:inline-block;border:1px solid #ccc;"
        "border-radius:4px;padding:.2rem .6rem;margin:.2rem .3rem 0 0;font-size:.9rem}"
        ".context{color:#616061;font-size:.85rem}.spark{font-size:1.4rem;letter-spacing:2px}"
        "img{max-width:100%}"
    )
    return (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Empathy Nudge Bot demo</title>"
        f"<style>{style}</style><h1>Empathy Nudge Bot: demo digests</h1>"
        f"<p>{len(cards)} digests over weeks {report.weeks[0]} to {report.weeks[-1]}. "
        "Everything here was made from synthetic chat by the real pipeline.</p>"
        + "".join(cards)
        + "</html>"
    )
