"""Sending: SMTP (SSL or STARTTLS by default, auth from the environment) or an outbox folder of .eml files."""

from __future__ import annotations

import smtplib
import socket
import ssl
from pathlib import Path

from dutydesk.config import SmtpSettings


class SendFailed(Exception):
    """The message stays queued; ``str()`` says why in one line."""


def smtp_configured(settings: SmtpSettings) -> bool:
    return bool(settings.host)


def send_smtp(settings: SmtpSettings, *, sender: str, recipients: tuple[str, ...], raw: bytes) -> None:
    port = settings.port or {"ssl": 465, "starttls": 587, "plain": 25}[settings.security]
    try:
        if settings.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(settings.host or "", port, timeout=settings.timeout_s,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host or "", port, timeout=settings.timeout_s)
        with client:
            if settings.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            password = settings.password()
            if settings.username and password is not None:
                client.login(settings.username, password)
            refused = client.sendmail(sender, list(recipients), raw)
            if refused:
                raise SendFailed(f"the server refused {', '.join(sorted(refused))}")
    except smtplib.SMTPResponseException as exc:
        raise SendFailed(f"SMTP {settings.host}:{port} answered {exc.smtp_code}: "
                         f"{exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}") from exc
    except (smtplib.SMTPException, OSError, socket.timeout, ssl.SSLError) as exc:
        raise SendFailed(f"SMTP {settings.host}:{port}: {exc or type(exc).__name__}") from exc


def write_outbox(folder: Path, *, message_id: str, raw: bytes) -> Path:
    """An .eml per message, private to the user, named by its Message-ID (so a retry overwrites, never doubles)."""
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in message_id)
    path = folder / f"{safe}.eml"
    tmp = path.with_suffix(".eml.tmp")
    tmp.write_bytes(raw)
    tmp.chmod(0o600)
    tmp.replace(path)
    return path
