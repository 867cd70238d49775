"""Key-encryption keys (KEKs), kept outside the database (R13: "keys made worthless").

Every data key (a person's, a free-text field's) is stored in the database wrapped under a
KEK; the KEK lives in a **key file** elsewhere, so a copy of the database files alone opens
nothing, and destroying a KEK after the keys it wrapped were re-wrapped under a new one
(rotation) makes every old copy of them (a WAL, a dead PostgreSQL tuple, a backup) worthless.

The key file is a small JSON keyring, mode 0600 in a 0700 folder, holding KEKs by id
(`{"format": ..., "keys": {id: base64}}`); each database records which KEK id it uses, so
one file may serve several databases. Where it is:

- `PARCOURS_KEY_FILE` (or `Settings(key_file=...)`): that file, created on first use;
- a SQLite file with none configured: `platformdirs.user_data_dir("parcours")/keyring.json`,
  created on first use, never in the database's own folder (a copy would take both);
- PostgreSQL: a key file must be configured (`parcours gdpr init-key` creates one);
- an in-memory database: its KEK lives in memory and dies with it.

Writes are atomic (a new file renamed over the old one, under an exclusive `flock` of a
sibling lock file); a destroyed KEK's old file is overwritten with zeros once unlinked. The
filesystem may still keep old blocks (copy-on-write, SSD wear levelling, snapshots): keep the
key file on storage you control and out of the database's backups.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import secrets
import stat
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from parcours.errors import ConfigurationError

KEK_BYTES = 32
FORMAT = "parcours-keyring/1"
SETTING = "PARCOURS_KEY_FILE"


class Keyring:
    """KEKs by id. The in-memory keyring; `FileKeyring` keeps them in a key file."""

    location = "memory"

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._lock = threading.RLock()

    def get(self, kek_id: str) -> bytes | None:
        return self._keys.get(kek_id)

    def create(self) -> str:
        with self._lock:
            kek_id = secrets.token_hex(8)
            self._keys[kek_id] = secrets.token_bytes(KEK_BYTES)
            return kek_id

    def destroy(self, kek_ids: Iterable[str]) -> None:
        with self._lock:
            for kek_id in kek_ids:
                self._keys.pop(kek_id, None)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Held for a whole rotation: one rotation at a time per keyring."""
        with self._lock:
            yield


class FileKeyring(Keyring):
    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self.location = str(path)
        self._loaded = False

    def get(self, kek_id: str) -> bytes | None:
        if kek_id not in self._keys:
            # Another process may have created it since (a rotation): read the file again.
            self._keys = self._read()
        return self._keys.get(kek_id)

    def create(self) -> str:
        with self._locked(".lock"):
            keys = self._read()
            kek_id = secrets.token_hex(8)
            keys[kek_id] = secrets.token_bytes(KEK_BYTES)
            self._write(keys)
            self._keys = keys
            return kek_id

    def destroy(self, kek_ids: Iterable[str]) -> None:
        wanted = set(kek_ids)
        if not wanted:
            return
        with self._locked(".lock"):
            keys = self._read()
            if not wanted & set(keys):
                self._keys = keys
                return
            self._write({k: v for k, v in keys.items() if k not in wanted})
            self._keys = self._read()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._lock, self._locked(".rotation.lock"):
            yield

    # -- the file ---------------------------------------------------------------------------

    @contextmanager
    def _locked(self, suffix: str) -> Iterator[None]:
        prepare_folder(self.path.parent)
        lock = os.open(f"{self.path}{suffix}", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
        finally:
            os.close(lock)  # releases the flock

    def _read(self) -> dict[str, bytes]:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return {}
        if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigurationError(
                "keyfile.readable",
                setting=SETTING,
                path=self.path,
                mode=f"{stat.S_IMODE(info.st_mode):o}",
            )
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise ValueError("format")
            keys = {str(k): base64.b64decode(v, validate=True) for k, v in data["keys"].items()}
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error):
            raise ConfigurationError(
                "keyfile.not_ours", setting=SETTING, path=self.path, format=FORMAT
            ) from None
        if any(len(v) != KEK_BYTES for v in keys.values()):
            raise ConfigurationError("keyfile.size", setting=SETTING, path=self.path)
        return keys

    def _write(self, keys: dict[str, bytes]) -> None:
        """Atomically replace the file; then overwrite the old file's content (unlinked)."""
        body = json.dumps(
            {"format": FORMAT, "keys": {k: base64.b64encode(v).decode() for k, v in keys.items()}},
            indent=1,
        ).encode()
        temporary = self.path.with_name(f".{self.path.name}.{secrets.token_hex(4)}.tmp")
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(handle, body)
            os.fsync(handle)
        finally:
            os.close(handle)
        try:
            old = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            old = None
        try:
            os.replace(temporary, self.path)
            _sync_folder(self.path.parent)
            if old is not None:
                size = os.fstat(old).st_size
                os.pwrite(old, b"\x00" * size, 0)
                os.fsync(old)
        finally:
            if old is not None:
                os.close(old)


def prepare_folder(folder: Path) -> None:
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)


def _sync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def default_key_file() -> Path:
    """The user's data folder (`platformdirs`), never the database's."""
    import platformdirs

    return Path(platformdirs.user_data_dir("parcours")) / "keyring.json"


def init_key_file(path: Path) -> bool:
    """Create an empty key file (mode 0600) if there is none; True when created."""
    keyring = FileKeyring(path)
    with keyring._locked(".lock"):
        if path.exists():
            keyring._read()  # refuses a file readable by others or not a key file
            return False
        keyring._write({})
        return True


def resolve(
    *, dialect: str, in_memory: bool, database_file: str, configured: str | None
) -> Keyring:
    """The keyring a database uses (see the module's docstring)."""
    if dialect == "sqlite" and in_memory:
        return Keyring()
    if configured:
        path = Path(configured).expanduser()
    elif dialect == "sqlite":
        path = default_key_file()
    else:
        raise ConfigurationError("keyfile.needed", setting=SETTING, dialect=dialect)
    if database_file and path.resolve().parent == Path(database_file).resolve().parent:
        raise ConfigurationError("keyfile.beside_database", setting=SETTING, path=path)
    return FileKeyring(path)
