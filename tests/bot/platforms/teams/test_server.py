"""The Teams bot over real HTTP: activities in, Bot Connector calls out to a fake connector.

Every card the bot sends, in a message or as the answer to a button, is checked against
the Adaptive Card 1.5 schema.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from bot.errors import ConfigError, DeliveryError
from bot.platforms.base import Recipient
from bot.platforms.teams.messenger import TeamsMessenger
from bot.platforms.teams.routes import build_teams_routes
from bot.services import digest
from bot.store.db import Store
from bot.store.tables import (
    ChannelListening,
    CheckinResponse,
    CheckinRound,
    Consent,
    NudgeFeedback,
    Person,
    ProcessedEvent,
    Schedule,
    SignalBucket,
    Team,
    TeamsConversation,
)
from bot.wiring import build_services
from nudges.message import Message, Section
from nudges.weeks import shift, week_label
from tests.bot.platforms.teams.fake_connector import running_fake_connector
from tests.bot.platforms.teams.harness import (
    CHANNEL,
    EMPLOYEES,
    HR,
    MANAGER,
    TEAM,
    Harness,
    personal_conversation,
    running_bot,
    seed_org,
    settings_for,
)
from tests.bot.platforms.teams.test_cards import card_schema_problems

pytestmark = pytest.mark.storage

CARD = "application/vnd.microsoft.card.adaptive"
HELLO = Message(title="Hello", summary="Hello", sections=(Section(text="Hi"),))


def _problems(cards: list[dict[str, Any]]) -> list[str]:
    return [problem for card in cards for problem in card_schema_problems(card)]


@pytest.fixture
async def bot(database_url: str, store: Store) -> AsyncIterator[Harness]:
    seed_org(store)
    async with running_bot(database_url, store) as harness:
        yield harness
        assert _problems(harness.fake.cards()) == []


def _text(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


def _card_answer(answer: Any) -> dict[str, Any]:
    """The card in an ``Action.Execute`` answer, checked against the schema."""
    assert answer["statusCode"] == 200, answer
    assert answer["type"] == CARD, answer
    card: dict[str, Any] = answer["value"]
    assert card_schema_problems(card) == []
    return card


def _message_answer(answer: Any) -> str:
    assert (answer["statusCode"], answer["type"]) == (
        200,
        "application/vnd.microsoft.activity.message",
    ), answer
    return str(answer["value"])


def _processed(harness: Harness) -> int:
    with harness.store.session() as session:
        return len(session.exec(select(ProcessedEvent)).all())


def _verbs(card: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute":
                found.append(node["verb"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


def _action_value(card: dict[str, Any], verb: str) -> str:
    def walk(node: Any) -> str | None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("verb") == verb:
                return str(node["data"]["value"])
            for value in node.values():
                if (found := walk(value)) is not None:
                    return found
        elif isinstance(node, list):
            for value in node:
                if (found := walk(value)) is not None:
                    return found
        return None

    value = walk(card)
    assert value is not None, f"no {verb} button"
    return value


async def _empathybot(*args: str, database_url: str) -> Any:
    """Run the real command in its own process, as an operator would, and read its JSON."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env=os.environ | {"DATABASE_URL": database_url, "EMPATHYBOT_SECRET_KEY": "k" * 40},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()
    assert process.returncode == 0, stderr.decode()
    return json.loads(stdout)


# ---------------------------------------------------------------- install


async def test_installing_for_oneself_sends_the_welcome_card_and_keeps_the_chat(
    bot: Harness,
) -> None:
    status, _ = await bot.install_personal(EMPLOYEES[0])

    assert status == 202
    (welcome,) = bot.fake.cards(personal_conversation(EMPLOYEES[0]))
    assert "Welcome to Empathy Nudge Bot" in _text(welcome)
    assert _verbs(welcome) == ["teams_command"] * 3
    with bot.store.session() as session:
        row = session.exec(select(TeamsConversation)).one()
        person = session.exec(select(Person).where(Person.teams_user_id == EMPLOYEES[0])).one()
        assert (row.conversation_id, row.conversation_type, row.person_id) == (
            personal_conversation(EMPLOYEES[0]),
            "personal",
            person.id,
        )
        assert row.reference["user"]["aadObjectId"] == EMPLOYEES[0]
        assert row.service_url == bot.fake.service_url


