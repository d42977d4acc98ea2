"""Encryption at rest for platform tokens (Fernet, with a key derived from the secret)."""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.errors import StorageError


class TokenCipher:
    """Encrypts and decrypts tokens with a key derived from ``EMPATHYBOT_SECRET_KEY``.

    The derivation is labelled, so the same secret yields unrelated keys for pseudonyms
    and for token encryption.
    """

    def __init__(self, secret: bytes) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=b"empathybot token encryption v1"
        ).derive(secret)
        self._fernet = Fernet(base64.urlsafe_b64encode(derived))

    def encrypt(self, token: str) -> str:
        return self._fernet.encrypt(token.encode()).decode("ascii")

    def decrypt(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode()
        except InvalidToken as exc:
            raise StorageError(
                "a stored token cannot be decrypted: was EMPATHYBOT_SECRET_KEY changed?"
            ) from exc
