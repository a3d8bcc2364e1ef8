# Salesloop — the two commands are `make run` and `make test`; the rest help.
PYTHON  ?= python3
VENV    ?= .venv
PY      := $(VENV)/bin/python
SERVICES := leads deals orders service-desk kpi
PACKAGES := -e shared[test] $(foreach s,$(SERVICES),-e services/$(s))
STAMP   := $(VENV)/.installed

.PHONY: install run test test-fast bench demo token asyncapi clean

install: $(STAMP)

$(STAMP): shared/pyproject.toml $(foreach s,$(SERVICES),services/$(s)/pyproject.toml) requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q $(PACKAGES) -r requirements-dev.txt
	touch $(STAMP)

run: install  ## the whole stack on SQLite files and the filesystem bus (or DATABASE_URLs + BUS_URL)
	$(PY) -m salesloop.stack

test: install  ## every test: unit, service, contract, integration, end-to-end, deploy checks
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not integration and not e2e"

bench: install
	$(PY) bench/run.py

demo: install  ## load a demo company into the running stack: make demo [ARGS="--leads 100 --seed 42"]
	$(PY) examples/demo.py $(ARGS)

token: install  ## make token ROLE=manager [USER=u-1 TEAM=team-1 REGION=east]
	@$(VENV)/bin/salesloop-leads token --role $(or $(ROLE),rep) --user $(or $(USER_ID),dev-user) \
		$(if $(TEAM),--team $(TEAM)) $(if $(REGION),--region $(REGION))

asyncapi: install  ## regenerate docs/asyncapi.yaml from the event catalogs
	$(PY) tests/contract/asyncapi.py --write

clean:
	rm -rf var .pytest_cache
