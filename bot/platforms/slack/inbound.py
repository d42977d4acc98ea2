"""What a well-formed request from Slack looks like, checked before bolt sees it.

Bolt reads ids from many places in a payload (team, enterprise, user, channel, view,
event, authorizations) and assumes Slack's documented types there. A forged-but-signed
or corrupted body with other types would make it fail with a 500; this schema turns that
into a 400. Only the types of the fields the bot or bolt read are constrained; any other
field Slack adds passes through.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator

_STR = {"type": "string"}
_OPT_STR = {"type": ["string", "null"]}
_BOOL = {"type": "boolean"}
_ID_OBJECT = {
    "type": ["object", "null"],
    "properties": {
        "id": _STR,
        "team_id": _OPT_STR,
        "enterprise_id": _OPT_STR,
        "name": _OPT_STR,
        "domain": _OPT_STR,
    },
}
_AUTHORIZATIONS = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "enterprise_id": _OPT_STR,
            "team_id": _OPT_STR,
            "user_id": _OPT_STR,
            "is_bot": _BOOL,
            "is_enterprise_install": _BOOL,
        },
    },
}
_COMMON = {
    "type": _STR,
    "token": _STR,
    "team_id": _OPT_STR,
    "enterprise_id": _OPT_STR,
    "api_app_id": _STR,
    "event_id": _STR,
    "trigger_id": _STR,
    "response_url": _STR,
    "callback_id": _STR,
    "is_enterprise_install": _BOOL,
    "is_ext_shared_channel": _BOOL,
    "authorizations": _AUTHORIZATIONS,
    "enterprise": {"type": ["object", "string", "null"]},
    "team": {"type": ["object", "string", "null"], "properties": _ID_OBJECT["properties"]},
}
_EVENT = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": _STR,
        "subtype": _OPT_STR,
        "user": _STR,
        "channel": _STR,
        "team": _STR,
        "user_team": _STR,
        "source_team": _STR,
        "text": _STR,
        "ts": _STR,
        "thread_ts": _STR,
        "bot_id": _OPT_STR,
        "tab": _STR,
        "channel_type": _STR,
        "event_ts": _STR,
        "enterprise": _OPT_STR,
        "view": {"type": "object"},
        "message": {"type": "object"},
        "previous_message": {"type": "object"},
    },
}
EVENT_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "required": ["type"],
    "properties": {**_COMMON, "event": _EVENT, "challenge": _STR},
    "if": {"properties": {"type": {"const": "event_callback"}}},
    "then": {"required": ["event"]},
}
_ACTION = {
    "type": "object",
    "required": ["action_id"],
    "properties": {
        "action_id": _STR,
        "block_id": _STR,
        "value": _STR,
        "type": _STR,
        "action_ts": _STR,
    },
}
_VIEW = {
    "type": "object",
    "required": ["type", "callback_id"],
    "properties": {
        "id": _STR,
        "type": _STR,
        "callback_id": _STR,
        "team_id": _OPT_STR,
        "app_installed_team_id": _OPT_STR,
        "private_metadata": _STR,
        "hash": _STR,
        "state": {
            "type": "object",
            "properties": {
                "values": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": {"type": "object"},
                    },
                }
            },
        },
    },
}
INTERACTION: dict[str, Any] = {
    "type": "object",
    "required": ["type"],
    "properties": {
        **_COMMON,
        "user": {"type": "object", "required": ["id"], "properties": _ID_OBJECT["properties"]},
        "channel": _ID_OBJECT,
        "container": {
            "type": ["object", "null"],
            "properties": {"type": _STR, "message_ts": _STR, "channel_id": _STR, "view_id": _STR},
        },
        "message": {
            "type": ["object", "null"],
            "properties": {
                "ts": _STR,
                "text": _STR,
                "blocks": {"type": "array", "items": {"type": "object"}},
            },
        },
        "actions": {"type": "array", "items": _ACTION},
        "view": _VIEW,
        "response_urls": {"type": "array"},
    },
    "allOf": [
        {
            "if": {"properties": {"type": {"const": "block_actions"}}},
            "then": {"required": ["user", "actions"], "properties": {"actions": {"minItems": 1}}},
        },
        {
            "if": {"properties": {"type": {"enum": ["view_submission", "view_closed"]}}},
            "then": {"required": ["user", "view"]},
        },
    ],
}
COMMAND: dict[str, Any] = {
    "type": "object",
    "required": ["command", "user_id"],
    "properties": {
        key: _STR
        for key in (
            "command",
            "user_id",
            "team_id",
            "channel_id",
            "text",
            "trigger_id",
            "response_url",
            "enterprise_id",
            "api_app_id",
            "channel_name",
        )
    },
}

_VALIDATORS = {
    name: Draft7Validator(schema)
    for name, schema in (
        ("event", EVENT_ENVELOPE),
        ("interaction", INTERACTION),
        ("command", COMMAND),
    )
}


def shape_problem(kind: str, payload: object) -> str | None:
    """The first way ``payload`` differs from Slack's shape for ``kind``, or ``None``."""
    error = next(iter(_VALIDATORS[kind].iter_errors(payload)), None)
    if error is None:
        return None
    where = "/".join(str(part) for part in error.absolute_path) or "body"
    return f"{kind} {where}: {error.message[:120]}"
