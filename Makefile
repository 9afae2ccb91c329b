# One entry point for people and CI. Every target installs what is missing first:
# a virtualenv in .venv/, node tools from package-lock.json, and the Lambda dependency layer.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

# The Lambda runtime the dependency layer is built for (keep in step with infrastructure/settings.py).
LAMBDA_PYTHON := 3.13
LAMBDA_PLATFORM := manylinux2014_aarch64
LAYER_DIR := build/layer

.PHONY: install demo test synth bench audit fuzz lint clean

$(VENV)/.installed: requirements.txt requirements-dev.txt lambdas/requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Pinned boto3/botocore/Powertools for the Lambda platform, without Docker: pip picks the wheels
# of the target platform. The CDK app packages this folder as a layer; synth itself needs no network.
$(LAYER_DIR)/.installed: lambdas/requirements.txt $(VENV)/.installed
	rm -rf $(LAYER_DIR)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile \
	  --target $(LAYER_DIR)/python --implementation cp --python-version $(LAMBDA_PYTHON) \
	  --platform $(LAMBDA_PLATFORM) --only-binary=:all: -r lambdas/requirements.txt
	find $(LAYER_DIR) -name '__pycache__' -prune -exec rm -rf {} +
	touch $@

install: $(VENV)/.installed node_modules/.installed $(LAYER_DIR)/.installed

synth: install
	npx --no-install cdk synth --quiet > /dev/null
	@echo "Synthesized into cdk.out/"

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test: lint
	$(PY) -m pytest

demo: synth
	$(PY) -m loadctl demo $(if $(SCENARIO),--scenario $(SCENARIO),)

bench: synth
	$(PY) -m bench

# The reliability suite with Hypothesis budgets x50 (long; not part of make test).
fuzz: install
	RELIABILITY_FUZZ=1 $(PY) -m pytest tests/reliability -q

# Needs PyPI's JSON API (vulnerability data); not reachable from an offline machine.
audit: install
	$(PY) -m pip install --quiet --disable-pip-version-check pip-audit==2.10.1
	$(PY) -m pip_audit --strict -r requirements.txt -r lambdas/requirements.txt -r requirements-dev.txt

clean:
	rm -rf $(VENV) node_modules build cdk.out .pytest_cache .mypy_cache .ruff_cache
