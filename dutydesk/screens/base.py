"""What every desk screen shares: services in thread workers, results as messages, localised keys.

Services open their own short transaction and may take a few hundred
milliseconds on a big pool, so a screen never calls one in the event loop.
:meth:`DeskScreen.call` runs it in a thread worker and posts a
:class:`ServiceResult` back; the screen handles it in the event loop, where
widgets may be touched. Our errors (``Refused``, ``StaleWrite``…) carry one
line for the lead and become an error notification with markup off; any
other exception becomes "internal error: …" instead of killing the desk.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from textual import events, log, on
from textual.message import Message
from textual.screen import Screen
from textual.worker import get_current_worker

from dutydesk.errors import DutydeskError
from dutydesk.i18n import Catalogue
from dutydesk.textsafe import safe_line
from dutydesk.widgets.keys import localise_bindings, steady_cursors

__all__ = ["APP_HINTS", "DeskScreen", "ServiceResult", "localise_bindings", "steady_cursors"]

_tokens = itertools.count(1)
APP_HINTS = ("escalations", "lookup", "help", "quit")


class ServiceResult(Message):
    """A service call finished in a worker: ``value`` (a frozen dataclass) or ``error`` (one line)."""

    def __init__(self, token: int, value: Any, error: str | None, counter: int | None = None) -> None:
        super().__init__()
        self.token, self.value, self.error, self.counter = token, value, error, counter


class DeskScreen(Screen):
    """A screen over the app's desk, with :meth:`call` for services and :meth:`fail` for errors."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._service_callbacks: dict[int, tuple[Callable | None, Callable | None]] = {}
        localise_bindings(self, self.t)

    @on(events.ScreenResume)
    def _resumed(self) -> None:
        steady_cursors(self)
        self.show_top_bar()

    def screen_title(self) -> str:
        return ""

    def show_top_bar(self, now=None) -> None:
        """Where, when and who, and the app-wide keys (read now: the keymap may have rebound them)."""
        from dutydesk.widgets.bars import TopBar

        for bar in self.query(TopBar):
            desk = self.desk
            bar.show(screen_name=self.screen_title(), now=now or desk.now(), tz=self.tz, t=self.t, actor=desk.actor,
                     frozen=desk.clock.is_frozen, backend=desk.engine.dialect.name, hints=self.hints())

    @property
    def desk(self):
        return self.app.desk

    @property
    def t(self) -> Catalogue:
        return self.app.t

    @property
    def tz(self):
        return self.app.desk.settings.tz

    def hints(self) -> list[tuple[str, str]]:
        """The app-wide keys (escalations, lookup, help, quit) as the top bar shows them: live, keymap applied."""
        app = self.app
        return [(app.get_key_display(a.binding), a.binding.description) for a in self.active_bindings.values()
                if a.node is app and a.binding.id in APP_HINTS]

    def call(self, fn: Callable, *args: Any, group: str, done: Callable | None = None,
             failed: Callable | None = None, write: bool = False, **kwargs: Any) -> None:
        """Run ``fn(desk, *args, **kwargs)`` in a thread worker; ``done(value)`` runs back in the event loop.

        Reads are exclusive per group (a newer read of the same thing makes
        an older one moot). Writes are not: every write's outcome, refusal
        included, must reach the lead, so none is cancelled.
        """
        token = next(_tokens)
        self._service_callbacks[token] = (done, failed)
        desk = self.desk
        internal = self.t

        def job() -> None:
            worker = get_current_worker()
            counter = None
            try:
                value = fn(desk, *args, **kwargs)
                error = None
                if write:
                    counter = desk.change_counter()
            except DutydeskError as exc:
                value, error = None, str(exc)
            except Exception as exc:  # the desk must survive a bug in one service call
                log.error(f"{getattr(fn, '__name__', fn)} failed: {exc!r}")
                value, error = None, internal("error.internal", error=f"{type(exc).__name__}: {exc}")
            if worker.is_cancelled and not write:
                return
            self.post_message(ServiceResult(token, value, error, counter))

        self.run_worker(job, name=getattr(fn, "__name__", "service"), group=group, thread=True,
                        exclusive=not write, exit_on_error=False)

    def on_service_result(self, message: ServiceResult) -> None:
        message.stop()
        done, failed = self._service_callbacks.pop(message.token, (None, None))
        if message.counter is not None:
            self.app.saw_counter(message.counter)
        if message.error is not None:
            (failed or self.fail)(message.error)
        elif done is not None:
            done(message.value)

    def fail(self, error: str) -> None:
        """A refusal or error from the engine: its own words, as plain text, never a traceback."""
        self.app.notify(safe_line(error), severity="error", markup=False, timeout=8)

    def tell(self, text: str) -> None:
        self.app.notify(safe_line(text), markup=False, timeout=4)

    def on_desk_changed(self) -> None:
        """Another desk changed something; screens that show live data reload (see ``app.DeskChanged``)."""