async def test_adding_the_app_to_a_team_posts_a_notice_and_listens_to_nothing_yet(
    bot: Harness,
) -> None:
    await bot.install_in_team(HR)

    (notice,) = bot.fake.cards()
    assert bot.fake.sent()[0].conversation_id == TEAM
    assert "Nothing in this conversation is read yet" in _text(notice)
    with bot.store.session() as session:
        row = session.exec(select(TeamsConversation)).one()
        assert (row.conversation_type, row.person_id, "user" in row.reference) == (
            "channel",
            None,
            False,
        )


async def test_the_welcome_buttons_run_their_verb_in_place(bot: Harness) -> None:
    status, answer = await bot.press(EMPLOYEES[5], "teams_command", "optin")

    assert status == 200
    assert "you're in" in _text(_card_answer(answer))
    with bot.store.session() as session:
        person = session.exec(select(Person).where(Person.teams_user_id == EMPLOYEES[5])).one()
        scopes = {
            c.scope for c in session.exec(select(Consent).where(Consent.person_id == person.id))
        }
        assert scopes == {"messages", "checkins"}


async def test_uninstalling_forgets_the_chat(bot: Harness) -> None:
    await bot.install_personal(EMPLOYEES[0])

    await bot.post(bot.personal(EMPLOYEES[0], type="installationUpdate", action="remove"))

    with bot.store.session() as session:
        assert session.exec(select(TeamsConversation)).all() == []


# ---------------------------------------------------------------- personal chat verbs


async def _ask(bot: Harness, user: str, text: str) -> dict[str, Any]:
    before = len(bot.fake.cards(personal_conversation(user)))
    status, _ = await bot.say(user, text)
    assert status == 202
    cards = bot.fake.cards(personal_conversation(user))
    assert len(cards) == before + 1, cards[before:]
    return cards[-1]


async def test_help_and_unknown_words(bot: Harness) -> None:
    help_card = _text(await _ask(bot, EMPLOYEES[0], "help"))
    unknown = _text(await _ask(bot, EMPLOYEES[0], "sudo make me a sandwich"))
    mentioned = _text(await _ask(bot, EMPLOYEES[0], "@Empathy help"))

    assert "type `@Empathy <word>`" in help_card
    assert "optin" in help_card
    assert "I don't know `sudo`" in unknown
    assert mentioned == help_card


async def test_optin_optout_status(bot: Harness) -> None:
    user = EMPLOYEES[5]
    assert "messages: off" in _text(await _ask(bot, user, "status"))

    assert "you're in" in _text(await _ask(bot, user, "optin messages"))
    status = _text(await _ask(bot, user, "status"))
    assert "messages: on since" in status
    assert "checkins: off" in status

    assert "stopped" in _text(await _ask(bot, user, "optout"))
    with bot.store.session() as session:
        person = session.exec(select(Person).where(Person.teams_user_id == user)).one()
        history = session.exec(select(Consent).where(Consent.person_id == person.id)).all()
        assert [(c.scope, c.revoked_at is not None) for c in history] == [("messages", True)]


async def test_privacy_receipt(bot: Harness) -> None:
    receipt = _text(await _ask(bot, EMPLOYEES[0], "privacy"))

    assert "Your data receipt" in receipt
    assert "Message text: none, ever." in receipt
    assert CHANNEL in receipt


async def test_erase_asks_then_erases_in_place(bot: Harness) -> None:
    ask = await _ask(bot, EMPLOYEES[0], "erase")
    assert _verbs(ask) == ["privacy_erase_confirm"]

    status, answer = await bot.press(
        EMPLOYEES[0], "privacy_erase_confirm", _action_value(ask, "privacy_erase_confirm")
    )

    assert status == 200
    assert "Everything stored about you is erased" in _text(_card_answer(answer))
    with bot.store.session() as session:
        assert (
            session.exec(select(Person).where(Person.teams_user_id == EMPLOYEES[0])).first() is None
        )
        assert session.exec(select(TeamsConversation)).all() == []


async def test_snooze_is_for_managers(bot: Harness) -> None:
    assert "don't receive one" in _text(await _ask(bot, EMPLOYEES[0], "snooze 2"))
    assert "paused until" in _text(await _ask(bot, MANAGER, "snooze 2"))
    assert "from 0 to 8" in _text(await _ask(bot, MANAGER, "snooze forever"))


