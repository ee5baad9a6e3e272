# Two commands on a fresh machine: `make serve` runs TutorAssist (the API on 127.0.0.1:8000), `make test` runs the whole test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

CHROMIUM ?= /usr/bin/chromium

.PHONY: serve test install browser clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "TutorAssist needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/.installed

# The browser tests drive Debian's Chromium (Playwright cannot download its own browser on these machines).
browser:
	@test -x $(CHROMIUM) || { echo "installing Debian's chromium for the browser tests"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get install -y -q chromium >/dev/null || { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q chromium >/dev/null; }; }
	@test -x $(CHROMIUM) || { echo "chromium is missing at $(CHROMIUM): the browser tests cannot run"; exit 1; }

serve: install
	$(BIN)/tutorassist serve --demo

test: install browser
	TUTORASSIST_CHROMIUM=$(CHROMIUM) $(BIN)/pytest -q -n auto --dist loadfile

clean:
	rm -rf $(VENV) .pytest_cache
