# dutydesk — `make run` opens the desk on a demo database, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
# Bytecode on disk: where PYTHONDONTWRITEBYTECODE is set (this machine kind sets it) every start
# would compile the desk's own modules from source again, 0.4 s of a 1.4 s start. Up-to-date files are skipped.
BYTECODE := $(PY) -m compileall -q -j 0 dutydesk bench >/dev/null

.PHONY: run test bench demo clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(BYTECODE)
	$(VENV)/bin/dutydesk --db "$$($(PY) -m dutydesk.paths demo-db)" demo --if-empty
	$(VENV)/bin/dutydesk --db "$$($(PY) -m dutydesk.paths demo-db)" --as duty-lead

test: $(STAMP)
	command -v dovecot >/dev/null || test -x /usr/sbin/dovecot || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd)  # the IMAP tests run a real Dovecot
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BYTECODE)
	command -v sqlite3 >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3)
	$(PY) -m bench

clean:
	rm -rf $(VENV)
