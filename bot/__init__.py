"""Empathy Nudge Bot: the running application (config, storage, services, platforms, CLI)."""

__version__ = "0.1.0"
