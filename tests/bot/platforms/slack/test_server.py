"""The Slack app over real HTTP: signed requests in, Web API calls out to a fake Slack."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.store.db import Store
from bot.store.tables import (
    ChannelListening,
    CheckinResponse,
    CheckinRound,
    Consent,
    NudgeDelivery,
    Person,
    ProcessedEvent,
    SignalBucket,
)
from tests.bot.platforms.slack.harness import (
    CHANNEL,
    EMPLOYEES,
    Harness,
    running_bot,
    seed_org,
    sign,
)

pytestmark = pytest.mark.storage


@pytest.fixture
async def bot(database_url: str, store: Store) -> AsyncIterator[Harness]:
    seed_org(store)
    async with running_bot(database_url, store) as harness:
        yield harness


def _bucket(session: Session) -> SignalBucket | None:
    return session.exec(select(SignalBucket)).first()


def _processed(harness: Harness) -> int:
    with harness.store.session() as session:
        return len(session.exec(select(ProcessedEvent)).all())


# ---------------------------------------------------------------- request checks


async def test_url_verification(bot: Harness) -> None:
    body = json.dumps(
        {
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWM",
            "type": "url_verification",
        }
    )

    response = await bot.post(body, "application/json")

    assert response.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWM" in await response.text()


async def test_forged_signature_is_refused(bot: Harness) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "x"})

    response = await bot.post(body, "application/json", headers=sign(body, secret="wrong"))

    assert response.status == 401


async def test_stale_timestamp_is_refused(bot: Harness) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "x"})

    response = await bot.post(
        body, "application/json", headers=sign(body, int(time.time()) - 6 * 60)
    )

    assert response.status == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ('["a list"]', "application/json"),
        ('{"type": "event_callback", "event": "nope"}', "application/json"),
        ("payload=%7Bnot-json", "application/x-www-form-urlencoded"),
        ("hello=world", "application/x-www-form-urlencoded"),
        ("<xml/>", "text/xml"),
        ('{"type": "event_callback", "event": {"text": "no type"}}', "application/json"),
        (
            "payload=" + '{"type":"view_submission","user":{"id":"U1"},"view":{}}',
            "application/x-www-form-urlencoded",
        ),
        (
            "payload=" + '{"type":"block_actions","user":{"id":"U1"},"actions":[]}',
            "application/x-www-form-urlencoded",
        ),
        (
            "payload=" + '{"type":"block_actions","actions":[{"action_id":"x"}]}',
            "application/x-www-form-urlencoded",
        ),
    ],
)
async def test_malformed_bodies_get_400_and_a_log_line(
    bot: Harness, body: str, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = await bot.post(body, content_type)

    assert response.status == 400
    assert any("refused (400)" in record.getMessage() for record in caplog.records)


# ---------------------------------------------------------------- listening


async def test_black_box_five_of_six_opted_in_one_retry(bot: Harness, database_url: str) -> None:
    for index, user in enumerate(EMPLOYEES):
        response = await bot.message(
            user, f"shipping the release today, great work {index}", event_id=f"Ev0{index}"
        )
        assert response.status == 200
    retried = await bot.message(
        EMPLOYEES[0], "shipping the release today, great work 0", event_id="Ev00", retry=1
    )
    assert retried.status == 200
    await bot.until(lambda: _processed(bot) == 5)

    result = CliRunner().invoke(
        cli,
        ["signals", "show", "--team", "Platform", "--json"],
        env={"DATABASE_URL": database_url, "EMPATHYBOT_SECRET_KEY": "k" * 40},
    )

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert (shown["contributors"], shown["messages"]) == (5, 5)


async def test_bot_messages_edits_and_other_channels_are_not_counted(bot: Harness) -> None:
    await bot.event(
        {
            "type": "message",
            "subtype": "message_changed",
            "channel": CHANNEL,
            "ts": "1.0",
            "user": EMPLOYEES[0],
            "text": "x",
        },
        event_id="EvE",
    )
    await bot.event(
        {
            "type": "message",
            "bot_id": "B1",
            "channel": CHANNEL,
            "ts": "1.0",
            "user": EMPLOYEES[0],
            "text": "x",
        },
        event_id="EvB",
    )
    await bot.message(EMPLOYEES[0], "hello elsewhere", event_id="EvC", channel="COTHER")
    await bot.message(EMPLOYEES[1], "counted", event_id="EvOK")
    await bot.until(lambda: _processed(bot) == 1)

    with bot.store.session() as session:
        bucket = _bucket(session)
        assert bucket is not None
        assert bucket.message_count == 1


# ---------------------------------------------------------------- slash commands


def _text(reply: dict[str, Any]) -> str:
    return json.dumps(reply.get("blocks", [])) + reply.get("text", "")


async def test_help_and_unknown_input(bot: Harness) -> None:
    help_reply = await bot.command("help", user=EMPLOYEES[0])
    unknown = await bot.command("sudo make me a sandwich", user=EMPLOYEES[0])

    assert help_reply["response_type"] == "ephemeral"
    assert "optin" in _text(help_reply)
    assert "I don't know `sudo`" in _text(unknown)


async def test_optin_optout_status(bot: Harness) -> None:
    user = EMPLOYEES[5]
    assert "off" in _text(await bot.command("status", user=user))

    assert "you're in" in _text(await bot.command("optin messages", user=user))
    status = _text(await bot.command("status", user=user))
    assert "messages: on since" in status
    assert "checkins: off" in status

    assert "stopped" in _text(await bot.command("optout", user=user))
    with bot.store.session() as session:
        person = session.exec(select(Person).where(Person.slack_user_id == user)).one()
        history = session.exec(select(Consent).where(Consent.person_id == person.id)).all()
        assert [(c.scope, c.revoked_at is not None) for c in history] == [("messages", True)]


async def test_privacy_receipt(bot: Harness) -> None:
    reply = _text(await bot.command("privacy", user=EMPLOYEES[0]))

    assert "Your data receipt" in reply
    assert "Message text: none, ever." in reply
    assert CHANNEL in reply


async def test_erase_asks_then_erases(bot: Harness) -> None:
    ask = await bot.command("erase", user=EMPLOYEES[0])
    assert "privacy_erase_confirm" in json.dumps(ask["blocks"])

    response = await bot.action(
        {
            "type": "block_actions",
            "user": {"id": EMPLOYEES[0]},
            "actions": [{"action_id": "privacy_erase_confirm", "value": "1", "type": "button"}],
        }
    )
    assert response.status == 200
    await bot.until(lambda: bool(bot.fake.called("response_url")))

    with bot.store.session() as session:
        assert (
            session.exec(select(Person).where(Person.slack_user_id == EMPLOYEES[0])).first() is None
        )
    assert "erased" in json.dumps(bot.fake.called("response_url")[0])


async def test_listen_on_and_off(bot: Harness) -> None:
    refused = await bot.command("listen on", user=EMPLOYEES[0], channel="CNEW")
    assert "Only HR or the team's manager" in _text(refused)

    on = await bot.command("listen on", user="UMGR00001", channel="CNEW")
    assert on["response_type"] == "in_channel"
    assert "What is collected" in _text(on)
    missing = await bot.command("listen on Marketing", user="UHR000001", channel="COTHER")
    assert "There is no team called marketing" in _text(missing)
    refused_off = await bot.command("listen off", user=EMPLOYEES[0], channel="CNEW")
    assert "Only HR or the team's manager" in _text(refused_off)
    off = await bot.command("listen off", user="UHR000001", channel="CNEW")
    assert "Listening is off" in _text(off)

    with bot.store.session() as session:
        rows = session.exec(
            select(ChannelListening).where(ChannelListening.channel_id == "CNEW")
        ).all()
        assert [row.disabled_at is not None for row in rows] == [True]


async def test_snooze_is_for_managers(bot: Harness) -> None:
    assert "don't receive one" in _text(await bot.command("snooze 2", user=EMPLOYEES[0]))
    assert "paused until" in _text(await bot.command("snooze 2", user="UMGR00001"))
    assert "from 0 to 8" in _text(await bot.command("snooze forever", user="UMGR00001"))


async def test_settings_opens_the_modal_for_hr_only(bot: Harness) -> None:
    assert "for HR" in _text(await bot.command("settings", user=EMPLOYEES[0]))

    await bot.command("settings", user="UHR000001")
    await bot.until(lambda: bool(bot.fake.called("views.open")))

    view = bot.fake.called("views.open")[0]["view"]
    assert view["callback_id"] == "schedule_settings"


# ---------------------------------------------------------------- check-ins


async def test_checkin_answer_flow(bot: Harness) -> None:
    user = EMPLOYEES[0]
    await bot.command("checkin", user=user)
    await bot.until(lambda: bool(bot.fake.called("chat.postMessage")))
    posted = bot.fake.called("chat.postMessage")[0]
    button = next(
        element
        for block in posted["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].startswith("checkin_answer:")
    )

    await bot.action(
        {
            "type": "block_actions",
            "user": {"id": user},
            "channel": {"id": posted["channel"]},
            "container": {"type": "message", "message_ts": "1700000000.000001"},
            "message": {"ts": "1700000000.000001", "blocks": posted["blocks"]},
            "actions": [
                {"action_id": button["action_id"], "value": button["value"], "type": "button"}
            ],
        }
    )
    await bot.until(lambda: bool(bot.fake.called("chat.update")))

    with bot.store.session() as session:
        (answer,) = session.exec(select(CheckinResponse)).all()
        assert answer.respondent != user
        assert session.exec(select(CheckinRound)).one().id == answer.round_id
    assert "Saved:" in json.dumps(bot.fake.called("chat.update")[0]["blocks"])


async def test_distress_comment_shows_support_to_the_author_only(bot: Harness) -> None:
    view = {
        "type": "view_submission",
        "user": {"id": EMPLOYEES[0]},
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "checkin_comment",
            "private_metadata": "1",
            "state": {
                "values": {
                    "comment": {
                        "text": {
                            "type": "plain_text_input",
                            "value": "i can't do this anymore, i just want to disappear forever",
                        }
                    }
                }
            },
        },
    }
    response = await bot.action(view)
    ordinary = await bot.action(
        {
            **view,
            "view": {
                **view["view"],
                "state": {
                    "values": {
                        "comment": {"text": {"type": "plain_text_input", "value": "busy but fine"}}
                    }
                },
            },
        }
    )

    body = json.loads(await response.text())
    assert body["response_action"] == "update"
    assert "findahelpline.com" in json.dumps(body["view"])
    assert await ordinary.text() == ""
    assert bot.fake.called("chat.postMessage") == []


# ---------------------------------------------------------------- digests and home


async def test_digest_send_posts_to_each_manager(bot: Harness, database_url: str) -> None:
    result = await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["digest", "send"],
        env={
            "DATABASE_URL": database_url,
            "EMPATHYBOT_SECRET_KEY": "k" * 40,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": f"{bot.fake.base_url}/api/",
        },
    )

    assert result.exit_code == 0, result.output
    posted = bot.fake.called("chat.postMessage")
    assert [call["channel"] for call in posted] == ["DHR000001", "DMGR00001"]
    assert all(any(block["type"] == "header" for block in call["blocks"]) for call in posted)
    with bot.store.session() as session:
        assert {d.status for d in session.exec(select(NudgeDelivery))} == {"sent"}


async def test_digest_feedback_is_recorded_and_acknowledged_in_place(
    bot: Harness, database_url: str
) -> None:
    await asyncio.to_thread(
        CliRunner().invoke,
        cli,
        ["digest", "send", "--team", "Platform"],
        env={
            "DATABASE_URL": database_url,
            "EMPATHYBOT_SECRET_KEY": "k" * 40,
            "SLACK_BOT_TOKEN": "xoxb-test-token",
            "SLACK_API_URL": f"{bot.fake.base_url}/api/",
        },
    )
    posted = bot.fake.called("chat.postMessage")[0]
    helpful = next(
        element
        for block in posted["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == "nudge_helpful"
    )

    await bot.action(
        {
            "type": "block_actions",
            "user": {"id": "UMGR00001"},
            "channel": {"id": posted["channel"]},
            "message": {"ts": "1700000000.000001", "text": "digest", "blocks": posted["blocks"]},
            "actions": [
                {"action_id": "nudge_helpful", "value": helpful["value"], "type": "button"}
            ],
        }
    )
    await bot.until(lambda: bool(bot.fake.called("chat.update")))

    assert "Marked as helpful" in json.dumps(bot.fake.called("chat.update")[0]["blocks"])


@pytest.mark.parametrize(
    ("user", "expected", "absent"),
    [
        (EMPLOYEES[0], ["What you share", "Your data receipt"], ["Schedules (HR)", "Team "]),
        ("UMGR00001", ["Your latest digest", "Team Platform"], ["Schedules (HR)"]),
        ("UHR000001", ["Schedules (HR)", "settings_open"], []),
    ],
)
async def test_app_home_by_role(
    bot: Harness, user: str, expected: list[str], absent: list[str]
) -> None:
    await bot.event(
        {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"},
        event_id=f"EvHome{user}",
    )
    await bot.until(lambda: bool(bot.fake.called("views.publish")))

    published = json.dumps(bot.fake.called("views.publish")[0]["view"])
    for text in expected:
        assert text in published
    for text in absent:
        assert text not in published


async def test_health_and_readiness(bot: Harness) -> None:
    health = await bot.http.get(f"{bot.url}/healthz")
    ready = await bot.http.get(f"{bot.url}/readyz")

    assert (health.status, ready.status) == (200, 200)


# ---------------------------------------------------------------- fuzzing


def _mutations(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """A random, type-confused variant of a valid payload."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            roll = rng.random()
            if roll < 0.15:
                continue
            out[key] = (
                _mutations(item, rng, depth + 1)
                if roll < 0.8
                else rng.choice([None, 7, [], "", {"x": 1}, "zz", True])
            )
        return out
    if isinstance(value, list):
        return [_mutations(item, rng, depth + 1) for item in value if rng.random() > 0.2]
    return value if rng.random() < 0.7 else rng.choice([None, 0, [], {}, "", "\u202e\u200b"])


