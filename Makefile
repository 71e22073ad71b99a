# Everything installs itself: a fresh machine needs only Python 3.11 and Node 20.
SHELL  := /bin/bash
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NATIVE := $(VENV)/.native-stamp
ENV    ?= dev

.PHONY: install demo serve test test-fast synth deploy bench bench-intake clean schemas openapi console screenshots chromium deploy-console bench-console
CONSOLE := console/web
CONSOLE_DIST := $(CONSOLE)/dist/index.html

# A line per step with the time so far; pip's own "Collecting"/"Installing" lines show the long step moving.
$(STAMP): pyproject.toml
	@start=$$SECONDS; step() { printf '[%3ds] %s\n' $$((SECONDS - start)) "$$1"; }; \
	step "creating the virtual environment in $(VENV)"; $(PYTHON) -m venv $(VENV) || exit 1; \
	step "installing oms with its local runtime, CDK and test dependencies (1-4 minutes on a fresh machine)"; \
	$(PY) -m pip install --disable-pip-version-check --progress-bar off -e '.[dev]' 2>&1 \
	  | while IFS= read -r line; do case "$$line" in Collecting*|Installing*|Successfully*|ERROR*|error*) step "  $${line:0:110}";; esac; done; \
	status=$${PIPESTATUS[0]}; [ $$status -eq 0 ] || { step "pip failed ($$status)"; exit $$status; }; \
	step "installed: the oms command is $(VENV)/bin/oms"
	@touch $@

node_modules/.package-lock.json: package.json
	npm install --no-audit --no-fund --loglevel=error

# The compiled modules (local/native_build.NATIVE, mypyc: decisions 237, 238), rebuilt when a source changes. A failed build
# leaves pure Python running with a one-line warning (local/native_build.py); install goes on.
$(NATIVE): $(STAMP) shared/routing/optimiser.py shared/routing/planner.py shared/routing/memo.py shared/routing/demand.py simulation/routers.py simulation/stock.py local/native_build.py
	@$(PY) -m local.native_build
	@touch $@

install: $(STAMP) $(NATIVE)

## The operations console's front end: npm ci + vite build into console/web/dist (served at / by the local runtime).
$(CONSOLE)/node_modules/.package-lock.json: $(CONSOLE)/package.json $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && npm ci --no-audit --no-fund --loglevel=error

$(CONSOLE_DIST): $(CONSOLE)/node_modules/.package-lock.json $(CONSOLE)/index.html $(CONSOLE)/vite.config.js $(wildcard $(CONSOLE)/src/*.js $(CONSOLE)/src/*.css $(CONSOLE)/src/pages/*.js)
	cd $(CONSOLE) && npx vite build --logLevel warn

console: $(CONSOLE_DIST)

## Debian's chromium (and a CJK font) for the browser tests; never a browser download.
chromium:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)
	@fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk" || apt-get install -y fonts-wqy-microhei

## Run the whole system on the embedded local runtime and push the sample orders through it.
demo: $(STAMP) $(NATIVE) $(CONSOLE_DIST)
	$(PY) -m local.demo $(ARGS)

## Keep the local runtime running (HTTP API on 127.0.0.1:8080) after the demo; ARGS=--empty starts it with seeds only.
serve: $(STAMP) $(NATIVE) $(CONSOLE_DIST)
	$(VENV)/bin/oms serve $(ARGS)

## The whole suite: unit, integration (moto), infra (synthesized template, cdk-nag), e2e (local runtime), browser (chromium).
test: $(STAMP) $(NATIVE) $(CONSOLE_DIST) chromium
	$(PY) -m pytest

## Screenshots of each console page in docs/console/ (local runtime, chromium).
screenshots: $(STAMP) $(CONSOLE_DIST) chromium
	$(PY) -m local.screenshots

## Upload the built console to the deployed stack's bucket with its sign-in settings (after make deploy).
deploy-console: $(CONSOLE_DIST)
	$(PY) -m local.deploy_console --env $(ENV)

## The console overview's load time with 100,000 orders' aggregates stored.
bench-console: $(STAMP)
	$(PY) -m benchmarks.console_overview

## Synthesize the CloudFormation template for one environment with the CDK CLI.
synth: $(STAMP) node_modules/.package-lock.json
	npx cdk synth -c env=$(ENV) --quiet

deploy: $(STAMP) node_modules/.package-lock.json
	npx cdk deploy -c env=$(ENV)

bench: $(STAMP) $(NATIVE)
	$(PY) -m benchmarks.workflow_throughput

clean:
	rm -rf $(VENV) node_modules cdk.out .build shared/routing/*.so *__mypyc.*.so .pytest_cache $(CONSOLE)/node_modules $(CONSOLE)/dist

## Regenerate events/schemas/*.json from shared/events.py.
schemas: $(STAMP)
	$(PY) -m local.schemas

## Regenerate docs/openapi/*.json from the HTTP handlers' routes and models.
openapi: $(STAMP)
	$(PY) -m local.openapi

## Intake handler throughput in process (store in memory and on moto) and the share of validation.
bench-intake: $(STAMP)
	$(PY) -m benchmarks.intake_throughput
