# The two commands of the README: `make demo` runs the gateway, `make test` runs the tests.
# Both create the project's virtual environment on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Tools that must not share the project's environment (their pins differ): the OpenAPI client
# generator that tests/gateway/test_clients.py runs as a partner would.
TOOLS := .venv-tools
TOOLS_STAMP := $(TOOLS)/.installed
OPENAPI_PYTHON_CLIENT := openapi-python-client==0.29.1

.PHONY: install demo test soak lint bench clean screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(TOOLS_STAMP):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet $(OPENAPI_PYTHON_CLIENT)
	touch $(TOOLS_STAMP)

install: $(STAMP) $(TOOLS_STAMP)

demo: $(STAMP)
	$(BIN)/creditgate demo

test: $(STAMP) $(TOOLS_STAMP)
	scripts/services up
	scripts/browser
	scripts/ckan up >/dev/null
	$(BIN)/ruff check .
	$(BIN)/pytest -q

# The fuzz, fault and kill -9 suites with far larger bounds (random examples, minutes each).
soak: $(STAMP)
	scripts/services up
	scripts/ckan up >/dev/null
	CREDITGATE_SOAK=1 CREDITGATE_SOAK_EXAMPLES=$${CREDITGATE_SOAK_EXAMPLES:-300} \
		$(BIN)/pytest -q -m soak

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

screenshots: $(STAMP)
	scripts/browser
	CREDITGATE_SCREENSHOTS=1 $(BIN)/pytest -q tests/web

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache
