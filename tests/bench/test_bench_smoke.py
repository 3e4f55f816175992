"""The benchmark at 1k tasks: the generated data is right and every figure is produced (not its speed)."""

from __future__ import annotations

import math
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.__main__ import GOALS, run
from bench.generate import NOW, generate


def test_generated_desk_is_realistic(tmp_path: Path) -> None:
    db = tmp_path / "g.sqlite"
    info = generate(str(db), tasks=1000, clients=100)
    engine = create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        statuses = dict(conn.execute(text("select status, count(*) from task group by status")).all())
        priorities = {p for (p,) in conn.execute(text("select distinct priority_order from task"))}
        duty = conn.execute(text("select count(*) from staff where id like 'duty-%'")).scalar()
        trail = conn.execute(text("select count(*) from audit_event")).scalar()
        orphans = conn.execute(text("select count(*) from audit_event a left join task t on t.id = a.task_id "
                                    "where t.key is null or t.key != a.entity_id")).scalar()
        future = conn.execute(text("select count(*) from audit_event where at > :now"),
                              {"now": NOW.replace(tzinfo=None).isoformat(" ", "microseconds")}).scalar()
        backwards = conn.execute(text("select count(*) from task where reacted_at < received_at "
                                      "or taken_at < reacted_at or done_at < taken_at")).scalar()
    open_tasks = sum(v for k, v in statuses.items() if k in ("pool", "in_progress", "waiting_client", "needs_agreement"))
    assert info["tasks"] == 1000 and 100 <= open_tasks <= 200
    assert {"pool", "in_progress", "waiting_client", "needs_agreement", "done", "handed_off"} <= set(statuses)
    assert priorities == {0, 1, 2, 3, 4, 5} and duty == 16
    assert trail >= 4000 and orphans == 0
    assert future == 0 and backwards == 0  # the desk stands at NOW: nothing has happened after it


def test_every_figure_is_produced(tmp_path: Path, monkeypatch) -> None:
    import bench.__main__ as runner

    monkeypatch.setattr(runner, "CACHE", tmp_path / "cache")
    result = run(tasks=1000, clients=100, repeat=2, app_runs=1, mails=200)
    figures = result["figures"]
    assert set(figures) == set(GOALS)
    for name, entry in figures.items():
        assert {"median", "min", "max", "unit", "goal", "baseline", "ratio"} <= set(entry), name
        assert not math.isnan(entry["median"]) and entry["median"] > 0, name
    assert figures["pool_window_ratio"]["baseline"] > 0 and figures["export_csv_ratio"]["baseline"] > 0
    assert result["machine"]["cpus"] >= 1 and result["tasks"] == 1000


def test_a_missed_figure_can_be_profiled(tmp_path: Path, monkeypatch) -> None:
    """``python -m bench.profile FIGURE`` shows where the figure's time goes (issue 7: profile what misses)."""
    import bench.__main__ as runner
    from bench.profile import main as profile

    monkeypatch.setattr(runner, "CACHE", tmp_path / "cache")
    small = ["--tasks", "1000", "--clients", "100", "--repeat", "2"]
    assert "pool_window" in profile(["window", *small])
    assert "export_snapshot" in profile(["export", *small])
    startup = profile(["startup", *small])
    assert "textual" in startup and "dutydesk" in startup  # the imports are inside the profile
