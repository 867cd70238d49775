# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench mutate clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,postgres]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/parcours demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

check: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

# make bench SCALE=small|medium|large (1,000, 10,000, 100,000 pilots; large on PostgreSQL).
SCALE ?= small
bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,postgres,bench]'
	$(BIN)/python -m benchmarks --scale $(SCALE)

# Mutation testing of the rule modules (issue 22); slow, so not part of `make test`. The
# result goes to tests/MUTATION.md, which says how long a full run takes. Sized for a 2-core
# machine shared with others: two workers (mutmut's default is one per core, and the clean
# and stats runs come on top), at low priority so that the others' work goes first.
# `make mutate MUTATE_JOBS=1` leaves a core free.
MUTATE_JOBS ?= 2
mutate: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,postgres,mutate]'
	rm -rf mutants
	nice -n 15 $(BIN)/mutmut run --max-children $(MUTATE_JOBS)
	$(BIN)/python -m tests.mutation.report

clean:
	rm -rf $(VENV) mutants parcours-demo.db parcours-report.html parcours-cohorte.xlsx .pytest_cache .mypy_cache .hypothesis
