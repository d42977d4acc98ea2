"""No table may hold message text.

The rule, checked for every column of every table:

1. A string or JSON column's name does not suggest free text (``FORBIDDEN_NAME_PARTS``).
2. Unbounded types (TEXT, CLOB, BLOB, unbounded VARCHAR) are not allowed at all.
3. Every string column is bounded at 255 characters or fewer, except those in
   ``LONG_STRINGS``, each with the reason it cannot carry a message.
4. Every string or JSON column is listed in ``PURPOSES`` with what it holds. A new string
   column fails this test until someone writes down why it cannot hold message text.
5. Columns named like tokens hold ciphertext only (their names end in ``_encrypted``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import JSON, LargeBinary, String, Text
from sqlalchemy.sql.schema import Column

from bot.store.tables import metadata

FORBIDDEN_NAME_PARTS = (
    "text",
    "body",
    "message",
    "content",
    "comment",
    "snippet",
    "excerpt",
    "raw",
    "payload",
    "note",
    "transcript",
    "quote",
)

MAX_STRING = 255

LONG_STRINGS = {
    "slackinstallation.bot_scopes": "comma-separated OAuth scope names",
    "slackinstallation.user_scopes": "comma-separated OAuth scope names",
    "slackinstallation.bot_token_encrypted": "Fernet ciphertext of a token",
    "slackinstallation.user_token_encrypted": "Fernet ciphertext of a token",
    "teamsconversation.service_url": "the Bot Connector URL of a conversation",
}

PURPOSES = {
    "workspace.name": "organisation name chosen by an admin",
    "workspace.slack_team_id": "platform id",
    "workspace.teams_tenant_id": "platform id",
    "person.email": "directory email",
    "person.display_name": "directory name",
    "person.slack_user_id": "platform id",
    "person.teams_user_id": "platform id",
    "person.timezone": "IANA zone name",
    "person.locale": "BCP 47 tag",
    "person.roles": "role names from a fixed list",
    "team.name": "team name from the directory",
    "consent.scope": "'messages' or 'checkins'",
    "consent.policy_version": "version label of the privacy policy",
    "channellistening.platform": "'slack' or 'teams'",
    "channellistening.channel_id": "platform id",
    "signalbucket.week": "ISO week label like 2026-W48",
    "signalbucket.theme_counts": "JSON map of theme id (fixed list) to integer count",
    "bucketcontributor.marker": "hex HMAC",
    "processedevent.key": "platform event id",
    "schedule.digest_time": "HH:MM",
    "schedule.checkin_cadence": "weekly, biweekly or monthly",
    "schedule.checkin_time": "HH:MM",
    "schedule.quiet_weekdays": "comma-separated weekday numbers",
    "schedule.holidays": "JSON list of ISO dates",
    "checkinquestion.question_key": "content id of a question",
    "checkinquestion.dimension": "dimension name from a fixed list",
    "checkinround.period": "period label like 2026-W48",
    "checkinround.question_keys": "JSON list of question content ids",
    "checkindelivery.status": "state name",
    "checkindelivery.last_error": "error code",
    "checkindelivery.claimed_by": "scheduler instance id",
    "nudgedelivery.claimed_by": "scheduler instance id",
    "checkinresponse.question_key": "content id of a question",
    "checkinresponse.respondent": "hex HMAC pseudonym",
    "nudgedelivery.week": "ISO week label",
    "nudgedelivery.status": "state name",
    "nudgedelivery.prompt_id": "content id",
    "nudgedelivery.lesson_id": "content id",
    "nudgedelivery.situations": "JSON list of situation ids (fixed list)",
    "nudgedelivery.last_error": "error code",
    "nudgedelivery.platform_ref": "platform message id or timestamp",
    "nudgefeedback.item_id": "content id",
    "nudgefeedback.situation": "situation id",
    "nudgefeedback.kind": "helpful, not_for_me or did_this",
    "teamsconversation.conversation_id": "platform id",
    "teamsconversation.conversation_type": "personal, channel or groupChat",
    "teamsconversation.tenant_id": "platform id",
    "teamsconversation.service_url": "Bot Connector URL",
    "teamsconversation.reference": "JSON ConversationReference: ids and URLs, no activity text",
    "slackinstallation.client_id": "platform id",
    "slackinstallation.app_id": "platform id",
    "slackinstallation.enterprise_id": "platform id",
    "slackinstallation.enterprise_name": "organisation name from Slack",
    "slackinstallation.team_id": "platform id",
    "slackinstallation.team_name": "workspace name from Slack",
    "slackinstallation.user_id": "platform id of the installer",
    "slackinstallation.bot_id": "platform id",
    "slackinstallation.bot_user_id": "platform id",
    "slackinstallation.bot_scopes": "scope names",
    "slackinstallation.bot_token_encrypted": "ciphertext",
    "slackinstallation.user_scopes": "scope names",
    "slackinstallation.user_token_encrypted": "ciphertext",
    "slackinstallation.token_type": "'bot' or 'user'",
    "slackoauthstate.state": "random OAuth state value",
}

COLUMNS = [
    pytest.param(column, id=f"{table.name}.{column.name}")
    for table in metadata.sorted_tables
    for column in table.columns
]


def _name(column: Column[object]) -> str:
    return f"{column.table.name}.{column.name}"


@pytest.mark.parametrize("column", COLUMNS)
def test_column_name_does_not_suggest_free_text(column: Column[object]) -> None:
    if not isinstance(column.type, String | JSON):
        return
    parts = column.name.lower().split("_")
    assert not set(parts) & set(FORBIDDEN_NAME_PARTS), f"{_name(column)} sounds like free text"


@pytest.mark.parametrize("column", COLUMNS)
def test_no_unbounded_text_column(column: Column[object]) -> None:
    assert not isinstance(column.type, Text | LargeBinary), f"{_name(column)} is unbounded"
    if isinstance(column.type, String):
        length = column.type.length
        assert length is not None, f"{_name(column)} is an unbounded string"
        limit = 1000 if _name(column) in LONG_STRINGS else MAX_STRING
        assert length <= limit, f"{_name(column)} allows {length} characters"


@pytest.mark.parametrize("column", COLUMNS)
def test_every_string_or_json_column_has_a_stated_purpose(column: Column[object]) -> None:
    if isinstance(column.type, String | JSON):
        assert _name(column) in PURPOSES, (
            f"{_name(column)} is new: add it to PURPOSES with why it cannot hold message text"
        )


@pytest.mark.parametrize("column", COLUMNS)
def test_token_columns_hold_ciphertext_only(column: Column[object]) -> None:
    if "token" in column.name.split("_") and column.name != "token_type":
        assert column.name.endswith("_encrypted"), f"{_name(column)} would store a token"


def test_purposes_list_only_existing_columns() -> None:
    existing = {
        f"{table.name}.{column.name}"
        for table in metadata.sorted_tables
        for column in table.columns
    }
    assert set(PURPOSES) <= existing
