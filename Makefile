# entra.crosscloud: the two commands of the README, and the stages behind them.
#   make demo   start the emulator with the demo tenants, run the main job against it, stop it
#   make test   every test: sanity, units, emulator, client, integration, lint, build
# The repository root is the collection; ansible-test and ansible-playbook need it under
# .../ansible_collections/entra/crosscloud, so stages run in a copy made by `make tree`.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV ?= .venv
BUILD := .build
COLL := $(BUILD)/ansible_collections/entra/crosscloud
BIN := $(abspath $(VENV))/bin
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider

export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(abspath $(BUILD))
export ANSIBLE_NOCOLOR := 1
export NO_COLOR := 1
export PY_COLORS := 0
export ANSIBLE_LOCALHOST_WARNING := 0

.PHONY: venv tree sanity units emulator-tests integration lint build newest test demo benchmarks clean

venv: $(VENV)/.stamp
$(VENV)/.stamp: requirements-dev.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt 2>&1 | grep -v "is ignored: it is neither" || true
	$(BIN)/python -c "import ansible, msal, requests, pytest, yaml"
	touch $@

tree: venv
	rm -rf $(COLL) && mkdir -p $(COLL)
	tar -C . --exclude=./.git --exclude=./.venv --exclude=./.venv-newest --exclude=./.build --exclude=./tests/output \
	    --exclude=./.pytest_cache --exclude=__pycache__ --exclude=./.ansible -cf - . | tar -C $(COLL) -xf -
	# ansible-test lists files with git; inside this (ignored) folder it would see none
	cd $(COLL) && git init -q . && git add -A

sanity: tree
	bash .ci/ansible-test-offline $(BIN)/python
	cd $(COLL) && $(BIN)/ansible-test sanity --python 3.11 --local --color no
	cd $(COLL) && bash $(abspath .ci/compile-other-pythons)

units: tree
	cd $(COLL) && PYTHONPATH=$(abspath $(BUILD)) $(PYTEST) tests/unit

emulator-tests: tree
	cd $(COLL) && PYTHONPATH=$(abspath $(BUILD)):. $(PYTEST) tests/emulator tests/client

integration: tree
	cd $(COLL) && PYTHONPATH=$(abspath $(BUILD)):. $(PYTEST) -n 2 tests/integration

lint: tree
	cd $(COLL) && $(BIN)/ansible-lint --offline --nocolor

build: tree
	rm -rf $(BUILD)/dist $(BUILD)/installed
	cd $(COLL) && $(BIN)/ansible-galaxy collection build --force --output-path $(abspath $(BUILD))/dist
	! tar -tzf $(BUILD)/dist/entra-crosscloud-*.tar.gz | grep -E '^(emulator|benchmarks|\.ci)/'
	$(BIN)/ansible-galaxy collection install --offline --force -p $(BUILD)/installed $(BUILD)/dist/entra-crosscloud-*.tar.gz
	ANSIBLE_COLLECTIONS_PATH=$(abspath $(BUILD))/installed $(BIN)/ansible-doc -l entra.crosscloud | grep -q tenant_info

# second leg: the newest ansible-core on Python 3.12 (sanity + every pytest suite)
newest: tree
	bash .ci/newest .venv-newest $(COLL)

test: venv
	@bash .ci/stages tree sanity units emulator-tests integration lint build newest

demo: tree
	bash .ci/demo $(BIN) $(COLL)

benchmarks: tree
	cd $(COLL) && $(BIN)/python benchmarks/token_requests.py
	cd $(COLL) && $(BIN)/python benchmarks/token_requests.py --latency-ms 100

clean:
	rm -rf $(BUILD) $(VENV) .venv-newest