async def test_unknown_people_are_told_to_ask_hr(bot: Harness) -> None:
    assert "I don't know you yet" in _text(await _ask(bot, "aad-stranger", "status"))


# ---------------------------------------------------------------- check-ins


async def test_checkin_answer_refreshes_the_card(bot: Harness) -> None:
    user = EMPLOYEES[0]
    checkin = await _ask(bot, user, "checkin")
    verb = next(v for v in _verbs(checkin) if v.startswith("checkin_answer:"))

    status, answer = await bot.press(user, verb, _action_value(checkin, verb))

    assert status == 200
    assert "Saved:" in _text(_card_answer(answer))
    with bot.store.session() as session:
        (saved,) = session.exec(select(CheckinResponse)).all()
        assert saved.respondent != user


async def test_checkin_answers_need_consent(bot: Harness) -> None:
    checkin = await _ask(bot, EMPLOYEES[0], "checkin")
    verb = next(v for v in _verbs(checkin) if v.startswith("checkin_answer:"))

    _, answer = await bot.press(EMPLOYEES[5], verb, _action_value(checkin, verb))

    assert "opt in first" in _message_answer(answer)
    assert "Check-ins are off for you" in _text(await _ask(bot, EMPLOYEES[5], "checkin"))


async def test_a_distressed_comment_shows_support_to_its_author_only(bot: Harness) -> None:
    checkin = await _ask(bot, EMPLOYEES[0], "checkin")
    round_id = _action_value(checkin, "checkin_comment")
    _, box = await bot.press(EMPLOYEES[0], "checkin_comment", round_id)
    box_card = _card_answer(box)
    assert _verbs(box_card) == ["checkin_comment_send", "checkin_show"]
    sent_before = len(bot.fake.calls)

    _, distressed = await bot.press(
        EMPLOYEES[0],
        "checkin_comment_send",
        round_id,
        inputs={"comment": "i can't do this anymore, i just want to disappear forever"},
    )
    _, ordinary = await bot.press(
        EMPLOYEES[0], "checkin_comment_send", round_id, inputs={"comment": "busy but fine"}
    )
    _, back = await bot.press(EMPLOYEES[0], "checkin_show", round_id)

    assert "findahelpline.com" in _text(_card_answer(distressed))
    assert "not stored" in _text(_card_answer(ordinary))
    assert "Quick check-in" in _text(_card_answer(back))
    assert len(bot.fake.calls) == sent_before  # nothing was posted anywhere


# ---------------------------------------------------------------- HR settings


async def test_settings_sends_the_schedule_editor_to_hr_only(bot: Harness) -> None:
    assert "Settings are for HR" in _text(await _ask(bot, EMPLOYEES[0], "settings"))

    editor = await _ask(bot, HR, "settings")

    assert _verbs(editor) == ["schedule_save", "schedule_show"]
    inputs = [element.get("id") for element in editor["body"] if "id" in element]
    assert inputs == [
        "scope",
        "digest_day",
        "digest_time",
        "cadence",
        "checkin_day",
        "checkin_time",
        "paused",
    ]


async def test_hr_saves_a_schedule_from_the_card(bot: Harness) -> None:
    with bot.store.session() as session:
        team_id = str(session.exec(select(Team).where(Team.name == "Platform")).one().id)
    form = {
        "scope": team_id,
        "digest_day": "tue",
        "digest_time": "10:30",
        "cadence": "biweekly",
        "checkin_day": "thu",
        "checkin_time": "14:00",
        "paused": "false",
    }

    _, shown = await bot.press(HR, "schedule_show", "org", inputs={"scope": team_id})
    _, refused = await bot.press(
        HR, "schedule_save", team_id, inputs=form | {"digest_time": "25:99"}
    )
    _, saved = await bot.press(HR, "schedule_save", team_id, inputs=form)
    _, not_hr = await bot.press(EMPLOYEES[0], "schedule_save", team_id, inputs=form)

    assert _card_answer(shown)["body"][1]["value"] == team_id
    assert "use a 24-hour time like 09:00" in _text(_card_answer(refused))
    assert "Saved for Platform." in _text(_card_answer(saved))
    assert _message_answer(not_hr) == "Only HR can change schedules."
    with bot.store.session() as session:
        (row,) = session.exec(select(Schedule)).all()
        assert (row.digest_weekday, row.digest_time, row.checkin_cadence) == (
            1,
            "10:30",
            "biweekly",
        )


