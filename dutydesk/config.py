"""Typed settings: a TOML file plus ``DUTYDESK_*`` environment variables.

Environment wins over the file, the file over the defaults. A broken file is
reported in one line that names the file, the key and the problem, because
the lead should never have to read a traceback to fix a typo.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from dutydesk import paths
from dutydesk.errors import DutydeskError

CONFIG_ENV = "DUTYDESK_CONFIG"

DEFAULT_FREE_MAIL = (
    "gmail.com", "googlemail.com", "mail.ru", "yandex.ru", "ya.ru", "yandex.com", "bk.ru",
    "list.ru", "inbox.ru", "internet.ru", "rambler.ru", "lenta.ru", "outlook.com", "hotmail.com",
    "live.com", "icloud.com", "me.com", "yahoo.com", "proton.me", "protonmail.com", "gmx.de",
)


class ConfigError(DutydeskError):
    """One clear line about a configuration problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalendarYear(_Strict):
    """Per-year corrections for years the holidays package does not know yet (or gets wrong)."""

    days_off: list[date] = Field(default_factory=list)
    working_days: list[date] = Field(default_factory=list)
    short_days: dict[date, time] = Field(default_factory=dict)


class Secret(_Strict):
    """A password is never written in the config or the DB: only where to find it."""

    password_env: str | None = None
    password_file: Path | None = None

    def password(self) -> str | None:
        if self.password_env:
            value = os.environ.get(self.password_env)
            if value is None:
                raise ConfigError(f"password variable {self.password_env} is not set")
            return value
        if self.password_file:
            try:
                return self.password_file.expanduser().read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(f"password file {self.password_file}: {exc.strerror}") from exc
        return None


class SmtpSettings(Secret):
    host: str | None = None
    port: int | None = None
    security: Literal["ssl", "starttls", "plain"] = "starttls"
    username: str | None = None
    timeout_s: float = 20.0


class ImapSettings(Secret):
    host: str | None = None
    port: int | None = None
    security: Literal["ssl", "starttls", "plain"] = "ssl"
    username: str | None = None
    folder: str = "INBOX"
    timeout_s: float = 30.0


class Settings(BaseSettings):
    """Everything a desk can be told. See README's example TOML."""

    model_config = SettingsConfigDict(env_prefix="DUTYDESK_", env_nested_delimiter="__", extra="forbid")

    timezone: str = "Europe/Moscow"
    studio_name: str = "Cetera"
    support_address: str = "support@cetera.ru"
    main_phone: str = "8 (800) 775-52-93"
    message_id_domain: str = "cetera.ru"
    working_hours: str = "Пн–Пт 09:00–18:00 (МСК)"
    me: str | None = None
    lang: Literal["ru", "en"] | None = None
    db: str | None = None
    free_mail_domains: list[str] = Field(default_factory=lambda: list(DEFAULT_FREE_MAIL))
    calendar: dict[int, CalendarYear] = Field(default_factory=dict)
    smtp: SmtpSettings = Field(default_factory=SmtpSettings)
    imap: ImapSettings = Field(default_factory=ImapSettings)
    keymap: dict[str, str] = Field(default_factory=dict)
    templates_dir: Path | None = None
    outbox_dir: Path | None = None
    snapshot_dir: Path | None = None
    refresh_seconds: float = 3.0

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("free_mail_domains")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [d.strip().lower() for d in value if d.strip()]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives as init kwargs; the environment overrides it.
        return (env_settings, init_settings)


def config_path(option: str | None) -> tuple[Path, bool]:
    """The file to read and whether the user named it (a named file must exist)."""
    named = option or os.environ.get(CONFIG_ENV)
    if named:
        return Path(named).expanduser(), True
    return paths.default_config_path(), False


def load_settings(option: str | None = None, **overrides: Any) -> Settings:
    """Read the config file (if any) and the environment, or raise ConfigError in one line."""
    path, named = config_path(option)
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config {path}: not valid TOML: {exc}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config {path}: cannot read: {exc}") from exc
    elif named:
        raise ConfigError(f"config {path}: no such file")
    data.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "extra_forbidden":
            message = "unknown key"
        raise ConfigError(f"config {path}: key {key}: {message}") from exc


def permission_warnings(settings: Settings, option: str | None = None) -> list[str]:
    """A config that says where a password lives, and the password file itself, should be private (0600)."""
    import stat

    warnings = []
    path, _ = config_path(option)
    secrets = [s for s in (settings.smtp, settings.imap) if s.password_env or s.password_file]
    candidates = [path] if secrets and path.exists() else []
    candidates += [s.password_file.expanduser() for s in secrets if s.password_file and s.password_file.expanduser().exists()]
    for candidate in candidates:
        mode = stat.S_IMODE(candidate.stat().st_mode)
        if mode & 0o077:
            warnings.append(f"{candidate} is readable by others (mode {mode:04o}); run: chmod 600 {candidate}")
    return warnings
