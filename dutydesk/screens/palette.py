"""The command palette (``ctrl+p``): every action of the current screen, named with the selected task.

Commands come from the bindings themselves (so the palette, the footer
and the help screen never disagree) plus the task actions that have no
key on this screen but apply to its selected task (``PALETTE_EXTRA``:
e.g. "done" from the pool). The title carries the context, "Take — SUP-1011",
so the lead sees what a command will act on before choosing it.
"""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

HIDDEN = {"cursor-up", "cursor-down", "page-up", "page-down", "first", "last", "command-palette"}


class DeskCommands(Provider):
    def _commands(self) -> list[tuple[str, str, object, str]]:
        """(title, help, namespace, action) for the screen the palette was opened over."""
        screen, app = self.screen, self.app
        t = app.t
        target = getattr(screen, "target", None)
        row = target() if callable(target) else None
        seen: set[str] = set()
        out = []

        def add(binding_id: str, namespace, action: str, task_bound: bool) -> None:
            if binding_id in seen or binding_id in HIDDEN:
                return
            seen.add(binding_id)
            name = t(f"tip.{binding_id}") if t.has(f"tip.{binding_id}") else binding_id
            title = t("palette.task", action=name, key=row.key) if task_bound and row is not None else name
            out.append((title, t(f"key.{binding_id}") if t.has(f"key.{binding_id}") else "", namespace, action))

        task_actions = set(getattr(screen, "TASK_ACTIONS", ()))
        for active in screen.active_bindings.values():
            b = active.binding
            if b.id and active.enabled:
                add(b.id, active.node, b.action, b.action.split("(")[0] in task_actions)
        for binding_id, action in getattr(screen, "PALETTE_EXTRA", ()):
            add(binding_id, screen, action, True)
        return out

    async def discover(self) -> Hits:
        for title, help_text, namespace, action in self._commands():
            yield DiscoveryHit(title, partial(self._run, namespace, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, namespace, action in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self._run, namespace, action), text=title,
                          help=help_text)

    async def _run(self, namespace, action: str) -> None:
        await self.app.run_action(action, namespace)