# ---------------------------------------------------------------- channels


async def test_black_box_five_of_six_opted_in_one_duplicated(
    bot: Harness, database_url: str
) -> None:
    for index, user in enumerate(EMPLOYEES):
        status, _ = await bot.channel_message(
            user, f"<p>shipping the release today, great work {index}</p>", id=f"17000000001{index}"
        )
        assert status == 202
    duplicate, _ = await bot.channel_message(
        EMPLOYEES[0], "<p>shipping the release today, great work 0</p>", id="170000000010"
    )
    assert duplicate == 202
    await bot.until(lambda: _processed(bot) == 5)
    await bot.services.ingest.drain()

    shown = await _empathybot(
        "signals", "show", "--team", "Platform", "--json", database_url=database_url
    )

    assert (shown["contributors"], shown["messages"]) == (5, 5)
    assert bot.fake.calls == []  # listening never answers in the channel


async def test_an_opted_out_person_is_not_counted(bot: Harness) -> None:
    await bot.channel_message(EMPLOYEES[5], "not opted in", id="1700000000201")
    await bot.channel_message(EMPLOYEES[1], "opted in", id="1700000000202")
    await bot.until(lambda: _processed(bot) == 1)
    await bot.services.ingest.drain()

    assert bot.services.ingest.totals == {"no_consent": 1, "counted": 1}


async def test_edits_other_bots_and_silent_channels_are_not_counted(bot: Harness) -> None:
    other_bot = bot.in_channel(EMPLOYEES[0], type="message", text="x")
    other_bot["from"] = {"id": "28:other", "role": "bot"}
    await bot.post(bot.in_channel(EMPLOYEES[0], type="messageUpdate", text="edited"))
    await bot.post(other_bot)
    await bot.channel_message(EMPLOYEES[0], "elsewhere", channel="19:other@thread.tacv2")
    await bot.channel_message(EMPLOYEES[1], "counted", id="1700000000301")
    await bot.until(lambda: _processed(bot) == 1)
    await bot.services.ingest.drain()

    with bot.store.session() as session:
        (bucket,) = session.exec(select(SignalBucket)).all()
        assert bucket.message_count == 1


async def test_listen_on_and_off_by_mention(bot: Harness) -> None:
    new_channel = "19:aaaabbbbccccddddeeeeffff00001111@thread.tacv2"
    await bot.install_personal(EMPLOYEES[0])

    await bot.mention(EMPLOYEES[0], "listen on", channel=new_channel)
    await bot.mention(MANAGER, "listen on", channel=new_channel)
    await bot.mention(HR, "listen off", channel=new_channel)

    in_channel = [
        _text(card)
        for card in bot.fake.cards()
        if "Listening" in _text(card) or "answered" in _text(card)
    ]
    assert "Listening is now on in this channel" in in_channel[1]
    assert "Listening is off in this channel" in in_channel[2]
    assert [call.conversation_id.split(";")[0] for call in bot.fake.sent()[1:]] == [
        personal_conversation(EMPLOYEES[0]),  # the refusal, privately
        new_channel,  # "I answered you in our personal chat."
        new_channel,
        new_channel,
    ]
    refusal = bot.fake.cards(personal_conversation(EMPLOYEES[0]))[-1]
    assert "Only HR or the team's manager" in _text(refusal)
    with bot.store.session() as session:
        rows = session.exec(
            select(ChannelListening).where(ChannelListening.channel_id == new_channel)
        ).all()
        assert [(row.platform, row.disabled_at is not None) for row in rows] == [("teams", True)]


async def test_private_answers_never_go_to_the_channel(bot: Harness) -> None:
    await bot.mention(EMPLOYEES[0], "status")  # no personal chat with the bot yet

    (hint,) = bot.fake.cards()
    assert "I only answer that in our personal chat" in _text(hint)
    assert "messages: on" not in _text(hint)


