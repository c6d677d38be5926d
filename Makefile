# The README's two commands: `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(STAMP)
	$(BIN)/robojac warmup  # compiles the numba kernels up front (about 18 s, once), not silently mid-tour
	$(BIN)/robojac demo

lint: $(STAMP)
	$(BIN)/ruff check robojac tests examples benchmarks urdf docs/check_api.py
	$(BIN)/ruff format --check robojac tests examples benchmarks urdf docs/check_api.py
	$(BIN)/mypy robojac

# The documentation site in site/ (open site/index.html): first every public name of
# robojac must have a docstring and an entry in docs/api/, then MkDocs builds with
# --strict, so a broken link or reference fails the build.
docs: $(STAMP)
	$(BIN)/python docs/check_api.py robojac docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

test: lint docs
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	for b in benchmarks/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist site .pytest_cache .mypy_cache .ruff_cache
