"""The actions on one task, shared by the pool (selected row) and the task screen.

A screen that mixes this in provides ``target()`` — the selected task as
something with ``key``, ``version`` and ``priority`` (a ``PoolRow`` or a
``TaskView``) — and ``after_write(key)`` to reload what it shows. Every
write goes through the engine's services with the version the lead was
looking at, so a task changed meanwhile by another desk is refused with
who and when (``StaleWrite``) instead of being overwritten.
"""

from __future__ import annotations

import importlib
import time
from collections import deque
from typing import Any

from dutydesk.domain.priority import Priority


class _OnFirstUse:
    """A module imported when first used: the write services and prompts are not needed to paint
    the pool, and importing them up front cost the first paint about 30 ms."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.load(), attr)

    def load(self) -> Any:
        return importlib.import_module(self._name)


claims = _OnFirstUse("dutydesk.services.claims")
lifecycle = _OnFirstUse("dutydesk.services.lifecycle")
prompts = _OnFirstUse("dutydesk.widgets.prompts")


def warm_imports() -> None:
    """What the first key press needs, imported while the lead reads the pool (a worker thread)."""
    for module in (claims, lifecycle, prompts):
        module.load()


class TaskActions:
    """Mixin for a :class:`~dutydesk.screens.base.DeskScreen`; actions are named after the binding ids."""

    #: Actions that act on the selected task (the palette names the task beside them).
    TASK_ACTIONS = frozenset({"set_priority", "ack", "take", "wait", "resume", "split", "hand_off", "out_of_scope",
                              "done", "open", "escalate"})

    def target(self):
        raise NotImplementedError

    def after_write(self, key: str | None) -> None:
        raise NotImplementedError

    def show_pending(self, key: str, priority: Priority) -> bool:
        """Paint the new priority at once (before the database answers); False if nothing to paint."""
        return False

    def _selected(self):
        row = self.target()
        if row is None:
            self.fail(self.t("error.no_task"))
        return row

    def _write(self, fn, key: str, message, *args, version: int | None = None, retype=None, **kwargs) -> None:
        """Queue one write; writes run one after another so each sees the version the previous one made.

        ``version`` is the version the lead was looking at; it becomes the
        service's ``expected_version`` (compare-and-set), raised to the
        version our own last write produced, so pressing ``3`` then ``t``
        quickly is not refused as a change "by another desk". ``retype`` runs when the write fails
        (a busy or unreachable database, a refusal), so what the lead typed is offered again, not lost.
        """
        queue = self.__dict__.setdefault("_write_queue", deque())
        queue.append((fn, key, message, args, version, kwargs, retype))
        if not self.__dict__.get("_writing"):
            self._next_write()

    def _next_write(self) -> None:
        queue = self.__dict__.setdefault("_write_queue", deque())
        versions = self.__dict__.setdefault("_versions", {})
        if not queue:
            self._writing = False
            return
        self._writing = True
        fn, key, message, args, version, kwargs, retype = queue.popleft()
        if version is not None:
            kwargs["expected_version"] = max(version, versions.get(key, 0))

        def done(value) -> None:
            if getattr(value, "key", None) == key and hasattr(value, "version"):
                versions[key] = value.version
            self.tell(message(value) if callable(message) else message)
            self.after_write(getattr(value, "key", None) or key)
            self._next_write()

        def failed(error: str) -> None:
            self.fail(error)
            self.after_write(key)
            self._next_write()
            if retype is not None:
                retype()

        self.call(fn, *([key] if key else []), *args, group="write", write=True, done=done, failed=failed, **kwargs)

    # --- R-TRI-3 ---------------------------------------------------------------------------------

    def action_set_priority(self, level: int) -> None:
        row = self._selected()
        if row is None:
            return
        priority = Priority(level)
        started = time.perf_counter()
        self.app.pending_key_started("priority", started)
        if self.show_pending(row.key, priority):
            self.call_after_refresh(self.app.record_metric, "repaint:priority", started)
        label = f"{priority.russian} / {priority.english}"
        self._write(lifecycle.set_priority, row.key, self.t("done.priority", key=row.key, p=label), priority,
                    version=row.version)

    # --- R-POOL-1/3 --------------------------------------------------------------------------------

    def action_take(self) -> None:
        row = self._selected()
        if row is not None:
            self._write(lifecycle.take, row.key, self.t("done.take", key=row.key, who=self.desk.actor),
                        staff=self.desk.actor, version=row.version)

    def action_take_next(self) -> None:
        self._write(claims.take_next, "", lambda view: self.t("done.take", key=view.key, who=self.desk.actor),
                    staff=self.desk.actor)

    # --- R-WORK-1..3, R-SCOPE-1 -------------------------------------------------------------------------

    def action_wait(self) -> None:
        row = self._selected()
        if row is None:
            return

        def ask(initial: str = "") -> None:
            self.app.push_screen(prompts.TextPrompt(self.t, self.t("prompt.wait", key=row.key), multiline=True,
                                            initial=initial), asked)

        def asked(question: str | None) -> None:
            if question:
                self._write(lifecycle.wait_for_client, row.key, self.t("done.wait", key=row.key),
                            question=question, version=row.version, retype=lambda: ask(question))

        ask()

    def action_resume(self) -> None:
        row = self._selected()
        if row is not None:
            self._write(lifecycle.resume, row.key, self.t("done.resume", key=row.key))

    def action_split(self) -> None:
        row = self._selected()
        if row is None:
            return

        def titled(titles: list[str] | None) -> None:
            if titles:
                self._write(lifecycle.split, row.key,
                            lambda result: self.t("done.split", key=row.key, keys=", ".join(c.key for c in result[1])),
                            titles)

        self.app.push_screen(prompts.LinesPrompt(self.t, self.t("prompt.split", key=row.key)), titled)

    def action_hand_off(self) -> None:
        row = self._selected()
        if row is None:
            return

        def chosen(answer) -> None:
            if answer:
                reason, note = answer
                self._write(lifecycle.hand_off, row.key, self.t("done.handoff", key=row.key), reason=reason,
                            note=note, version=row.version)

        self.app.push_screen(prompts.HandOffPrompt(self.t, self.t("prompt.handoff", key=row.key)), chosen)

    def action_out_of_scope(self) -> None:
        row = self._selected()
        if row is None:
            return

        prompt = prompts.TextPrompt(self.t, self.t("prompt.scope", key=row.key), placeholder=self.t("prompt.note"),
                            required=False)

        def noted(note: str | None) -> None:
            if prompt.accepted:  # an empty note is fine; only Escape cancels
                self._write(lifecycle.out_of_scope, row.key, self.t("done.scope", key=row.key), note=note,
                            version=row.version)

        self.app.push_screen(prompt, noted)

    def action_done(self) -> None:
        row = self._selected()
        if row is not None:
            self._write(lifecycle.done, row.key, self.t("done.done", key=row.key), version=row.version)

    # --- R-TRI-4 ------------------------------------------------------------------------------------

    def action_ack(self) -> None:
        row = self._selected()
        if row is not None:
            from dutydesk.screens.ack import AckScreen

            self.app.push_screen(AckScreen(row.key), lambda sent: self.after_write(row.key) if sent else None)
