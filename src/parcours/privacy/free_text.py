"""Free text sealed under a key of its own (R13: people write names in descriptions).

Every free-text field of an event (an alert's description, a withdrawal reason, a blocker,
a communication's title or refusal reason, the evaluation's findings and recommendations,
an evaluation protocol: the `free_text` names of each event class) is stored as a token:

    §sealed:1:<key id>:<field>:<base64url(nonce ‖ AES-GCM ciphertext)>

under a data key of its own (`parcours_text_keys`, a row per value, tied to its pilot and
wrapped under the KEK). Destroying that row makes the one field unreadable for good (a
redaction, R14); the purge destroys every row of the pilot (R13). The audit chain hashes the
stored bytes, i.e. the token, so neither breaks it. Read models copy the token, never the
text. A string that is not a token is text stored in clear by an earlier version (see
`parcours.service.migration`).
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Iterator
from typing import Any
from uuid import uuid4

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from parcours.privacy.sealing import PURGED, new_key

PREFIX = "§sealed:1:"
_NONCE = 12


def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal(value: str, field: str) -> tuple[str, str, bytes]:
    """(token, key id, key): `value` sealed under a new key of its own."""
    key = new_key()
    key_id = uuid4().hex
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(key).encrypt(nonce, value.encode(), _aad(key_id, field))
    body = base64.urlsafe_b64encode(nonce + sealed).decode("ascii")
    return f"{PREFIX}{key_id}:{field}:{body}", key_id, key


def key_id_of(token: str) -> str:
    return token[len(PREFIX) :].split(":", 1)[0]


def open_token(token: str, keys: dict[str, bytes]) -> str:
    """The text, or `[purged]` once its key is gone (or the token was tampered with)."""
    try:
        key_id, field, body = token[len(PREFIX) :].split(":", 2)
        raw = base64.urlsafe_b64decode(body.encode("ascii"))
    except (ValueError, binascii.Error):
        return PURGED
    key = keys.get(key_id)
    if key is None:
        return PURGED
    try:
        return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], _aad(key_id, field)).decode()
    except InvalidTag:
        return PURGED


def tokens_in(value: Any) -> Iterator[str]:
    """Every token inside a structure of dicts, lists and strings."""
    if isinstance(value, str):
        if value.startswith(PREFIX):
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from tokens_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from tokens_in(item)


def opened(value: Any, keys: dict[str, bytes]) -> Any:
    """A copy of the structure with every token replaced by its text (or `[purged]`)."""
    if isinstance(value, str):
        return open_token(value, keys) if value.startswith(PREFIX) else value
    if isinstance(value, dict):
        return {k: opened(v, keys) for k, v in value.items()}
    if isinstance(value, list):
        return [opened(v, keys) for v in value]
    return value


def open_with(lookup: Callable[[set[str]], dict[str, bytes]], value: Any) -> Any:
    """`opened`, fetching only the keys the structure's tokens name."""
    wanted = {key_id_of(t) for t in tokens_in(value)}
    return opened(value, lookup(wanted) if wanted else {})


def _aad(key_id: str, field: str) -> bytes:
    return f"text:{key_id}:{field}".encode()
