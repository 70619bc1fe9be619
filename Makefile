# webex_di.virtual_connect - developer entry points. `make setup && make test` on a fresh machine.
SHELL := /bin/bash
PY ?= python3
REPO := $(abspath .)
COLL_ROOT := $(REPO)/.build/collections
SITE := $(shell $(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
export ANSIBLE_COLLECTIONS_PATH := $(COLL_ROOT):$(SITE)
export ANSIBLE_CONFIG := $(REPO)/ansible.cfg

.PHONY: setup link test unit playbook-tests sanity lint bench bench-lab bench-failover bench-ios demo lab lab-test lab-faults clean

setup: ## install Python and Debian dependencies, link the collection
	bash .ci/setup.sh
	$(MAKE) link

link:
	mkdir -p $(COLL_ROOT)/ansible_collections/webex_di
	ln -sfn $(REPO) $(COLL_ROOT)/ansible_collections/webex_di/virtual_connect

test: link unit playbook-tests sanity lint lab ## everything CI runs (the lab: lab-test + one fault of each family; the whole matrix: make lab-faults)

unit: link
	$(PY) -m pytest -q -n 2 tests/unit tests/lab

playbook-tests: link  ## filters/modules/playbooks on localhost + IOS-XE end to end over network_cli (SSH test double), bench harness
	$(PY) -m pytest -q -n 2 --dist loadgroup tests/integration tests/bench   # xdist_group: a module sharing one rig stays on one worker

sanity:
	bash tests/sanity/run.sh

lint: link
	ansible-lint --profile production

bench: link
	$(PY) tests/bench/plan_bench.py

bench-ios: link ## IOS-XE fleet figures on SSH test doubles: ours vs plain ios_config (IOS_BENCH_SIZES=1,5,20,50 IOS_BENCH_ROUNDS=3)
	$(PY) tests/bench/ios_bench.py

bench-lab: link ## embedded lab figures (VM boot, deploy, failover with default timers and BFD)
	bash tests/bench/lab_bench.sh

bench-failover: link ## the failover profiles of docs/ha.md on the lab: default, fast timers, BFD (LAB_BENCH_REPS=3)
	bash tests/bench/failover_profiles.sh

demo: link
	bash tests/lab/demo.sh

lab-test: link
	bash tests/lab/lab_test.sh

lab-faults: link ## the fault matrix on the lab: inject, diagnose names the cause, remove, green again (table + results.json)
	bash tests/lab/lab_faults.sh

lab: link ## lab-test with the fault matrix on its own deploy, one VM session (LAB_ALL_FAULTS=families|all|a,b; default families)
	bash tests/lab/lab_all.sh

clean:
	rm -rf .build tests/output
