# Salesloop — the two commands are `make run` and `make test`; the rest help.
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
SERVICES := leads deals orders service-desk kpi
CONSOLE := services/console
PACKAGES := -e shared[test] $(foreach s,$(SERVICES),-e services/$(s)) -e $(CONSOLE)
STAMP   := $(VENV)/.installed
# The console's charts (ECharts), bundled by esbuild from the npm registry's pinned lock file.
CONSOLE_ASSETS := $(CONSOLE)/console/static/charts.js

.PHONY: soak install browser run run-traced traces traces-install db test test-postgres test-fast lint bench demo token asyncapi broker-definitions clean

install: $(CONSOLE_ASSETS) $(STAMP)

# Rebuilt when the lock file or the chart code changes; node_modules comes from `npm ci` alone.
$(CONSOLE_ASSETS): $(CONSOLE)/package.json $(CONSOLE)/package-lock.json $(wildcard $(CONSOLE)/console/frontend/*.js)
	cd $(CONSOLE) && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

$(STAMP): shared/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml) $(CONSOLE)/pyproject.toml requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(PACKAGES) -r requirements-dev.txt
	touch $(STAMP)

run: install  ## the whole stack on SQLite files and the filesystem bus (or DATABASE_URLs + BUS_URL): make run [BASE_PORT=9000] [ONLY="leads deals"]
	$(PY) -m salesloop.stack $(if $(BASE_PORT),--base-port $(BASE_PORT)) $(if $(ONLY),--only $(ONLY))

db: install  ## create each service's PostgreSQL database when missing, then migrate it
	@for s in $(SERVICES); do $(VENV)/bin/salesloop-$$s migrate --create-database || exit 1; done

browser:  ## Debian's headless Chromium, its driver and a CJK font (the screenshots' Chinese), installed when missing
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && dpkg -s fonts-noto-cjk >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk)

test: install browser traces-install  ## lint, then every test: unit, service, contract, integration, end-to-end, browser, trace viewer, deploy checks
	$(MAKE) --no-print-directory lint
	$(PY) -m pytest
	$(MAKE) --no-print-directory test-postgres

test-postgres: install  ## every service's API and handler tests again, each on its own PostgreSQL schema
	$(PY) -m pytest -q -n 4 services --harness-database postgresql -m "not integration"

lint: install  ## ruff on everything, mypy strict on shared/ and every domain/
	$(VENV)/bin/ruff check .
	$(PY) tests/lint/typecheck.py

soak: install  ## the fault suite at length: 10,000 events under more broker cuts, kills and database cuts (make soak [EVENTS=n])
	CI=true FAULT_EVENTS=$(or $(EVENTS),10000) FAULT_BROKER_CUTS=6 FAULT_WORKER_KILLS=15 FAULT_RELAY_KILLS=3 \
		FAULT_DB_CUTS=3 FAULT_DRAIN_SECONDS=3600 $(PY) -m pytest -q -s -p no:cacheprovider --timeout 7200 \
		--basetemp var/soak tests/fault

test-fast: install
	$(PY) -m pytest -m "not integration and not e2e"

bench: install  ## every benchmark against its baseline: make bench [NAME=relay] [QUICK=1]; figures in var/bench/results.json
	$(PY) bench/run.py $(NAME) $(if $(QUICK),--quick)

demo: install  ## load a demo company into the running stack: make demo [ARGS="--leads 100 --seed 42"]
	$(PY) examples/demo.py $(ARGS)

token: install  ## make token ROLE=manager [USER=u-1 TEAM=team-1 REGION=east AUDIENCE=orders]
	@$(VENV)/bin/salesloop-leads token --role $(or $(ROLE),rep) --user $(or $(USER_ID),dev-user) \
		$(if $(TEAM),--team $(TEAM)) $(if $(REGION),--region $(REGION)) $(if $(AUDIENCE),--audience $(AUDIENCE))

TRACES_VENV ?= var/traces-venv
PHOENIX     ?= arize-phoenix==20.26.1

traces-install:  ## the trace viewer's own virtualenv (Arize Phoenix from PyPI; kept apart from the services' pins)
	@test -x $(TRACES_VENV)/bin/phoenix || ($(PYTHON) -m venv $(TRACES_VENV) && \
		$(TRACES_VENV)/bin/pip install -q --upgrade pip && $(TRACES_VENV)/bin/pip install -q "$(PHOENIX)")

traces: traces-install  ## a trace viewer on this machine: http://127.0.0.1:6006; then in another shell `make run-traced`
	PHOENIX_HOST=127.0.0.1 PHOENIX_PORT=6006 PHOENIX_GRPC_PORT=4317 PHOENIX_WORKING_DIR=var/traces \
		$(TRACES_VENV)/bin/phoenix serve

run-traced:  ## make run, exporting every span to `make traces` (OTEL_* variables only)
	OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:6006 OTEL_TRACES_EXPORTER=otlp $(MAKE) run

broker-definitions: install  ## RabbitMQ users and topic permissions per service, from the event catalogs: var/broker/definitions.json
	@mkdir -p var/broker
	$(PY) tests/contract/broker_definitions.py $(if $(NAMESPACE),--namespace $(NAMESPACE)) > var/broker/definitions.json.tmp && \
		mv var/broker/definitions.json.tmp var/broker/definitions.json && echo "wrote var/broker/definitions.json"

asyncapi: install  ## regenerate docs/asyncapi.yaml and its rendered page docs/events.html from the event catalogs
	$(PY) tests/contract/asyncapi.py --write

clean:
	rm -rf var .pytest_cache
