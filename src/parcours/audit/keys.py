"""The key that signs audit receipts: Ed25519, kept **outside the database**.

A receipt is worth something only if whoever can write the database cannot make one: the
private key lives in a file of its own, mode 0600, in the user's data directory
(`platformdirs.user_data_dir("parcours")/audit-signing-key.pem`) or where
`PARCOURS_AUDIT_KEY` points. It is created on first use, atomically (two processes starting
at once end up with the same key). An in-memory database keeps its key in memory, unless a
file is named. Only the process that issues receipts needs the key: verifying needs the
public key, which `parcours audit public-key` prints.

The key id is the first 16 hex digits of SHA-256 over the raw 32-byte public key.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from parcours.errors import ConfigurationError

FILE_NAME = "audit-signing-key.pem"
_LOADED: dict[Path, Ed25519PrivateKey] = {}
# The key of each in-memory store that names no file (it lives as long as the store).
_MEMORY: weakref.WeakKeyDictionary[object, dict[str, SigningKey]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


@dataclass(frozen=True)
class PublicKey:
    """What a verifier holds: the public key and its id."""

    key: Ed25519PublicKey

    @property
    def key_id(self) -> str:
        return key_id(self.key)

    def pem(self) -> str:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def verifies(self, signature: bytes, message: bytes) -> bool:
        try:
            self.key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    @classmethod
    def from_pem(cls, text: str | bytes) -> PublicKey:
        data = text.encode("ascii") if isinstance(text, str) else text
        try:
            loaded = serialization.load_pem_public_key(data)
        except ValueError:
            raise ConfigurationError("auditkey.not_pem") from None
        if not isinstance(loaded, Ed25519PublicKey):
            raise ConfigurationError("auditkey.not_ed25519")
        return cls(loaded)


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    path: Path | None

    @property
    def public(self) -> PublicKey:
        return PublicKey(self.private.public_key())

    def sign(self, message: bytes) -> bytes:
        return self.private.sign(message)


def default_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("parcours")) / FILE_NAME


def signing_key(store: object, named: str | None, *, in_memory: bool) -> SigningKey:
    """The key named by the setting, the default file, or (in-memory store, nothing named) a
    key kept in memory for this store; created on first use."""
    if named is None and in_memory:
        with _LOCK:
            memory = _MEMORY.setdefault(store, {})
            if "key" not in memory:
                memory["key"] = SigningKey(Ed25519PrivateKey.generate(), None)
            return memory["key"]
    path = Path(named).expanduser() if named else default_path()
    return SigningKey(load_or_create(path), path)


def public_key(store: object, named: str | None, *, in_memory: bool) -> PublicKey | None:
    """The public half of the signing key if it exists (verifying creates no key)."""
    if named is None and in_memory:
        known = _MEMORY.get(store, {}).get("key")
        return None if known is None else known.public
    path = Path(named).expanduser() if named else default_path()
    if path not in _LOADED and not path.exists():
        return None
    return PublicKey(load_or_create(path).public_key())


def load_or_create(path: Path) -> Ed25519PrivateKey:
    with _LOCK:
        if path in _LOADED:
            return _LOADED[path]
        if not path.exists():
            _create(path)
        key = _read(path)
        _LOADED[path] = key
        return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        # Fails if another process made the key first: then theirs is the key.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _read(path: Path) -> Ed25519PrivateKey:
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except OSError as error:
        raise ConfigurationError("auditkey.unreadable", path=path, reason=error.strerror) from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError("auditkey.readable", path=path)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise ConfigurationError("auditkey.not_private", path=path) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError("auditkey.private_not_ed25519", path=path)
    return key
