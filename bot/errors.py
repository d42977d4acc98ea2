"""The project's one exception family.

Adapters turn SDK and library errors into these; only the global handlers (the CLI's
``main`` and the web app's middleware) log them and answer the user.
"""

from __future__ import annotations


class EmpathyBotError(Exception):
    """Base of every error the bot raises on purpose."""


class ConfigError(EmpathyBotError):
    """The environment is invalid. The message is one line: ``VARIABLE: problem``."""


class NotFoundError(EmpathyBotError):
    """A person, team or other record that was asked for does not exist."""


class ValidationFailed(EmpathyBotError):
    """Input was refused; ``problems`` lists every reason so nothing is silently dropped."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


class StorageError(EmpathyBotError):
    """The database is unreachable or its schema is not at the expected revision."""


class DeliveryError(EmpathyBotError):
    """A platform refused or failed a send. ``permanent`` means retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
