# entra.crosscloud: the two commands of the README, and the stages behind them.
#   make demo   start the emulator with the demo tenants, run the main job against it, stop it
#   make test   every stage below, each run even when an earlier one failed (what .ci/run calls)
# The repository root is the collection. ansible-test, ansible-doc and ansible-playbook need it under
# .../ansible_collections/entra/crosscloud, and ansible-test refuses symlinks, so every stage runs in a
# copy made by `make tree` in .build/ (ANSIBLE_COLLECTIONS_PATH=.build, PYTHONPATH=.build).

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
.DEFAULT_GOAL := help
PYTHON ?= python3.11
VENV ?= .venv
BUILD := .build
COLL := $(BUILD)/ansible_collections/entra/crosscloud
BIN := $(abspath $(VENV))/bin
PYTEST := $(BIN)/python -m pytest -q -p no:cacheprovider
# the copy leaves out what is not the collection's source (and ansible-test would trip over)
TREE_EXCLUDES := .git .venv .venv-matrix .build .ci-work .ansible .pytest_cache tests/output
# the main job: pair the demo tenants across clouds, verify, invite guests
DEMO_PLAYBOOK ?= playbooks/pair_tenants.yml

export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(abspath $(BUILD))
export ANSIBLE_NOCOLOR := 1
export NO_COLOR := 1
export PY_COLORS := 0
export ANSIBLE_LOCALHOST_WARNING := 0

.PHONY: help venv tree sanity units emulator-tests modules integration chaos lint docs-lint build matrix test demo benchmarks clean

help:
	@echo "make demo            venv, emulator with the demo tenants, $(DEMO_PLAYBOOK) against it"
	@echo "make test            all stages on the first line of .ci/matrix.txt: tree sanity units emulator-tests modules"
	@echo "                     integration chaos lint docs-lint build"
	@echo "make matrix          the whole suite on every other ansible-core/Python of .ci/matrix.txt (.ci/run runs it)"
	@echo "make venv | tree | sanity | units | emulator-tests | modules | integration | chaos | lint | docs-lint | build"
	@echo "     | matrix | benchmarks | clean"

# Re-made only when its requirements change: the stamp holds the hash of the file and CORE.
# A matrix leg (.ci/matrix) makes its own: VENV=.venv-matrix/... REQUIREMENTS=requirements-matrix.txt CORE=2.20.10
REQUIREMENTS ?= requirements-dev.txt
CORE ?=
venv:
	@want="$$( (cat $(REQUIREMENTS); echo "$(CORE)") | sha256sum | cut -c1-16)"; \
	if [ -x $(BIN)/python ] && [ "$$(cat $(VENV)/.stamp 2>/dev/null)" = "$$want" ]; then exit 0; fi; \
	echo "creating $(VENV) with $(PYTHON) from $(REQUIREMENTS)$(if $(CORE), and ansible-core==$(CORE))"; \
	rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) || exit 1; \
	$(BIN)/pip install -q --disable-pip-version-check -r $(REQUIREMENTS) $(if $(CORE),ansible-core==$(CORE)) 2>&1 \
	  | grep -v "is ignored: it is neither"; \
	$(BIN)/python -c "import ansible, ansible_builder, ansible_test, ansible_runner, msal, requests, pytest, xdist, yaml" || exit 1; \
	echo "$$want" > $(VENV)/.stamp

# Every stage runs in the copy and re-makes it first; stages run at the same time (.ci/stages "a+b") are
# called with TREE= so that only one of them writes the copy, before they start.
TREE ?= tree

# rsync --delete when the machine has it (only changed files move), else a fresh tar copy.
# ansible-test lists files with git, and .build is git-ignored here, so the copy is its own repository.
tree: venv
	@mkdir -p $(COLL)
	@if command -v rsync >/dev/null; then \
	  rsync -a --delete $(foreach x,$(TREE_EXCLUDES),--exclude=/$(x)) --exclude=__pycache__ ./ $(COLL)/; \
	else \
	  find $(COLL) -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +; \
	  tar -C . $(foreach x,$(TREE_EXCLUDES),--exclude=./$(x)) --exclude=__pycache__ -cf - . | tar -C $(COLL) -xf -; \
	fi
	@cd $(COLL) && { [ -d .git ] || git init -q .; } && git add -A
	@echo "tree: $(COLL) ($$(cd $(COLL) && git ls-files | wc -l) files)"

# The offline stand-in for ansible-test's pip bootstrap goes into ~/.ansible/test/cache first.
# Sanity runs on the venv's own Python; the first leg also compile-checks the other Pythons here
# (a matrix leg sets OTHER_PYTHONS=0: the first leg did it).
OTHER_PYTHONS ?= 1
sanity: $(TREE)
	bash .ci/ansible-test-offline $(BIN)/python
	cd $(COLL) && $(BIN)/ansible-test sanity --python "$$($(BIN)/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')" \
	  --local --color no
	if [ "$(OTHER_PYTHONS)" = 1 ]; then cd $(COLL) && bash $(abspath .ci/compile-other-pythons); fi

# Plain pytest rather than `ansible-test units`: the unit tests are pure Python that import the
# collection from PYTHONPATH=.build; pytest on the venv's interpreter gives the same verdict without
# ansible-test's extra requirement install and start-up, and is the runner the other suites use.
units: $(TREE)
	cd $(COLL) && PYTHONPATH=$(abspath $(BUILD)) $(PYTEST) tests/unit

