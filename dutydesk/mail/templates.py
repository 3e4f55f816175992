"""Message templates (Jinja2): the studio edits texts without touching code.

Jinja2 rather than string.Template because the acknowledgement has
conditional parts (no priority yet, no manager) and lists (timing lines), and
because its HTML alternative must escape the client's subject — Jinja2's
autoescape does that for ``*.html.j2`` and leaves plain text alone.
A folder in ``templates_dir`` (config) overrides the shipped ones by name.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, TemplateError, select_autoescape

from dutydesk.errors import DutydeskError
from dutydesk.paths import repo_data_dir


def environment(override: Path | None = None) -> Environment:
    loaders = []
    if override is not None:
        loaders.append(FileSystemLoader(str(Path(override).expanduser())))
    loaders.append(FileSystemLoader(str(repo_data_dir() / "templates")))
    return Environment(loader=ChoiceLoader(loaders), undefined=StrictUndefined, keep_trailing_newline=True,
                       autoescape=select_autoescape(enabled_extensions=("html.j2",), default=False))


def render(name: str, context: dict, *, override: Path | None = None) -> str:
    try:
        return environment(override).get_template(name).render(**context)
    except TemplateError as exc:
        raise DutydeskError(f"template {name}: {exc}") from exc
