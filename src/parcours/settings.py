"""Configuration as data, assembled once. Nothing reads the environment at import time."""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from parcours.catalogue import Msg
from parcours.errors import ConfigurationError
from parcours.messages import pydantic_key

DEFAULT_CLI_URL = "sqlite:///parcours.db"
# The programme a command names when it names none (PARCOURS_PROGRAMME): the one place of the
# code, with the demo, that names a programme (issue 21: the programme is data).
DEFAULT_PROGRAMME = "grand-est-2024"
LOG_FORMATS = ("console", "json")
LOG_LEVELS = ("debug", "info", "warning", "error", "critical")
_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
# Which environment variable sets which field: a refusal names what the user typed.
ENV_NAMES = {
    "url": "PARCOURS_DATABASE_URL",
    "snapshot_interval": "PARCOURS_SNAPSHOT_INTERVAL",
    "project_after_commands": "PARCOURS_PROJECT_AFTER_COMMANDS",
    "log_format": "PARCOURS_LOG_FORMAT",
    "log_level": "PARCOURS_LOG_LEVEL",
    "master_key": "PARCOURS_MASTER_KEY",
    "audit_key": "PARCOURS_AUDIT_KEY",
    "programme": "PARCOURS_PROGRAMME",
}


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str = "sqlite:///:memory:"
    # The programme of a command that names none (an enrolment, a grant of the agency…), and
    # whose time zone says where a day of the cohort begins: a built-in id or a registered one.
    programme: str = Field(default=DEFAULT_PROGRAMME, pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")
    # A snapshot every N events of a pilot; 0 turns snapshots off.
    snapshot_interval: int = Field(default=100, ge=0)
    # Embedded use (SQLite): queries right after a command see it. A PostgreSQL deployment
    # with a projection worker turns this off in its application processes.
    project_after_commands: bool = True
    log_format: str = "console"
    log_level: str = "warning"
    # base64 of 32 random bytes: the wrapping of data keys before key files (kept so that
    # an old database opens; its keys are re-wrapped under the key file's KEK on opening).
    master_key: str | None = Field(default=None, repr=False)
    # The key file holding the key-encryption keys (store/keyring.py). None: the
    # environment's PARCOURS_KEY_FILE, else (SQLite) the user's data folder; mandatory on
    # PostgreSQL.
    key_file: str | None = None
    # The file of the Ed25519 key that signs audit receipts (outside the database); None: the
    # user's data directory (audit/keys.py), or memory for an in-memory database.
    audit_key: str | None = None
    # A scheduler's claim on a notice lasts this long; past it, another tick may deliver it.
    notice_lease_seconds: int = Field(default=300, ge=1, le=86_400)
    # Failed deliveries of one notice before it is parked (shown by `parcours notices`).
    notice_max_attempts: int = Field(default=5, ge=1, le=1_000)

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value.lower() not in LOG_FORMATS:
            raise ValueError(Msg("setting.choice", choices=", ".join(LOG_FORMATS)))
        return value.lower()

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.lower() not in LOG_LEVELS:
            raise ValueError(Msg("setting.choice", choices=", ".join(LOG_LEVELS)))
        return value.lower()

    def master_key_bytes(self) -> bytes | None:
        if self.master_key is None:
            return None
        try:
            raw = base64.b64decode(self.master_key, validate=True)
        except ValueError:
            raw = b""
        if len(raw) != 32:
            raise ConfigurationError("setting.master_key")
        return raw

    def key_file_setting(self, environ: Mapping[str, str] | None = None) -> str | None:
        """The configured key file. The one setting `Parcours(url)` also reads from the
        environment when it is not given: a key file's path belongs to the deployment, and
        code that embeds parcours should not have to carry it."""
        if self.key_file:
            return self.key_file
        env = os.environ if environ is None else environ
        return env.get("PARCOURS_KEY_FILE") or None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """The settings from PARCOURS_* variables; a wrong one is a ConfigurationError that
        names the variable, never a traceback."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {"url": env.get("PARCOURS_DATABASE_URL", DEFAULT_CLI_URL)}
        if "PARCOURS_SNAPSHOT_INTERVAL" in env:
            raw = env["PARCOURS_SNAPSHOT_INTERVAL"].strip()
            if not raw.isdigit():
                raise ConfigurationError("setting.integer", name="PARCOURS_SNAPSHOT_INTERVAL")
            values["snapshot_interval"] = int(raw)
        if "PARCOURS_PROJECT_AFTER_COMMANDS" in env:
            flag = env["PARCOURS_PROJECT_AFTER_COMMANDS"].strip().lower()
            if flag not in _TRUE + _FALSE:
                raise ConfigurationError("setting.flag", name="PARCOURS_PROJECT_AFTER_COMMANDS")
            values["project_after_commands"] = flag in _TRUE
        values["log_format"] = env.get("PARCOURS_LOG_FORMAT", "console")
        values["log_level"] = env.get("PARCOURS_LOG_LEVEL", "warning")
        for name in ("notice_lease_seconds", "notice_max_attempts"):
            if f"PARCOURS_{name.upper()}" in env:
                values[name] = env[f"PARCOURS_{name.upper()}"]
        if env.get("PARCOURS_KEY_FILE"):
            values["key_file"] = env["PARCOURS_KEY_FILE"]
        if env.get("PARCOURS_MASTER_KEY"):
            values["master_key"] = env["PARCOURS_MASTER_KEY"]
        if env.get("PARCOURS_PROGRAMME"):
            values["programme"] = env["PARCOURS_PROGRAMME"].strip()
        if env.get("PARCOURS_AUDIT_KEY"):
            values["audit_key"] = env["PARCOURS_AUDIT_KEY"]
        values.update({k: v for k, v in overrides.items() if v is not None})
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = str(first["loc"][0]) if first["loc"] else "?"
            name = ENV_NAMES.get(field, field)
            key = pydantic_key(first["type"])
            detail = Msg(key) if key else first["msg"].removeprefix("Value error, ")
            raise ConfigurationError("setting.invalid", field=name, detail=detail) from None
