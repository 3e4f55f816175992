"""Read raw messages out of the places mail is kept: Maildir, mbox, files.

Intake (R-IN-1) starts from whatever the support mailbox was exported to.
Each message comes out as a `MailSource`: its raw RFC 5322 bytes and a
stable label that says where it came from, so an import can be repeated
and a quarantined message can be found again. One unreadable message
never stops the rest: it comes out with ``error`` set and empty bytes.
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MailSource", "MailSourceError", "iter_sources"]

MESSAGE_SUFFIXES = (".eml", ".box", ".msg")
MBOX_SUFFIXES = (".mbox", ".mbx")


class MailSourceError(Exception):
    """A mail source that cannot be read at all (missing path, say)."""


@dataclass(frozen=True)
class MailSource:
    """One raw message and where it was found.

    ``label`` is stable across runs: ``maildir:<root>/cur/<file>``,
    ``mbox:<file>#<n>`` (n counts from 1) or the path of a message file.
    ``raw`` never starts with an mbox ``From `` envelope line. ``error``
    says why a message could not be read (``raw`` is then empty).
    """

    label: str
    raw: bytes
    error: str | None = None


def _strip_envelope(raw: bytes) -> bytes:
    """Drop a leading mbox ``From `` line: it is not a header."""
    if raw.startswith(b"From "):
        newline = raw.find(b"\n")
        return b"" if newline < 0 else raw[newline + 1 :]
    return raw


def _is_maildir(path: Path) -> bool:
    return (path / "cur").is_dir() or (path / "new").is_dir()


def _read_file(path: Path, label: str) -> MailSource:
    try:
        return MailSource(label=label, raw=_strip_envelope(path.read_bytes()))
    except OSError as exc:
        return MailSource(label=label, raw=b"", error=f"{type(exc).__name__}: {exc.strerror or exc}")


def _iter_maildir(root: Path) -> Iterator[MailSource]:
    # Maildir names start with the delivery time, so name order is arrival order.
    entries: list[tuple[str, str, Path]] = []
    for sub in ("cur", "new"):
        folder = root / sub
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if not entry.name.startswith(".") and entry.is_file():
                entries.append((entry.name, sub, entry))
    for name, sub, entry in sorted(entries):
        yield _read_file(entry, f"maildir:{root}/{sub}/{name}")


def _iter_mbox(path: Path) -> Iterator[MailSource]:
    try:
        box = mailbox.mbox(str(path), create=False)
    except Exception as exc:  # noqa: BLE001 - report the file, go on with the rest
        yield MailSource(label=f"mbox:{path}", raw=b"", error=f"{type(exc).__name__}: {exc}")
        return
    try:
        try:
            keys = sorted(box.keys())
        except Exception as exc:  # noqa: BLE001
            yield MailSource(label=f"mbox:{path}", raw=b"", error=f"{type(exc).__name__}: {exc}")
            return
        if not keys and path.stat().st_size:
            # No "From " separator at all: one message saved with an mbox name.
            yield _read_file(path, str(path))
            return
        for number, key in enumerate(keys, start=1):
            label = f"mbox:{path}#{number}"
            try:
                raw = box.get_bytes(key)
            except Exception as exc:  # noqa: BLE001 - keep going past a bad entry
                yield MailSource(label=label, raw=b"", error=f"{type(exc).__name__}: {exc}")
                continue
            yield MailSource(label=label, raw=_strip_envelope(raw))
    finally:
        box.close()


def _looks_like_mbox(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(5) == b"From "
    except OSError:
        return False


def _iter_file(path: Path) -> Iterator[MailSource]:
    suffix = path.suffix.lower()
    if suffix in MBOX_SUFFIXES or (suffix not in MESSAGE_SUFFIXES and _looks_like_mbox(path)):
        yield from _iter_mbox(path)
    else:
        yield _read_file(path, str(path))


def _iter_folder(root: Path) -> Iterator[MailSource]:
    """Message files and mboxes under ``root``, recursively, sorted by
    path; a Maildir found on the way is read as one."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        maildirs = [d for d in dirnames if _is_maildir(here / d)]
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            suffix = Path(name).suffix.lower()
            if suffix in MESSAGE_SUFFIXES or suffix in MBOX_SUFFIXES:
                yield from _iter_file(here / name)
        for name in maildirs:
            yield from _iter_maildir(here / name)
        dirnames[:] = [d for d in dirnames if d not in maildirs]


def iter_sources(paths: Iterable[Path]) -> Iterator[MailSource]:
    """Every message under ``paths``, in a stable order.

    A path may be a Maildir (has ``cur``/``new``), an mbox file, a single
    message file (``.eml``, ``.box``, ``.msg``), or a folder of those
    (searched recursively, sorted). Every path is checked before anything
    is read: one that does not exist raises `MailSourceError` at the call.
    """
    checked = [Path(given) for given in paths]
    for path in checked:
        if not path.exists():
            raise MailSourceError(f"mail source not found: {path}")
    return _generate(checked)


def _generate(paths: list[Path]) -> Iterator[MailSource]:
    for path in paths:
        if path.is_dir():
            yield from (_iter_maildir(path) if _is_maildir(path) else _iter_folder(path))
        else:
            yield from _iter_file(path)
