# Two commands on a fresh machine: `make serve` runs TutorAssist (the API on 127.0.0.1:8000), `make test` runs the whole test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: serve test install clean

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "TutorAssist needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/.installed

serve: install
	$(BIN)/tutorassist serve --demo

test: install
	$(BIN)/pytest -q -n auto --dist loadfile

clean:
	rm -rf $(VENV) .pytest_cache
