# Everyday targets. `make help` lists them.
SHELL := /bin/bash
UV := python3 -m uv
PYTEST := .venv/bin/pytest

.PHONY: help install run stop status test test-unit test-integration test-e2e test-fuzz test-browser lint fmt typecheck \
        contracts infra-up infra-down dev-token clean

help: ## this list
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

install: ## install every package into .venv, pinned by uv.lock
	@bash deploy/local/install.sh

run: ## Kafka + the four services (API and worker each) on the embedded SQLite defaults
	@bash deploy/local/run.sh start

stop: ## stop the services started by `make run` (Kafka: make infra-down)
	@bash deploy/local/run.sh stop

status: ## which service processes run
	@bash deploy/local/run.sh status

test: install ## the whole suite: unit, integration (real Kafka + PostgreSQL), e2e and the API fuzzer
	$(PYTEST)

test-unit: install ## unit layer only: under a minute, no network
	$(PYTEST) -m "unit and not integration"

test-integration: install ## integration layer on the real broker and database
	$(PYTEST) -m integration

test-e2e: install ## the platform as processes, end to end
	$(PYTEST) -m e2e

test-fuzz: install ## schemathesis against each service's OpenAPI, several roles (in-process, ~2 min)
	$(PYTEST) -m fuzz

test-browser: install ## the reporting dashboard in headless Chromium (apt-get install chromium chromium-driver)
	$(PYTEST) -m browser

lint: install ## ruff (lint and format check), shellcheck when present
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	@if command -v shellcheck >/dev/null; then shellcheck deploy/local/*.sh .ci/run; fi
	@if command -v promtool >/dev/null; then \
	  cd deploy/prometheus && promtool check config --syntax-only prometheus.yml >/dev/null && \
	  promtool test rules alerts.test.yml >/dev/null && echo "promtool: config and rules OK"; fi

fmt: install ## format and fix what ruff can
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

typecheck: install ## mypy, strict
	.venv/bin/mypy .

contracts: install ## regenerate JSON Schemas, examples and the AsyncAPI document from the models
	.venv/bin/python -m shouhu_contracts.codegen

infra-up: ## start Kafka and PostgreSQL (deploy/local)
	@bash deploy/local/infra.sh up

infra-down: ## stop Kafka and PostgreSQL
	@bash deploy/local/infra.sh down

dev-token: install ## print a development token (admin; or ROLE=helper ORG=<unit id> SUBJECT=<account>)
	@SHOUHU_ENV=$${SHOUHU_ENV:-dev} .venv/bin/shouhu-registry dev-token --role $${ROLE:-admin} \
		$${ORG:+--org $$ORG} --subject $${SUBJECT:-dev}

clean: stop ## remove local run state (keeps Kafka jars)
	rm -rf .local/run
