"""The support mailbox over IMAP (R-IN-1): read new messages by UID, mark them seen, never delete.

A thin layer over imapclient that speaks in what the intake needs: the
folder's UIDVALIDITY, the UIDs above the last one read, the raw bytes of
each message (``BODY.PEEK[]``, so fetching alone never sets ``\\Seen``), and
setting ``\\Seen`` once the desk has committed them. TLS is the default
(``security = "ssl"``, port 993); ``starttls`` upgrades a port-143 session
and refuses to go on in the clear if the server cannot; ``plain`` is only
what the configuration asks for. Every failure is one :class:`ImapError`
line naming the server, never a traceback.
"""

from __future__ import annotations

import re
import socket
import ssl
from collections.abc import Iterator, Sequence

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from dutydesk.config import ImapSettings
from dutydesk.errors import DutydeskError

__all__ = ["ImapError", "ImapMailbox"]

SEEN = b"\\Seen"
FETCH_CHUNK = 100
DEFAULT_PORTS = {"ssl": 993, "starttls": 143, "plain": 143}


class ImapError(DutydeskError):
    """The mailbox cannot be read: one line that says which server and why."""


def _first_line(exc: BaseException) -> str:
    """The server's own words: imapclient hands them over as bytes, or as the repr of bytes."""
    text = str(exc)
    first = exc.args[0] if exc.args else None
    if isinstance(first, bytes):
        text = first.decode("utf-8", "replace")
    elif re.fullmatch(r"b(['\"]).*\1", text, flags=re.DOTALL):
        text = text[2:-1]
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


class ImapMailbox:
    """One session on the configured folder: ``with ImapMailbox(settings) as box: ...``."""

    def __init__(self, settings: ImapSettings) -> None:
        if not settings.host:
            raise ImapError("no IMAP server configured (set imap.host, imap.username and the password)")
        if not settings.username:
            raise ImapError(f"no IMAP user configured for {settings.host} (set imap.username)")
        self.settings = settings
        self.port = settings.port or DEFAULT_PORTS[settings.security]
        self.where = f"IMAP {settings.host}:{self.port}"
        self.client: IMAPClient | None = None
        self.uidvalidity = 0

    @property
    def name(self) -> str:
        """The folder, as the desk remembers how far it has read it."""
        s = self.settings
        return f"{s.username}@{s.host}:{self.port}/{s.folder}"

    def label(self, uid: int) -> str:
        """Where a message came from, stable while the folder's UIDVALIDITY holds (RFC 5092 style)."""
        s = self.settings
        return f"imap://{s.username}@{s.host}:{self.port}/{s.folder};UIDVALIDITY={self.uidvalidity}/;UID={uid}"

    def __enter__(self) -> "ImapMailbox":
        s = self.settings
        password = s.password()  # a missing variable or file is a ConfigError line of its own
        if password is None:
            raise ImapError(f"no IMAP password configured for {s.username} (imap.password_env or imap.password_file)")
        try:
            context = ssl.create_default_context()
            client = IMAPClient(s.host, port=self.port, ssl=s.security == "ssl", ssl_context=context,
                                timeout=s.timeout_s)
        except (OSError, IMAPClientError) as exc:
            raise ImapError(f"cannot connect to {self.where}: {_first_line(exc)}") from None
        self.client = client
        try:
            if s.security == "starttls":
                client.starttls(context)
            client.login(s.username, password)
        except LoginError as exc:
            self._close()
            raise ImapError(f"{self.where} refused the login of {s.username}: {_first_line(exc)}") from None
        except (OSError, IMAPClientError) as exc:
            self._close()
            raise ImapError(f"{self.where}: {_first_line(exc)}") from None
        try:
            status = client.select_folder(s.folder)
        except (OSError, IMAPClientError) as exc:
            self._close()
            raise ImapError(f"{self.where}: cannot open folder {s.folder!r}: {_first_line(exc)}") from None
        self.uidvalidity = int(status[b"UIDVALIDITY"])
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def _close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - closing a broken session must not hide why it broke
            try:
                client.shutdown()
            except Exception:  # noqa: BLE001
                pass

    def _call(self, what: str, function, *args):
        assert self.client is not None, "use the mailbox inside `with`"
        try:
            return function(*args)
        except (OSError, socket.timeout, IMAPClientError) as exc:
            raise ImapError(f"{self.where}: {what} failed: {_first_line(exc)}") from None

    def uids_after(self, last_uid: int) -> list[int]:
        """UIDs above ``last_uid``, ascending. (``n:*`` also names the highest UID when it is below n.)"""
        found = self._call("search", self.client.search, ["UID", f"{last_uid + 1}:*"])  # type: ignore[union-attr]
        return sorted(uid for uid in found if uid > last_uid)

    def fetch(self, uids: Sequence[int]) -> Iterator[tuple[int, bytes]]:
        """The raw bytes of each message, in UID order, without setting ``\\Seen`` (BODY.PEEK)."""
        for start in range(0, len(uids), FETCH_CHUNK):
            chunk = list(uids[start:start + FETCH_CHUNK])
            data = self._call("fetch", self.client.fetch, chunk, [b"BODY.PEEK[]"])  # type: ignore[union-attr]
            for uid in chunk:
                item = data.get(uid)
                if item is None:
                    continue  # expunged meanwhile by another client: nothing to read
                raw = item.get(b"BODY[]")
                yield uid, bytes(raw) if raw is not None else b""

    def mark_seen(self, uids: Sequence[int]) -> None:
        if uids:
            self._call("marking seen", self.client.add_flags, list(uids), [SEEN], True)  # type: ignore[union-attr]

    def flags(self, uids: Sequence[int]) -> dict[int, tuple[bytes, ...]]:
        data = self._call("fetch flags", self.client.get_flags, list(uids))  # type: ignore[union-attr]
        return {int(uid): tuple(flags) for uid, flags in data.items()}
