"""The OAuth scopes the bot asks for, each tied to the Web API methods that need it.

``deploy/slack/manifest.yml`` must list exactly :data:`BOT_SCOPES`; a test checks that
every Web API method the code calls is covered and that no scope is unused.
"""

from __future__ import annotations

METHOD_SCOPES: dict[str, str | None] = {
    "auth_test": None,
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "conversations_open": "im:write",
    "views_publish": None,
    "views_open": None,
    "files_upload_v2": "files:write",
}
"""Web API method (as called on the client) -> the bot scope it needs (None: no scope)."""

EVENT_SCOPES = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "app_home_opened": None,
}
"""Subscribed events -> the scope that delivers them."""

COMMAND_SCOPES = {"/empathy": "commands"}

BOT_SCOPES: tuple[str, ...] = tuple(
    sorted(
        {scope for scope in METHOD_SCOPES.values() if scope}
        | {scope for scope in EVENT_SCOPES.values() if scope}
        | set(COMMAND_SCOPES.values())
    )
)
