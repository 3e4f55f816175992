"""Where dutydesk keeps things on this machine (never inside the repository)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP = "dutydesk"


def data_dir() -> Path:
    return Path(os.environ.get("DUTYDESK_DATA_DIR") or platformdirs.user_data_dir(APP))


def cache_dir() -> Path:
    """Things that can be rebuilt at any time (the state calendar, by year)."""
    return Path(os.environ.get("DUTYDESK_CACHE_DIR") or platformdirs.user_cache_dir(APP))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP))


def default_db_path() -> Path:
    return data_dir() / "dutydesk.sqlite"


def demo_db_path() -> Path:
    return data_dir() / "demo.sqlite"


def default_config_path() -> Path:
    return config_dir() / "config.toml"


def repo_data_dir() -> Path:
    """The package's shipped data: demo registry, sample mail, templates."""
    installed = Path(__file__).resolve().parent / "data"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "data"


if __name__ == "__main__":  # used by the Makefile: `python -m dutydesk.paths demo-db`
    what = sys.argv[1] if len(sys.argv) > 1 else "data"
    print({"demo-db": demo_db_path, "db": default_db_path, "data": data_dir, "config": default_config_path}[what]())
