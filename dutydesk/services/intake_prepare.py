"""Each inbound message parsed once and packed; a long import does it in worker processes.

Parsing is pure CPU and, for Russian mail in legacy charsets, slower than
writing the result: on a machine with two cores a long import parses in
worker processes (``python -m dutydesk.services.intake_prepare``) while the
main process writes to the store. Workers are plain subprocesses fed over
pipes: they inherit no database connection and no thread, and need no
``__main__`` guard in whoever calls the intake. A short import (the usual
cron run, a single file) parses in-line: starting a worker costs more than it
saves. Order is kept either way, so dedupe and threading see the messages as
the source lists them.

Pure and light: no database, no clock; the worker imports only the parser.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import BinaryIO

from dutydesk.mail.parse import ParsedMessage, parse_message
from dutydesk.mail.sources import MailSource

#: Below this many messages, parse in-line.
PARALLEL_FROM = 400
#: Parsed messages waiting for the store, at most (the workers run ahead this far).
BUFFERED = 2000
_END = object()

#: Inbound raw bytes are stored as this marker + zlib data. No RFC 5322 message starts
#: with NUL, so a stored value without it is raw as is (outbound mail is stored plain).
RAW_MARK = b"\x00dd-zlib\x00"


def pack_raw(raw: bytes) -> bytes:
    return RAW_MARK + zlib.compress(raw, 6)


def unpack_raw(stored: bytes | None) -> bytes:
    """The original bytes of a stored message, inbound (compressed) or outbound (plain)."""
    if not stored:
        return b""
    if stored.startswith(RAW_MARK):
        return zlib.decompress(stored[len(RAW_MARK):])
    return bytes(stored)


@dataclass(frozen=True)
class Incoming:
    """A message parsed once and its raw bytes packed: all an intake transaction needs."""

    source: str
    parsed: ParsedMessage
    packed: bytes
    size: int


def prepare(source: MailSource, *, support_address: str, own_domain: str | None) -> Incoming:
    """Parse and pack one message. Never raises."""
    try:
        parsed = parse_message(source.raw, support_address=support_address, own_message_id_domain=own_domain)
        if source.error:
            # Every unreadable file has the same (empty) content: hash where it was and why instead.
            marker = hashlib.sha256(f"{source.label}\x1f{source.error}".encode("utf-8", "replace")).hexdigest()
            parsed = replace(parsed, quarantine=f"unreadable source: {source.error}", content_hash=marker)
        return Incoming(source.label, parsed, pack_raw(source.raw), len(source.raw))
    except Exception as exc:  # noqa: BLE001 - MemoryError on a monster message, say: keep it, say why
        parsed = parse_message(b"")
        digest = hashlib.sha256(source.raw).hexdigest()
        return Incoming(source.label, replace(parsed, quarantine=f"unparseable: {type(exc).__name__}",
                                              content_hash=digest), pack_raw(source.raw), len(source.raw))


def default_workers() -> int:
    """As many parsing workers as cores: the main process mostly waits for the store."""
    cores = os.cpu_count() or 1
    return cores if cores > 1 else 0


def prepared(sources: Iterable[MailSource], *, support_address: str, own_domain: str | None,
             workers: int | None = None) -> Iterator[Incoming]:
    """Each source as an :class:`Incoming`, in order."""
    count = default_workers() if workers is None else workers
    iterator = iter(sources)
    head = list(itertools.islice(iterator, PARALLEL_FROM))
    if count <= 0 or len(head) < PARALLEL_FROM:
        for source in itertools.chain(head, iterator):
            yield prepare(source, support_address=support_address, own_domain=own_domain)
        return
    yield from _in_workers(itertools.chain(head, iterator), count, support_address, own_domain)


# --- the workers ---------------------------------------------------------------------

_LENGTH = struct.Struct("!I")


def _send(stream: BinaryIO, value: object) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)))
    stream.write(data)


def _receive(stream: BinaryIO) -> object | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    return pickle.loads(stream.read(_LENGTH.unpack(head)[0]))


class WorkerStopped(RuntimeError):
    """A parsing worker died (killed, out of memory): the import stops; a re-run resumes it."""


def _in_workers(sources: Iterator[MailSource], count: int, support_address: str,
                own_domain: str | None) -> Iterator[Incoming]:
    """Message n goes to worker n mod count and its result is read back in the same order.

    A feeder thread writes while this generator reads, so neither side waits
    on a full pipe for the other; reading in order keeps it deadlock-free.
    """
    command = [sys.executable, "-m", "dutydesk.services.intake_prepare", support_address, own_domain or ""]
    procs = [subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE) for _ in range(count)]
    state = {"fed": 0, "finished": False, "failure": None}
    stop = threading.Event()

    def feed() -> None:
        try:
            for number, source in enumerate(sources):
                if stop.is_set():
                    break
                _send(procs[number % count].stdin, (source.label, source.raw, source.error))  # type: ignore[arg-type]
                state["fed"] = number + 1
        except BaseException as exc:  # noqa: BLE001 - a source that raises: stop feeding, report it
            state["failure"] = exc
        finally:
            state["finished"] = True  # before the pipes close: a worker's EOF means "all fed"
            for proc in procs:
                try:
                    proc.stdin.close()  # type: ignore[union-attr]
                except OSError:
                    pass

    results: queue.Queue = queue.Queue(maxsize=BUFFERED)

    def read() -> None:
        """Drain the workers in order into a queue, so they parse on while the store is written."""
        number = 0
        try:
            while not stop.is_set():
                result = _receive(procs[number % count].stdout)  # type: ignore[arg-type]
                if result is None:
                    if state["finished"] and number >= state["fed"]:
                        results.put(_END)
                    else:
                        status = procs[number % count].wait()
                        results.put(WorkerStopped(f"a mail parsing worker stopped (exit status {status})"))
                    return
                results.put(result)
                number += 1
        except BaseException as exc:  # noqa: BLE001
            results.put(exc)

    threads = [threading.Thread(target=feed, name="intake-feeder", daemon=True),
               threading.Thread(target=read, name="intake-reader", daemon=True)]
    for thread in threads:
        thread.start()
    try:
        while True:
            result = results.get()
            if result is _END:
                break
            if isinstance(result, BaseException):
                raise result
            yield result
        if state["failure"] is not None:
            raise state["failure"]  # type: ignore[misc]
    finally:
        stop.set()
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        while not results.empty():  # unblock a reader waiting on a full queue
            results.get_nowait()
        for thread in threads:
            thread.join(timeout=5)
        for proc in procs:
            proc.stdout.close()  # type: ignore[union-attr]


def _worker_main(support_address: str, own_domain: str) -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        message = _receive(stdin)
        if message is None:
            break
        label, raw, error = message  # type: ignore[misc]
        _send(stdout, prepare(MailSource(label, raw, error), support_address=support_address,
                              own_domain=own_domain or None))
        stdout.flush()


if __name__ == "__main__":
    # Through the package, so what is sent back pickles as dutydesk.services.intake_prepare.Incoming.
    from dutydesk.services.intake_prepare import _worker_main as worker

    worker(sys.argv[1], sys.argv[2])
