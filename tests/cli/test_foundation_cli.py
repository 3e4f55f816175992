"""The CLI surface of the foundation: init, demo, registry, task new/show, pool, global options, errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DEMO_REGISTRY = Path(__file__).resolve().parents[2] / "data" / "demo" / "registry.json"


def test_init_creates_then_reports_up_to_date(cli) -> None:
    from dutydesk.store.migrate import head_revision

    first = cli("init", "--json")
    assert first.exit_code == 0 and first.json()["schema"] == head_revision()
    second = cli("init", "--json")
    assert second.json()["schema_before"] == second.json()["schema"] == head_revision()


def test_demo_loads_a_live_looking_pool(cli) -> None:
    assert cli("demo").exit_code == 0
    pool = cli("pool", "--json").json()
    assert pool["now"].startswith("2026-12-01T10:00:00+03:00")
    assert len(pool["tasks"]) >= 12
    received = [t["received_at"] for t in pool["tasks"]]
    assert all(r < pool["now"] or r[:10] <= "2026-12-01" for r in received)
    again = cli("demo")
    assert again.exit_code == 1 and "not empty" in again.stderr


def test_task_new_prints_the_key_and_show_gives_it_back(cli) -> None:
    cli("registry", "import", str(DEMO_REGISTRY))
    created = cli("task", "new", "--project", "acme-shop", "--subject", "Звонок: не работает корзина",
                  "--channel", "phone", "--received", "2026-12-01T09:40")
    assert created.exit_code == 0
    key = created.stdout.strip()
    assert key.startswith("SUP-")
    shown = cli("task", "show", key, "--json").json()
    assert shown["key"] == key and shown["channel"] == "phone"
    assert shown["project"] == {"id": "acme-shop", "name": "acme.ru — интернет-магазин"}
    assert shown["client"]["id"] == "acme"
    assert shown["received_at"] == "2026-12-01T06:40:00+00:00"


def test_task_new_json_is_the_task(cli) -> None:
    cli("registry", "import", str(DEMO_REGISTRY))
    data = cli("task", "new", "--project", "acme-shop", "--subject", "x", "--json").json()
    assert data["key"].startswith("SUP-") and data["status"] == "pool"


def test_global_options_work_after_the_sub_command(cli, db_url: str) -> None:
    cli("registry", "import", str(DEMO_REGISTRY))
    result = cli("pool", "--json", "--db", db_url, "--now", "2026-11-30T12:00", now=None, db=None)
    assert result.exit_code == 0
    assert result.json()["now"] == "2026-11-30T12:00:00+03:00"


def test_dutydesk_now_env_freezes_the_clock(cli, db_url: str) -> None:
    result = cli("pool", "--json", now=None, env={"DUTYDESK_NOW": "2026-07-01T09:00:00+03:00"})
    assert result.json()["now"] == "2026-07-01T09:00:00+03:00"


def test_user_errors_are_one_line_and_exit_1(cli) -> None:
    cli("init")
    missing = cli("task", "show", "SUP-9")
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "dutydesk: no task 'SUP-9'"
    bad_now = cli("pool", now="yesterday-ish")
    assert bad_now.exit_code == 1 and "not a date-time" in bad_now.stderr
    assert "Traceback" not in bad_now.stderr


def test_usage_errors_exit_2(cli) -> None:
    assert cli("task", "new").exit_code == 2
    assert cli("pool", "--lang", "de").exit_code == 2


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ("timezone = \"Mars/Olympus\"\n", "key timezone: unknown time zone 'Mars/Olympus'"),
        ("[smtp]\nport = \"twenty-five\"\n", "key smtp.port: "),
        ("colour = 1\n", "key colour: unknown key"),
        ("timezone = \n", "not valid TOML"),
    ],
)
def test_a_broken_config_names_file_key_and_problem(cli, tmp_path: Path, toml: str, expected: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(toml, encoding="utf-8")
    result = cli("--config", str(config), "pool")
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and str(config) in line and expected in line


def test_a_named_config_must_exist(cli, tmp_path: Path) -> None:
    result = cli("--config", str(tmp_path / "nope.toml"), "pool")
    assert result.exit_code == 1 and "no such file" in result.stderr


def test_config_values_reach_the_desk(cli, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('timezone = "Asia/Yekaterinburg"\n', encoding="utf-8")
    result = cli("--config", str(config), "pool", "--json", now="2026-12-01T10:00")
    assert result.json()["now"] == "2026-12-01T10:00:00+05:00"


def test_registry_export_round_trips_through_the_cli(cli, tmp_path: Path) -> None:
    cli("registry", "import", str(DEMO_REGISTRY))
    out = tmp_path / "export.json"
    assert cli("registry", "export", "-o", str(out)).exit_code == 0
    again = cli("registry", "import", str(out), "--json").json()
    assert again == {"created": {}, "updated": {}}
    assert len(json.loads(out.read_text(encoding="utf-8"))["clients"]) == 12


def test_malformed_registry_leaves_the_database_untouched(cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    data = json.loads(DEMO_REGISTRY.read_text(encoding="utf-8"))
    data["clients"][3]["contracts"] = [{"number": "X", "kind": "hosting", "starts": "never"}]
    bad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = cli("registry", "import", str(bad))
    assert result.exit_code == 1 and "clients[3].contracts[0].starts" in result.stderr
    assert cli("registry", "export").json()["clients"] == []


HEADLESS = """
import sys
import dutydesk.cli, dutydesk.domain, dutydesk.services.desk, dutydesk.services.tasks, dutydesk.services.pool
import dutydesk.services.registry, dutydesk.store.models, dutydesk.config, dutydesk.clock
from dutydesk.cli import main
try:
    main(["--db", sys.argv[1], "--now", "2026-12-01T10:00", "pool", "--json"])
except SystemExit as exit:
    assert exit.code in (0, None), exit.code
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print("TEXTUAL:", loaded)
"""


def test_headless_commands_never_import_textual(tmp_path: Path) -> None:
    """harlequin's rule: the core and the CLI work without the UI toolkit loaded."""
    env = {**os.environ, "DUTYDESK_CONFIG": str(Path(__file__).resolve().parents[1] / "fixtures" / "empty-config.toml")}
    done = subprocess.run([sys.executable, "-c", HEADLESS, str(tmp_path / "h.sqlite")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "TEXTUAL: []" in done.stdout
