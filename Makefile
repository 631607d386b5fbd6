# One entry point for people and CI alike.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A pure-Python install (no mypyc extension) when NEWSALERT_PURE_PYTHON is set to anything but 0; one stamp
# per kind, so switching kinds reinstalls.
PURE := $(filter-out 0,$(NEWSALERT_PURE_PYTHON))
STAMP := $(VENV)/.installed-$(if $(PURE),pure,compiled)
# The modules mypyc compiles (pyproject.toml [tool.newsalert] compiled): editing one reinstalls, which recompiles it.
COMPILED := $(shell $(PYTHON) -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['tool']['newsalert']['compiled'])")

.PHONY: install run test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml setup.py $(if $(PURE),,$(COMPILED)) | $(BIN)/python
	rm -f $(VENV)/.installed*
	$(BIN)/pip install --quiet -e '.[dev]'
	@$(BIN)/python -c "import services.classify.tagger as m; print('newsalert: the tagger runs', \
		'compiled (mypyc)' if m.__file__.endswith('.so') else 'as pure Python', 'from', m.__file__)"
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/newsalert up

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

test: install lint typecheck
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
	rm -f *.so
	find services shared -name '*.so' -delete
