# tokenvend — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# sam build needs python3.13 (the Lambda runtime) on PATH; pyenv machines provide it so.
export PYENV_VERSION ?= 3.11.7:3.12.1:3.13.0

.PHONY: install run test test-fast lint build bench clean

$(STAMP): pyproject.toml layers/tokenvend/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

## run: the token service on the local stack (moto + an API front serving template.yaml's routes), with examples/api1 on the next port
run: install
	$(BIN)/tokenvend dev --config examples/quickstart.yaml --api examples/api1/template.yaml

## test: every test, including the template checks (cfn-lint, sam validate --lint, sam build)
test: install
	$(BIN)/pytest

## test-fast: the edit-test loop, 13.5-15.5 s on a 2-core machine (45-51 s in one process before): everything
## but the slow tests (servers, worker processes, sam and cfn-lint, real timeouts, soaks), property
## tests with a tenth of their examples, spread over every core by pytest-xdist, whole files to a
## worker (split test by test, both workers paid each file's one-off work). Bytecode caches stay
## on even where PYTHONDONTWRITEBYTECODE is set: without them each worker compiles and
## assertion-rewrites every module again, every run (2 s here).
test-fast: install
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -m "not slow" --hypothesis-profile=fast -n auto --dist loadfile

## bench: every benchmark, each beside its baseline from the same run (not part of `make test`; ~2 min)
bench: install
	cd benchmarks/peer && npm ci --no-audit --no-fund --silent
	cd benchmarks && ../$(BIN)/python bench.py

lint: install
	$(BIN)/cfn-lint template.yaml
	$(BIN)/sam validate --lint

build: install
	$(BIN)/sam build

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache .hypothesis .local
