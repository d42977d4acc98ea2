"""Thin Slack listeners, one module per kind, each with ``register(app, services)``."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.platforms.slack.listeners import actions, commands, events, views
from bot.wiring import Services


def register(app: AsyncApp, services: Services) -> None:
    for module in (events, commands, actions, views):
        module.register(app, services)