# The suites start the emulator themselves (fixtures). Only folders that exist are passed, and
# none at all is a failure: an empty run must not count as a pass.
emulator-tests: $(TREE)
	@dirs="$$(cd $(COLL) && for d in tests/emulator tests/client; do [ -d $$d ] && printf '%s ' $$d; done)"; \
	if [ -z "$$dirs" ]; then echo "no tests/emulator or tests/client: nothing ran"; exit 1; fi; \
	echo "pytest $$dirs"; cd $(COLL) && PYTHONPATH=$(abspath $(BUILD)):. $(PYTEST) $$dirs

# The module contract (check mode, diff, idempotence, bad input, write bodies, retries) with each module's
# main() run in the test process against the emulator (tests/modules/conftest.py): no ansible-playbook
# start or module process per task. Mostly waiting on replication delays, hence more workers than cores.
modules: $(TREE)
	cd $(COLL) && PYTHONPATH=$(abspath $(BUILD)):. $(PYTEST) -n 4 tests/modules

# ansible-playbook end to end: roles, playbooks, ansible-runner, the controller's no_log, one run per module.
# A test file's tests share one worker, and so its emulator snapshots (the paired demo tenants are made
# once per file). xdist_group marks are not honoured with pytest 9.2 + xdist 3.8 here, hence loadfile.
# Three workers on two cores: the role runs wait on replication delays, and the third fills that time.
integration: $(TREE)
	cd $(COLL) && PYTHONPATH=$(abspath $(BUILD)):. $(PYTEST) -n 3 --dist loadfile tests/integration

# Microsoft's bad day: the main job, unpairing and the README's example under 20 % mixed faults and a
# 10 s replication delay must converge in one run to a calm day's state (tests/chaos/test_chaos.py).
chaos: $(TREE)
	cd $(COLL) && PYTHONPATH=$(abspath $(BUILD)):. $(PYTEST) -n 2 tests/chaos

# --offline together with ANSIBLE_COLLECTIONS_PATH: no network, and the collection resolves from the copy.
lint: $(TREE)
	cd $(COLL) && $(BIN)/ansible-lint --offline --nocolor

# The Ansible ecosystem's docs linters: plugin and role docs (schema, markup, references) and changelog fragments.
docs-lint: $(TREE)
	cd $(COLL) && $(BIN)/antsibull-docs lint-collection-docs --plugin-docs .
	cd $(COLL) && $(BIN)/antsibull-changelog lint

# Build, install the artifact offline, and check it: every module documented, no emulator/tooling inside.
build: $(TREE)
	rm -rf $(BUILD)/dist $(BUILD)/installed
	cd $(COLL) && $(BIN)/ansible-galaxy collection build --force --output-path $(abspath $(BUILD))/dist
	@if tar -tzf $(BUILD)/dist/entra-crosscloud-*.tar.gz | grep -E '^(emulator|benchmarks|\.ci|\.build|\.venv)/'; then \
	  echo "build: the files above must not be in the artifact (galaxy.yml build_ignore)"; exit 1; fi
	$(BIN)/ansible-galaxy collection install --offline --force -p $(BUILD)/installed $(BUILD)/dist/entra-crosscloud-*.tar.gz 2>&1 \
	  | grep -v "is not part of the configured Ansible collections paths"
	@export ANSIBLE_COLLECTIONS_PATH=$(abspath $(BUILD))/installed; \
	listed="$$($(BIN)/ansible-doc -l entra.crosscloud)" || exit 1; echo "$$listed"; bad=""; names=""; \
	for m in plugins/modules/*.py; do m="entra.crosscloud.$$(basename $$m .py)"; names="$$names $$m"; \
	  grep -v UNDOCUMENTED <<<"$$listed" | grep -q "^$${m//./\\.} " || bad="$$bad $$m"; done; \
	if [ -n "$$bad" ]; then echo "build: not listed, or listed as UNDOCUMENTED, by ansible-doc -l:$$bad"; exit 1; fi; \
	$(BIN)/ansible-doc --json $$names > /dev/null || { echo "build: ansible-doc cannot render every module"; exit 1; }; \
	echo "build: the installed artifact documents all $$(wc -w <<<"$$names") modules"

# The rest of the support matrix (.ci/matrix.txt): the whole suite again on every other ansible-core and
# Python; .ci/run runs it after `make test`. Slow (about 6 minutes a leg); LEGS="2.21.5:3.13" picks legs.
matrix: $(TREE)
	bash .ci/matrix $(LEGS)

# The suites share the machine: integration keeps both cores busy, while sanity's single-threaded tests,
# the in-process module suite and chaos mostly wait (replication delays, retries), so they run beside it.
# The emulator's own tests time its limits (150 invitations per 5 s...) and run alone, first.
test: venv
	@bash .ci/stages tree units emulator-tests sanity+modules+integration+chaos lint docs-lint build

demo: $(TREE)
	bash .ci/demo $(BIN) $(COLL) $(DEMO_PLAYBOOK)

benchmarks: $(TREE)
	cd $(COLL) && $(BIN)/python benchmarks/token_requests.py
	cd $(COLL) && $(BIN)/python benchmarks/token_requests.py --latency-ms 100
	cd $(COLL) && $(BIN)/python benchmarks/pair_tenants.py --spokes 24 100
	cd $(COLL) && $(BIN)/python benchmarks/pair_tenants.py --spokes 24 --latency-ms 50 --no-baseline
	cd $(COLL) && $(BIN)/python benchmarks/guests.py --guests 1000 --uri-guests 200 --latency-ms 0 50
	cd $(COLL) && $(BIN)/python benchmarks/export.py --partners 500 --synced-every 5 --latency-ms 0 50
	cd $(COLL) && $(BIN)/python benchmarks/task_cost.py
	cd $(COLL) && $(BIN)/python benchmarks/chaos.py --seeds 1 2 3 4 5

clean:
	rm -rf $(BUILD) $(VENV) .venv-matrix .ci-work tests/output
