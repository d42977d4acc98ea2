"""Platform tokens are encrypted at rest."""

from __future__ import annotations

import pytest

from bot.errors import StorageError
from bot.store.crypto import TokenCipher


def test_round_trip_and_ciphertext_does_not_contain_the_token() -> None:
    cipher = TokenCipher(b"k" * 40)

    stored = cipher.encrypt("xoxb-123-456-secret")

    assert "xoxb" not in stored
    assert cipher.decrypt(stored) == "xoxb-123-456-secret"


def test_another_key_cannot_read_it() -> None:
    stored = TokenCipher(b"k" * 40).encrypt("xoxb-1")

    with pytest.raises(StorageError, match="EMPATHYBOT_SECRET_KEY"):
        TokenCipher(b"j" * 40).decrypt(stored)
