"""Signed tree heads ("receipts"): what the audit log held when one was issued, signed.

A receipt says: the log had `size` leaves and its Merkle root was `root` at `issued_at`,
signed with Ed25519 by the key `key_id` (kept outside the database, `audit/keys.py`). Whoever
keeps a receipt outside the database can later check that the log still extends it (a
consistency proof) and that every leaf is what the stored rows make. A receipt protects what
was in the log when it was issued, nothing written after: issue them often.

The signature covers the canonical JSON (sorted keys, no spaces) of every field but the
signature itself.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from parcours.audit.keys import PublicKey, SigningKey
from parcours.errors import InvalidInput
from parcours.store import log
from parcours.store.eventstore import PilotStore

LOG_NAME = "parcours-audit-log"


class Receipt(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    log: Literal["parcours-audit-log"] = "parcours-audit-log"
    version: Literal[1] = 1
    size: int = Field(ge=0)
    root: str = Field(pattern=r"^[0-9a-f]{64}$")
    issued_at: datetime
    algorithm: Literal["Ed25519"] = "Ed25519"
    key_id: str = Field(pattern=r"^[0-9a-f]{16}$")
    signature: str = ""

    def signed_bytes(self) -> bytes:
        fields = self.model_dump(mode="json", exclude={"signature"})
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def document(self) -> dict[str, Any]:
        """The receipt as JSON data (what `audit_receipt()` returns and files hold)."""
        return self.model_dump(mode="json")

    @property
    def root_bytes(self) -> bytes:
        return bytes.fromhex(self.root)

    def signature_bytes(self) -> bytes:
        try:
            return base64.b64decode(self.signature, validate=True)
        except ValueError:
            return b""

    def signed_by(self, public: PublicKey) -> str | None:
        """None if `public` made this signature; else what is wrong, in one phrase."""
        if self.key_id != public.key_id:
            return (
                f"the receipt was signed with key {self.key_id}, "
                f"not with this log's key {public.key_id}"
            )
        if not public.verifies(self.signature_bytes(), self.signed_bytes()):
            return f"the receipt's signature does not verify with key {public.key_id}"
        return None


def parse(receipt: Any) -> Receipt:
    """A receipt from what a caller holds: the dict, its JSON text, or a `Receipt`."""
    if isinstance(receipt, Receipt):
        return receipt
    try:
        if isinstance(receipt, str | bytes):
            return Receipt.model_validate_json(receipt)
        return Receipt.model_validate(receipt)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "receipt"
        raise InvalidInput(
            "receipt", "input.not_a_receipt", where=where, detail=first["msg"]
        ) from None


def issue(store: PilotStore, key: SigningKey, at: datetime) -> Receipt:
    """Sign the log's current tree head, and keep a copy of the receipt in the database."""
    if at.tzinfo is None:
        raise InvalidInput("at", "instant.naive")
    with store.reading() as session:
        size = log.size(session)
        root = log.root(session, size)
    unsigned = Receipt(
        size=size,
        root=root.hex(),
        issued_at=at.astimezone(UTC),
        key_id=key.public.key_id,
    )
    signature = base64.b64encode(key.sign(unsigned.signed_bytes())).decode("ascii")
    receipt = unsigned.model_copy(update={"signature": signature})
    with store.writing() as session:
        log.keep_receipt(
            session,
            size,
            receipt.issued_at.replace(tzinfo=None),
            json.dumps(receipt.document(), sort_keys=True),
        )
    return receipt


def last_issued_at(store: PilotStore) -> datetime | None:
    with store.reading() as session:
        found = log.last_receipt_at(session)
    return None if found is None else found.replace(tzinfo=UTC)


def last_kept(store: PilotStore) -> Receipt | None:
    """The last receipt this database kept a copy of (an attacker may have removed it: the
    copy that counts is the one kept outside)."""
    with store.reading() as session:
        document = log.last_receipt(session)
    return None if document is None else parse(document)


def due(store: PilotStore, now: datetime, every: timedelta = timedelta(days=1)) -> bool:
    """Whether the last receipt kept here is older than `every` (or there is none)."""
    last = last_issued_at(store)
    return last is None or now - last >= every


def hand_out(
    document: dict[str, Any],
    directory: str | Path | None,
    callbacks: Sequence[Callable[[dict[str, Any]], object]],
    log_: Any,
) -> None:
    """Write a receipt to `directory` (receipt-<size>-<time>.json) and give it to each
    callback (to e-mail it to the Region, or to a timestamping service). A failing callback
    is logged and does not stop the others: the receipt is kept in the database anyway."""
    if directory is not None:
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        stamp = str(document["issued_at"]).replace(":", "").replace("-", "")[:15]
        name = folder / f"receipt-{document['size']}-{stamp}.json"
        name.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    for callback in callbacks:
        try:
            callback(document)
        except Exception as exc:  # an embedding service's callback may fail any way
            log_.warning("receipt.callback_failed", error=type(exc).__name__)
