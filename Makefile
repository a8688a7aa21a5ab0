# hardway.nodejoin — the two commands a newcomer needs:
#   make lab    build (once) and boot the lab, run playbooks/join.yml against it
#   make test   unit tests and sanity on the oldest and newest ansible-core, lint, tarball, EE and
#               docs checks, then the Molecule scenarios on real machines (nspawn, QEMU VMs)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
VENV := .venv
PY := $(VENV)/bin/python
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PYTHONPATH := $(CURDIR)/.cache/collections
export K8S_VERSION ?= v1.36.3
export K8S_SOURCE ?= build
export LAB_WORKERS ?= 1
# 2 or 3: the HA lab (cp1..cpN with stacked etcd behind lb1, HAProxy), with its own state
# folder, network namespace (hwlab-ha), subnet (10.78.0) and inventory (inventories/lab-ha)
export LAB_CONTROL_PLANES ?= 1
# caches (binaries, Debian root, images) and the lab's state live outside the repo
export CACHE_DIR ?= $(HOME)/.cache/hardway-nodejoin
HOST_PACKAGES := debootstrap systemd-container netcat-openbsd openssl iproute2 python3-venv umoci shellcheck
# the qemu lab provider (LAB_PROVIDER=qemu): QEMU, qemu-img, mkfs.ext4 -d, vde_switch
VM_HOST_PACKAGES := qemu-system-x86 qemu-utils e2fsprogs vde2
LAB := lab/bin/lab
# ansible.cfg names no inventory: every lab run passes the one lab/bin/lab writes for this lab
# (and its static group_vars)
LAB_INV := $(if $(LAB_INVENTORY),$(dir $(LAB_INVENTORY)),inventories/$(if $(filter qemu,$(LAB_PROVIDER)),lab-vm,$(if $(filter 1,$(LAB_CONTROL_PLANES)),lab,lab-ha)))
# tests/ansible-core-range: the ansible-core versions CI proves, oldest and newest, with their
# Pythons; .venv (lab, Molecule, lint, docs) runs the newest, with a Python tests/find-python finds
NEWEST_PYTHONS := $(shell awk '!/^\#/ && NF { p = $$2 } END { print p }' tests/ansible-core-range)

.PHONY: shellcheck help deps host-deps host-deps-vm venv range-venvs collection caches binaries rootfs vm-image images lab lab-up lab-join lab-smoke lab-readyz lab-down test test-vm molecule-vm molecule-ha molecule-fleet molecule-certs molecule-lifecycle molecule-lanes bench-join bench-molecule unit sanity lint tarball ee docs changelog molecule clean

help:
	@sed -n '1,4p' Makefile