VALID = [
    (
        "json",
        {
            "type": "event_callback",
            "event_id": "Ev1",
            "team_id": "T1",
            "event": {
                "type": "message",
                "channel": CHANNEL,
                "user": EMPLOYEES[0],
                "text": "hi",
                "ts": "1.0",
            },
        },
    ),
    (
        "json",
        {
            "type": "event_callback",
            "event_id": "Ev2",
            "event": {"type": "app_home_opened", "user": EMPLOYEES[0], "tab": "home"},
        },
    ),
    (
        "payload",
        {
            "type": "block_actions",
            "user": {"id": EMPLOYEES[0]},
            "team": {"id": "T1"},
            "channel": {"id": "D1"},
            "message": {"ts": "1.0", "blocks": []},
            "actions": [{"action_id": "nudge_helpful", "value": "1|x|evergreen"}],
        },
    ),
    (
        "payload",
        {
            "type": "view_submission",
            "user": {"id": EMPLOYEES[0]},
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": "schedule_settings",
                "state": {
                    "values": {
                        "digest_time": {"value": {"type": "timepicker", "selected_time": "25:99"}}
                    }
                },
            },
        },
    ),
]


async def test_fuzzed_payloads_never_cause_a_server_error(bot: Harness) -> None:
    rng = random.Random(20261126)
    statuses = []
    for round_number in range(160):
        kind, valid = VALID[round_number % len(VALID)]
        mutated = _mutations(valid, rng)
        if kind == "json":
            body = json.dumps(mutated)
            response = await bot.post(body, "application/json")
        else:
            response = await bot.post(
                urlencode({"payload": json.dumps(mutated)}), "application/x-www-form-urlencoded"
            )
        statuses.append(response.status)

    assert all(status < 500 for status in statuses), sorted(set(statuses))
    await asyncio.sleep(0.3)  # let acknowledged listeners finish before the server stops
