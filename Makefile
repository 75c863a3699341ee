# wspolpraca: `make run` runs the whole system locally, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SECANTUS := .secantus
SERVICES := $(wildcard services/*)

.PHONY: audit install rabbitmq promtool nginx chromium browser run clean-run status stop demo test lint unit integration faults fuzz bench bench-throughput bench-notifications rebuild token clean

install: $(VENV)/.installed $(SECANTUS)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt shared/pyproject.toml $(wildcard services/*/pyproject.toml)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade "pip<26"
	$(BIN)/pip install -q -r requirements-dev.txt -e shared $(addprefix -e ,$(SERVICES))
	touch $@

# SecantusDB (GPL) lives in its own environment and only ever runs as a server process.
$(SECANTUS)/.installed:
	test -x $(SECANTUS)/bin/python || $(PYTHON) -m venv $(SECANTUS)
	$(SECANTUS)/bin/pip install -q "SecantusDB==0.7.0b3"
	touch $@

rabbitmq:
	infra/scripts/ensure-rabbitmq.sh

promtool:
	infra/scripts/ensure-promtool.sh

# nginx checks and runs the reverse proxy's configuration in the tests (infra/proxy/nginx.conf)
nginx:
	infra/scripts/ensure-nginx.sh

# Debian's Chromium and fonts for the portal's browser tests (tests/browser)
chromium:
	infra/scripts/ensure-chromium.sh

run: install rabbitmq
	$(BIN)/python -m wspolpraca.local run

# a new city: .data/ moved aside and the platform's queues emptied on the LOCAL broker only
clean-run: install rabbitmq
	$(BIN)/python -m wspolpraca.local run --clean

status:
	$(BIN)/python -m wspolpraca.local status

stop:
	$(BIN)/python -m wspolpraca.local stop

# a demo city year through the public APIs of a running system (`make run`); safe to run twice.
# TIME_TRAVEL=1 also runs the steps that wait for a deadline (see scripts/demo.py)
demo: install
	$(BIN)/python scripts/demo.py

lint: install
	$(BIN)/ruff check .

test: install rabbitmq promtool nginx chromium lint
	$(BIN)/pytest
	$(BROWSER_TESTS)

# The portal in a real Chromium (6–12 minutes on a busy machine: the whole city as processes, the demo data,
# every page): a pytest project of its own (tests/browser/pytest.ini), so that the repository's
# conftest.py, which monkey-patches with eventlet, is never loaded in Playwright's process.
BROWSER_TESTS = $(BIN)/pytest -c tests/browser/pytest.ini tests/browser
browser: install rabbitmq chromium
	$(BROWSER_TESTS)

unit: install
	$(BIN)/pytest tests/unit

integration: install rabbitmq
	$(BIN)/pytest tests/integration tests/contract

# Fault injection (tests/faults, about 3 minutes): services SIGKILLed, RabbitMQ and the
# database restarted under a stream of commands; prints the figures. A RabbitMQ node of its own.
faults: install rabbitmq
	WSPOLPRACA_FAULTS=1 $(BIN)/pytest tests/faults -s

# Fuzzing (tests/fuzz and the Hypothesis properties): `make test` runs them with a few
# examples per operation; this runs FUZZ_EXAMPLES (default 100) of each, about 6 minutes.
FUZZ_EXAMPLES ?= 100
fuzz: install rabbitmq
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/fuzz tests/unit/properties \
		--hypothesis-profile=fuzz

# the benchmark suite (bench/README.md): every benchmark in its own process, one table of
# ratios and verdicts; BENCH_ARGS="--quick" for small sizes, "--only relay search" for some
bench: install rabbitmq
	$(BIN)/python bench/suite.py $(BENCH_ARGS)

# the durable-path benchmark alone; BENCH_ARGS="--events 2000"
bench-throughput: install rabbitmq
	$(BIN)/python bench/throughput.py $(BENCH_ARGS)

# a competition year of the grants service (bench/README.md); BENCH_ARGS="--offers 1200"
bench-grants: install rabbitmq
	$(BIN)/python bench/grants_year.py $(BENCH_ARGS)

# the notifications fan-out and a slow receiver's effect (bench/README.md);
# BENCH_ARGS="--events 50 --subscriptions 50"
bench-notifications: install rabbitmq
	$(BIN)/python bench/notifications_fanout.py $(BENCH_ARGS)

# Rebuild the reporting projections from its event log (the local run's embedded database
# unless MONGO_URI or MONGO_URI_REPORTING is set).
rebuild: install
	MONGO_URI=$${MONGO_URI:-mongodb://127.0.0.1:$${WSPOLPRACA_EMBEDDED_MONGO_PORT:-27027}/?directConnection=true} \
		$(BIN)/wspolpraca-admin rebuild

# make token ROLE=officer [SUB=<user id>] [ORG=<id>] [DEPT=<code>]
ROLE ?= officer
token: install
	@$(BIN)/wspolpraca-admin token --role $(ROLE) $(if $(SUB),--sub $(SUB)) $(if $(ORG),--org-id $(ORG)) $(if $(DEPT),--department $(DEPT))

# Known vulnerabilities in the installed dependencies (pip-audit in its own environment
# .audit/). --strict: a package it could not check fails the target, so an unreachable
# vulnerability source never passes as "no known vulnerabilities" (docs/operations.md).
# AUDIT_ARGS="-s osv" asks OSV instead of PyPI's JSON API.
AUDIT := .audit
audit: install
	test -x $(AUDIT)/bin/pip-audit || ($(PYTHON) -m venv $(AUDIT) && $(AUDIT)/bin/pip install -q "pip-audit>=2.10,<3")
	$(AUDIT)/bin/pip-audit --path $$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') \
		--skip-editable --strict --progress-spinner off $(AUDIT_ARGS)

clean:
	rm -rf $(VENV) $(SECANTUS) $(AUDIT) .pytest_cache .ruff_cache
