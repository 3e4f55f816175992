"""Start the desk app. Kept apart so headless commands never import Textual."""

from __future__ import annotations

from dutydesk.cli.context import CliState


def launch(st: CliState) -> None:
    desk = st.desk()
    try:
        from dutydesk.app import run_app
    except ImportError:
        run_app = None
    if run_app is None:
        from dutydesk.cli.pool_cmds import print_pool

        print_pool(desk, as_json=False)
        return
    run_app(desk, language=st.language)
