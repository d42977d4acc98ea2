"""Teams activities become neutral events once, here; and back into outbound shapes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from microsoft_agents.activity import Activity

from bot.platforms.base import IncomingMessage
from bot.platforms.teams import translate
from bot.platforms.teams.references import RecentlySaved
from bot.services.commands import Command, verb_for_log

BOT = "28:bot-app-id"
CHANNEL = "19:8f7e6d5c4b3a4f2e9d8c7b6a5f4e3d2c@thread.tacv2"


def _activity(**fields: Any) -> Activity:
    base: dict[str, Any] = {
        "type": "message",
        "id": "1700000000123",
        "timestamp": "2026-11-20T10:00:00.000Z",
        "serviceUrl": "https://smba.trafficmanager.net/emea/",
        "channelId": "msteams",
        "from": {"id": "29:ann", "aadObjectId": "aad-ann", "name": "Ann Berg"},
        "recipient": {"id": BOT, "name": "Empathy"},
        "conversation": {
            "id": f"{CHANNEL};messageid=1700000000123",
            "conversationType": "channel",
            "tenantId": "tenant-1",
            "isGroup": True,
        },
        "channelData": {
            "tenant": {"id": "tenant-1"},
            "team": {"id": "19:team@thread.tacv2"},
            "channel": {"id": CHANNEL},
        },
    }
    return Activity.model_validate(base | fields)


def _personal(**fields: Any) -> Activity:
    return _activity(
        conversation={"id": "a:1personal", "conversationType": "personal", "tenantId": "t"},
        channelData={"tenant": {"id": "t"}},
        **fields,
    )


_MENTION = {"type": "mention", "text": "<at>Empathy</at>", "mentioned": {"id": BOT}}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain words", "plain words"),
        ("<p>Hi <at>Ann Berg</at>, great &amp; <b>fast</b> work</p>", "Hi, great & fast work"),
        ('well done <emoji id="1f389" alt="🎉" title="Party"></emoji>', "well done 🎉"),
        ("<div><div>line one</div><div>line two<br>three</div></div>", "line one\nline two\nthree"),
        ('<attachment id="17000"></attachment>quoted reply', "quoted reply"),
        ("&lt;not a tag&gt; &#128578;", "<not a tag> 🙂"),
        ("a < b and c > d", "a < b and c > d"),
        ("<at>Empathy</at>", ""),
        ("   ", ""),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert translate.clean_text(raw) == expected


def test_a_channel_message_becomes_a_neutral_message() -> None:
    activity = _activity(text="<p>Shipping <at>Bo</at> today &amp; happy</p>")

    assert translate.incoming_message(activity) == IncomingMessage(
        platform="teams",
        event_id=f"{CHANNEL}:1700000000123",
        channel_id=CHANNEL,
        user_id="aad-ann",
        text="Shipping today & happy",
        sent_at=datetime(2026, 11, 20, 10, 0, tzinfo=UTC),
        workspace_key="tenant-1",
    )


def test_a_reply_in_a_thread_counts_for_its_channel() -> None:
    incoming = translate.incoming_message(
        _activity(text="x", conversation={"id": f"{CHANNEL};messageid=99", "isGroup": True})
    )

    assert incoming is not None
    assert incoming.channel_id == CHANNEL


def test_messages_for_the_bot_are_commands_not_listening() -> None:
    mention = _activity(text="<at>Empathy</at> listen on", entities=[_MENTION])
    personal = _personal(text="status")

    assert [translate.incoming_message(mention), translate.incoming_message(personal)] == [
        None,
        None,
    ]
    assert translate.command(mention) == Command(
        platform="teams", user_id="aad-ann", text="listen on", channel_id=CHANNEL
    )
    assert translate.command(personal) == Command(
        platform="teams", user_id="aad-ann", text="status", in_direct_chat=True
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("@Empathy optin", "optin"), ("Empathy: status", "status"), ("<p>snooze 2</p>", "snooze 2")],
)
def test_a_typed_out_bot_name_is_not_part_of_the_command(text: str, expected: str) -> None:
    assert translate.command(_personal(text=text)).text == expected


def test_other_bots_are_marked_as_bots() -> None:
    incoming = translate.incoming_message(_activity(text="x", **{"from": {"id": "28:other"}}))

    assert incoming is not None
    assert (incoming.is_bot, incoming.user_id) == (True, "28:other")


def test_long_ids_are_hashed_to_fit_storage() -> None:
    chat = "19:" + "a" * 36 + "_" + "b" * 36 + "@unq.gbl.spaces"
    activity = _activity(
        text="x",
        conversation={"id": chat, "conversationType": "groupChat", "isGroup": True},
        channelData={},
        id="1" * 100,
    )

    incoming = translate.incoming_message(activity)

    assert incoming is not None
    assert len(incoming.channel_id) <= 64
    assert incoming.channel_id == translate.channel_key(activity)
    assert len(f"teams:{incoming.event_id}") <= 160


def test_an_action_execute_press_becomes_a_card_action() -> None:
    activity = _personal(
        type="invoke",
        name="adaptiveCard/action",
        value={
            "action": {
                "type": "Action.Execute",
                "verb": "schedule_save",
                "data": {"value": "org", "digest_time": "09:30", "paused": "true"},
            }
        },
    )

    assert translate.card_action(activity) == translate.CardAction(
        user_id="aad-ann",
        verb="schedule_save",
        value="org",
        inputs={"digest_time": "09:30", "paused": "true"},
    )


def test_other_invokes_are_not_card_actions() -> None:
    assert translate.card_action(_personal(type="invoke", name="task/fetch", value={})) is None
    assert translate.card_action(_personal(type="invoke", name="adaptiveCard/action")) is None


def test_channel_references_keep_no_author_and_no_message() -> None:
    record = translate.conversation_record(_activity(text="x"))

    assert record is not None
    assert (record.conversation_id, record.conversation_type, record.user_id) == (
        CHANNEL,
        "channel",
        None,
    )
    assert "user" not in record.reference
    assert "activityId" not in record.reference
    assert record.reference["conversation"]["id"] == CHANNEL


def test_personal_references_keep_the_person_to_write_to() -> None:
    record = translate.conversation_record(_personal(text="hi"))

    assert record is not None
    assert record.user_id == "aad-ann"
    assert record.reference["user"] == {"id": "29:ann", "aadObjectId": "aad-ann"}
    assert translate.to_reference(record.reference).service_url == (
        "https://smba.trafficmanager.net/emea/"
    )


@pytest.mark.parametrize(
    ("text", "logged"),
    [("optin messages", "optin"), ("LISTEN on", "listen"), ("I feel awful today", "(unknown)")],
)
def test_only_known_verbs_reach_the_log(text: str, logged: str) -> None:
    assert verb_for_log(text) == logged


def test_install_and_uninstall_are_recognised() -> None:
    added = _personal(type="conversationUpdate", membersAdded=[{"id": BOT}])
    someone_else = _personal(type="conversationUpdate", membersAdded=[{"id": "29:bo"}])
    removed = _personal(type="installationUpdate", action="remove")

    assert [translate.bot_added(a) for a in (added, someone_else, removed)] == [True, False, False]
    assert [translate.bot_removed(a) for a in (added, removed)] == [False, True]


def test_a_busy_conversation_is_stored_once_until_it_changes_or_ages() -> None:
    recent = RecentlySaved(ttl=60.0)
    record = translate.conversation_record(_activity(text="x"))
    moved = translate.conversation_record(
        _activity(text="y", serviceUrl="https://smba.trafficmanager.net/amer/")
    )
    assert record is not None and moved is not None

    first = recent.needs_saving(record, now=0.0)
    recent.saved(record, now=0.0)

    assert [
        first,
        recent.needs_saving(record, now=30.0),
        recent.needs_saving(moved, now=30.0),
        recent.needs_saving(record, now=61.0),
    ] == [True, False, True, True]