host-deps:  ## Debian packages the lab needs on the host (root)
	@missing=""; for p in $(HOST_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then echo "[deps] apt-get install$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_INSTALL_OPTS) $$missing >/dev/null; fi

host-deps-vm:  ## Debian packages of the qemu lab provider (root; no Recommends: they bring a GUI)
	@$(MAKE) --no-print-directory host-deps HOST_PACKAGES="$(VM_HOST_PACKAGES)" APT_INSTALL_OPTS=--no-install-recommends

$(VENV)/.installed: requirements-test.txt tests/ansible-core-range
	@echo "[deps] Python venv $(VENV) from requirements-test.txt"
	rm -rf $(VENV)
	"$$(tests/find-python $(NEWEST_PYTHONS))" -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -r requirements-test.txt
	touch $@

venv: $(VENV)/.installed

# .venv-<X.Y> for the oldest and the newest ansible-core of tests/ansible-core-range
range-venvs:
	@tests/range-venv oldest >/dev/null
	@tests/range-venv newest >/dev/null

collection:  ## this checkout as ansible_collections/hardway/nodejoin
	@mkdir -p .cache/collections/ansible_collections/hardway
	@ln -sfn ../../../.. .cache/collections/ansible_collections/hardway/nodejoin

deps: host-deps venv collection

binaries:
	lab/bin/k8s-binaries

rootfs: host-deps
	lab/bin/rootfs

vm-image: host-deps host-deps-vm  ## the qemu provider's base disk (Debian root + kernel), cached
	lab/bin/vm-image

images: host-deps  ## the lab's pause and workload images (OCI archives, from busybox-static)
	lab/bin/images

# No --output-sync: it would hold each script's output until it ends (the Go build is
# silent for minutes); every line the scripts print is already tagged [k8s-binaries] etc.
caches: host-deps  ## binaries, Debian root and images, built side by side when cold
	$(MAKE) --no-print-directory -j2 binaries rootfs images

lab-up: deps caches
	$(LAB) up
	ansible-playbook -i $(LAB_INV) lab/prepare.yml

lab-join:
	ansible-playbook -i $(LAB_INV) playbooks/join.yml
	$(LAB) ssh cp1 kubectl get nodes -o wide
	$(LAB) ssh cp1 kubectl get csr

# The lesson's last step: the workload runs on the joined worker, is shown, then deleted.
lab-smoke:
	ansible-playbook -i $(LAB_INV) playbooks/smoke.yml -e smoke_cleanup=false
	$(LAB) ssh cp1 kubectl get pods -o wide
	ansible-playbook -i $(LAB_INV) playbooks/smoke.yml -e smoke_state=absent

# HA lab: /readyz answered through every API server directly, and through the load balancer
lab-readyz:
	@for cp in $$(seq -f 'cp%g' 1 $(LAB_CONTROL_PLANES)) $(if $(filter 1,$(LAB_CONTROL_PLANES)),,lb1); do \
	  printf '[lab] /readyz through %s: ' "$$cp"; $(LAB) ssh cp1 kubectl get --raw /readyz --server=https://$$cp:6443; echo; done

lab: lab-up  ## the README's main command
	@start=$$(date +%s); $(MAKE) --no-print-directory lab-join; echo "[lab] join run took $$(( $$(date +%s) - start )) s"
	@$(MAKE) --no-print-directory lab-smoke
	@$(if $(filter 1,$(LAB_CONTROL_PLANES)),true,$(MAKE) --no-print-directory lab-readyz)

lab-down:
	$(LAB) down

# the unit tests on the oldest and on the newest ansible-core of the range, each in its venv
unit: collection range-venvs
	@for core in oldest newest; do v=$$(tests/range-venv $$core); \
	  echo "[unit] $$core: ansible-core $$($$v/bin/python -c "import ansible.release as r; print(r.__version__)"), $$($$v/bin/python --version)"; \
	  $$v/bin/python -m pytest -q -p no:cacheprovider tests/unit; done

# every shell script of the project, the lab's included (the tarball ships none of them)
SHELL_SCRIPTS := .ci/run lab/bin/* lab/lib/*.sh lab/lib/nspawn-launch $(filter-out %.yml,$(wildcard benchmarks/*)) tests/tarball-check tests/ee-check tests/docs-check tests/find-python tests/sanity/run.sh
shellcheck: host-deps
	shellcheck -x $(SHELL_SCRIPTS)
	@echo "[shellcheck] passed: $(words $(wildcard $(SHELL_SCRIPTS))) scripts"

lint: deps
	ansible-lint --profile production

sanity: range-venvs  ## ansible-test sanity (offline) + ansible-doc of every plugin, oldest and newest ansible-core
	SANITY_CORE=oldest tests/sanity/run.sh
	SANITY_CORE=newest tests/sanity/run.sh

tarball: deps  ## build the collection tarball; fail on any file outside tests/tarball-allowlist
	tests/tarball-check

ee: deps  ## ansible-builder create of execution-environment.yml (the build context, no image)
	tests/ee-check

docs: deps  ## antsibull-docs lint, the docs site (sphinx, offline), CHANGELOG.rst up to date
	tests/docs-check

changelog: deps  ## regenerate CHANGELOG.rst from changelogs/ (antsibull-changelog)
	antsibull-changelog generate

molecule: deps caches
	molecule test -s default

# Several control planes behind a load balancer (nspawn): its own lab (state, netns, subnet)
molecule-ha: deps caches
	molecule test -s ha

# A fleet (cp1 + 3 workers, one broken by the test) in its own lab: the others join, the join
# report names the broken one's cause (tests/integration/test_fleet.py)
molecule-fleet: deps caches
	molecule test -s fleet

# Certificates over time: real renewals under a shortened --cluster-signing-duration (client
# rotation, serving renewal) and the join-heavy serving certificate tests, in their own lab
molecule-certs: deps caches
	molecule test -s certs

# Remove, reset, replace, labels and taints: the join-heavy lifecycle tests, in their own lab
molecule-lifecycle: deps caches
	molecule test -s lifecycle

# The same scenario on QEMU VMs (own kernel, cgroup v2); slow under TCG emulation.
molecule-vm: deps caches vm-image
	molecule test -s vm

test-vm: molecule-vm

bench-join: deps caches  ## seconds of join.yml for 1 and 10 workers on fresh labs (takes the lab down!)
	benchmarks/join-scaling $(BENCH_WORKERS)

bench-molecule: deps caches vm-image  ## seconds per Molecule step, nspawn and VMs side by side
	benchmarks/molecule-steps default vm

# TEST_VM=0 leaves out the QEMU tier (molecule/vm), e.g. on a host without QEMU
TEST_VM ?= 1
# The Molecule scenarios of `make test` in lanes that run side by side: each scenario has its
# own lab (state folder, network namespace, subnet, inventory), the scenarios of a lane run one
# after another, every line is tagged with its scenario, and each lane prints its time.
# Lanes are separated by spaces, the scenarios of a lane by commas.
comma := ,
MOLECULE_LANES ?= default,fleet certs,ha lifecycle$(if $(filter 1,$(TEST_VM)),$(comma)vm)
molecule-lanes: deps caches $(if $(filter 1,$(TEST_VM)),vm-image)
	@pids=(); for lane in $(MOLECULE_LANES); do \
	  ( start=$$(date +%s); for s in $${lane//,/ }; do \
	      echo "[$$s] molecule test -s $$s"; \
	      if ! molecule test -s "$$s" 2>&1 | sed -u "s/^/[$$s] /"; then \
	        echo "[lane $$lane] FAILED in scenario $$s after $$(( $$(date +%s) - start )) s"; exit 1; fi; \
	    done; echo "[lane $$lane] passed in $$(( $$(date +%s) - start )) s" ) & pids+=($$!); done; \
	rc=0; for p in "$${pids[@]}"; do wait "$$p" || rc=1; done; exit $$rc

test: unit sanity lint shellcheck tarball ee docs molecule-lanes  ## what CI runs (.ci/run)

clean: lab-down
	rm -rf $(VENV) .venv-[0-9]* .cache dist context ee-collections