async def test_a_mention_is_a_command_and_is_not_scored(bot: Harness) -> None:
    await bot.mention(EMPLOYEES[0], "help")
    await bot.channel_message(EMPLOYEES[1], "counted", id="1700000000401")
    await bot.until(lambda: _processed(bot) == 1)
    await bot.services.ingest.drain()

    assert bot.services.ingest.totals == {"counted": 1}


# ---------------------------------------------------------------- digests


async def test_a_digest_reaches_the_manager_after_a_restart(
    database_url: str, store: Store
) -> None:
    seed_org(store)
    last_week = datetime.now(UTC) - timedelta(days=7)
    async with running_fake_connector() as fake:
        async with running_bot(database_url, store, fake=fake) as first:
            await first.install_personal(MANAGER)
            for index, user in enumerate(EMPLOYEES):
                await first.channel_message(
                    user,
                    f"tired, the deadline pressure is a lot this week {index}",
                    id=f"17000000005{index}",
                    timestamp=last_week.isoformat(),
                )
            await first.until(lambda: _processed(first) == 5)
        fake.calls.clear()

        async with running_bot(database_url, store, fake=fake) as second:
            with store.session() as session:
                manager = session.exec(select(Person).where(Person.teams_user_id == MANAGER)).one()
                team = session.exec(select(Team).where(Team.name == "Platform")).one()
            result = await digest.deliver(
                manager,
                team,
                shift(week_label(datetime.now(UTC).date()), -1),
                today=datetime.now(UTC).date(),
                store=store,
                messenger=TeamsMessenger(second.services),
                library=second.services.library,
                settings=digest.DigestSettings(min_group=5, with_png=True),
            )

            assert result.error is None
            assert result.receipt is not None
            assert result.receipt.platform == "teams"
            (card,) = fake.cards(personal_conversation(MANAGER))
            assert card_schema_problems(card) == []
            images = [e for e in card["body"] if e["type"] == "Image"]
            assert [image["url"][:22] for image in images] == ["data:image/png;base64,"]
            assert {"nudge_helpful", "nudge_not_for_me", "nudge_did_this"} <= set(_verbs(card))

            value = _action_value(card, "nudge_helpful")
            _, first_press = await second.press(MANAGER, "nudge_helpful", value)
            _, again = await second.press(MANAGER, "nudge_helpful", value)
            _, not_theirs = await second.press(HR, "nudge_helpful", value)

    assert _message_answer(first_press) == "Marked as helpful. Thank you!"
    assert _message_answer(again) == "Already noted. Thank you!"
    assert _message_answer(not_theirs) == "that digest is not yours"
    with store.session() as session:
        assert [f.kind for f in session.exec(select(NudgeFeedback))] == ["helpful"]


async def test_snooze_from_a_digest_card(bot: Harness) -> None:
    _, answer = await bot.press(MANAGER, "digest_snooze", "42")

    assert "Digests paused until" in _message_answer(answer)
    with bot.store.session() as session:
        manager = session.exec(select(Person).where(Person.teams_user_id == MANAGER)).one()
        assert manager.digests_snoozed_until is not None


async def test_sending_fails_for_good_without_a_chat_or_when_the_app_was_removed(
    bot: Harness,
) -> None:
    for user in EMPLOYEES[1:3]:
        await bot.install_personal(user)
    bot.fake.failing[personal_conversation(EMPLOYEES[1])] = 403
    bot.fake.failing[personal_conversation(EMPLOYEES[2])] = 429
    messenger = TeamsMessenger(bot.services)
    with bot.store.session() as session:
        people = {
            p.teams_user_id: Recipient(p.id or 0, p.display_name, teams_user_id=p.teams_user_id)
            for p in session.exec(select(Person))
        }

    outcomes = []
    for user in EMPLOYEES[:3]:
        with pytest.raises(DeliveryError) as failed:
            await messenger.send(people[user], HELLO)
        outcomes.append((str(failed.value), failed.value.permanent, failed.value.retry_after))

    assert outcomes == [
        (
            "no personal chat with this person yet: the app must be installed for them",
            True,
            None,
        ),
        ("bot connector answered 403", True, None),
        ("bot connector answered 429", False, 3.0),
    ]


