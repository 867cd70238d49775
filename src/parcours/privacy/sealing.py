"""AES-GCM sealing of one personal field under one person's data key.

A sealed value is `base64url(nonce || ciphertext)`. The associated data binds it to the
person and the field, so a ciphertext copied onto another person or field fails to open.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PURGED = "[purged]"
_NONCE = 12


def new_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def seal(key: bytes, person_id: str, field: str, value: str) -> str:
    nonce = os.urandom(_NONCE)
    ciphertext = AESGCM(key).encrypt(nonce, value.encode(), f"{person_id}:{field}".encode())
    return base64.urlsafe_b64encode(nonce + ciphertext).decode("ascii")


def unseal(key: bytes | None, person_id: str, field: str, token: str) -> str:
    """The plaintext, or `[purged]` once the key is gone (or the token does not belong here)."""
    if key is None:
        return PURGED
    return _open(AESGCM(key), person_id, field, token)


def _open(cipher: AESGCM, person_id: str, field: str, token: str) -> str:
    raw = base64.urlsafe_b64decode(token.encode("ascii"))
    try:
        plain = cipher.decrypt(raw[:_NONCE], raw[_NONCE:], f"{person_id}:{field}".encode())
    except InvalidTag:
        return PURGED
    return plain.decode()


def seal_fields(key: bytes, person_id: str, fields: dict[str, str | None]) -> dict[str, str]:
    return {name: seal(key, person_id, name, value) for name, value in fields.items() if value}


def unseal_fields(key: bytes | None, person_id: str, sealed: dict[str, str]) -> dict[str, str]:
    """`unseal` of each field: one cipher for them all (its key schedule is most of the cost
    of opening a short field; a mass-due tick's notices open six fields a pilot)."""
    if key is None:
        return dict.fromkeys(sealed, PURGED)
    cipher = AESGCM(key)
    return {name: _open(cipher, person_id, name, token) for name, token in sealed.items()}
