# dutydesk — `make run` opens the desk on a demo database, `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test bench demo clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(VENV)/bin/dutydesk --db "$$($(PY) -m dutydesk.paths demo-db)" demo --if-empty
	$(VENV)/bin/dutydesk --db "$$($(PY) -m dutydesk.paths demo-db)" --as duty-lead

test: $(STAMP)
	command -v dovecot >/dev/null || test -x /usr/sbin/dovecot || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd)  # the IMAP tests run a real Dovecot
	$(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	command -v sqlite3 >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3)
	$(PY) -m bench

clean:
	rm -rf $(VENV)