# ---------------------------------------------------------------- request checks


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        '["a list"]',
        '{"type": "message"}',
        '{"type": "message", "conversation": {"id": "a:1"}, "from": "nobody"}',
        '{"type": 7, "conversation": {"id": "a:1"}}',
    ],
)
async def test_malformed_bodies_get_400_and_a_log_line(
    bot: Harness, body: str, caplog: pytest.LogCaptureFixture
) -> None:
    status, _ = await bot.post(body)

    assert status == 400
    assert any("refused (400)" in record.getMessage() for record in caplog.records)


async def test_a_service_url_outside_the_allow_list_is_refused(bot: Harness) -> None:
    activity = bot.personal(EMPLOYEES[0], type="message", text="help")
    activity["serviceUrl"] = "https://attacker.example.com/"

    status, _ = await bot.post(activity)

    assert status == 401
    assert bot.fake.calls == []
    with bot.store.session() as session:
        assert session.exec(select(TeamsConversation)).all() == []


async def test_with_an_app_id_a_request_without_a_valid_token_is_refused(
    database_url: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    seed_org(store)
    registration = {
        "TEAMS_APP_ID": "5e7b1f2a-0c3d-4e8f-9a1b-2c3d4e5f6a7b",
        "TEAMS_APP_PASSWORD": "not-a-real-secret",
        "TEAMS_TENANT_ID": "72f988bf-86f1-41af-91ab-2d7cd011db47",
    }
    async with running_bot(database_url, store, env=registration) as secured:
        activity = secured.personal(EMPLOYEES[0], type="message", text="status")
        statuses = [
            (await secured.post(activity, headers=headers))[0]
            for headers in (
                {},
                {"Authorization": "Basic dXNlcjpwYXNz"},
                {"Authorization": "Bearer"},
                {"Authorization": "Bearer not.a.jwt"},
                {"Authorization": "Bearer a b"},
            )
        ]
        await asyncio.sleep(0.05)

        assert statuses == [401] * 5
        assert secured.fake.calls == []
        assert secured.services.ingest.pending == 0
    assert not any("ANONYMOUS mode" in record.getMessage() for record in caplog.records)


async def test_anonymous_mode_says_so_at_start_up(
    database_url: str, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    build_teams_routes(build_services(settings_for(database_url), store=store))

    assert any(
        "ANONYMOUS mode" in record.getMessage() and record.levelname == "WARNING"
        for record in caplog.records
    )


@pytest.mark.parametrize(
    ("extra", "variable"),
    [
        ({"TEAMS_APP_ID": "5e7b1f2a-0c3d-4e8f-9a1b-2c3d4e5f6a7b"}, "TEAMS_APP_PASSWORD"),
        (
            {"TEAMS_APP_ID": "5e7b1f2a-0c3d-4e8f-9a1b-2c3d4e5f6a7b", "TEAMS_APP_PASSWORD": "x"},
            "TEAMS_TENANT_ID",
        ),
    ],
)
def test_an_incomplete_registration_stops_start_up(
    database_url: str, store: Store, extra: dict[str, str], variable: str
) -> None:
    services = build_services(settings_for(database_url, **extra), store=store)

    with pytest.raises(ConfigError, match=f"^{variable}:"):
        build_teams_routes(services)


async def test_health_still_answers_with_teams_mounted(bot: Harness) -> None:
    response = await bot.http.get(f"{bot.url}/healthz")

    assert response.status == 200


async def test_a_failing_turn_apologises_and_logs_no_message_text(
    bot: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    with bot.store.session() as session:  # a round whose question the library no longer has
        team = session.exec(select(Team).where(Team.name == "Platform")).one()
        retired = CheckinRound(
            workspace_id=team.workspace_id,
            team_id=team.id,
            period=week_label(datetime.now(UTC).date()),
            question_keys=["retired-question"],
        )
        session.add(retired)
        session.flush()
        round_id = str(retired.id)

    status, _ = await bot.say(EMPLOYEES[0], "checkin about my secret project")
    pressed, answer = await bot.press(EMPLOYEES[0], "checkin_show", round_id)

    assert status == 202
    assert "Sorry, something went wrong" in _text(bot.fake.cards()[-1])
    assert (pressed, answer["statusCode"], answer["type"]) == (
        200,
        500,
        "application/vnd.microsoft.error",
    )
    failures = [r for r in caplog.records if "turn failed" in r.getMessage()]
    assert [r.levelname for r in failures] == ["ERROR", "ERROR"]
    assert not any("secret project" in r.getMessage() for r in caplog.records)
