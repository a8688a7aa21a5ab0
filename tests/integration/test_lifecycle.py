"""The worker's life after the join (issue #15): playbooks/remove.yml drains the Node through
the Eviction API (a PodDisruptionBudget blocks it, a Pod without a controller is refused
before anything changes), stops and disables the kubelet, undoes the join and deletes the
Node and its CSRs, and the plain join takes the worker back; playbooks/reset.yml puts the
worker back in its state before the join without touching the API, and the plain join
re-joins it; a reinstalled host (another machine id) whose name a stale Node holds is refused
unless worker_replace; an unreachable worker is removed from the API with a warning.
Each test starts from a worker joined with the defaults from the previous lesson's state
(tests/integration/playbooks/reset_worker.yml, then the join) and leaves it joined."""

import json
import os
import re
import shutil

import pytest
import yaml

from conftest import INVENTORY, ansible_playbook, join, worker_checksums

WORKLOAD = """
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: hwtest-drain, namespace: default}
spec:
  replicas: 1
  selector: {matchLabels: {app: hwtest-drain}}
  template:
    metadata: {labels: {app: hwtest-drain}}
    spec:
      nodeSelector: {kubernetes.io/hostname: %(node)s}
      hostNetwork: true
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: localhost/hwlab/httpd:1.0
          imagePullPolicy: Never
          env: [{name: PORT, value: "9899"}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: hwtest-drain, namespace: default}
spec:
  maxUnavailable: 0
  selector: {matchLabels: {app: hwtest-drain}}
"""

BARE_POD = """
apiVersion: v1
kind: Pod
metadata: {name: hwtest-bare, namespace: default}
spec:
  nodeName: %(node)s
  hostNetwork: true
  terminationGracePeriodSeconds: 0
  containers:
    - name: web
      image: localhost/hwlab/httpd:1.0
      imagePullPolicy: Never
      env: [{name: PORT, value: "9897"}]
"""

RECORD = "/var/lib/hardway-nodejoin/pre-join/record.json"


def _ok(run):
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return run


def _changed(run, host):
    found = re.findall(r"^%s\s+: ok=\d+\s+changed=(\d+)" % re.escape(host), run.stdout, re.M)
    assert found, run.stdout[-2000:]
    return int(found[-1])


def _remove(worker, *args, **extra):
    return ansible_playbook("playbooks/remove.yml", "--limit", worker, "-e", json.dumps(extra), *args)


def _reset(worker, *args):
    return ansible_playbook("playbooks/reset.yml", "--limit", worker, *args)


def _apply(kubectl, manifest):
    result = kubectl.host.run("kubectl --kubeconfig=/etc/kubernetes/admin.conf apply -f - <<'EOF'\n%s\nEOF" % manifest)
    assert result.rc == 0, result.stderr


def _node(kubectl, name):
    result = kubectl.run("get", "node", name, "-o", "json")
    return json.loads(result.stdout) if result.rc == 0 else None


def _ready(node):
    return [c["status"] for c in node["status"].get("conditions", []) if c["type"] == "Ready"] == ["True"]


def _node_csrs(kubectl, name):
    from ansible_collections.hardway.nodejoin.plugins.module_utils import _nodes
    return _nodes.node_csrs(kubectl.json("get", "csr")["items"], name)


@pytest.fixture()
def fresh(inventory, kubectl, workers):
    """worker1 joined with the defaults from the previous lesson's state, so its pre-join record is
    the lesson's (standalone kubelet running and enabled): as it is when its record says so, else
    reset by the test helper and joined; returns its name."""
    worker, host = inventory["workers"][0], workers[0]
    record = host.file(RECORD)
    if record.exists:
        record = json.loads(record.content_string)
        if record.get("kubelet_running") and record.get("kubelet_enabled") and _node(kubectl, worker):
            return worker
    _ok(ansible_playbook("tests/integration/playbooks/reset_worker.yml", "-e", json.dumps({"reset_hosts": worker})))
    _ok(join())
    assert kubectl.wait(lambda: (_node(kubectl, worker) or {}).get("status") and _ready(_node(kubectl, worker)), 120)
    return worker


def test_reset_keeps_the_api_and_the_plain_join_rejoins(fresh, kubectl, workers):
    worker, host = fresh, workers[0]
    uid = _node(kubectl, worker)["metadata"]["uid"]
    before = worker_checksums(host)
    _ok(_reset(worker, "--check"))
    assert worker_checksums(host) == before

    _ok(_reset(worker))
    # the previous lesson's standalone kubelet runs again, with no kubeconfig
    assert host.service("kubelet").is_running and host.service("kubelet").is_enabled
    assert "--kubeconfig" not in host.check_output("ps -o args= -C kubelet")
    for path in ("/etc/kubernetes/kubelet.conf", "/etc/kubernetes/pki/ca.crt", "/var/lib/kubelet/config.d/70-authnz.conf",
                 "/var/lib/kubelet/pki/kubelet-client-current.pem", RECORD):
        assert not host.file(path).exists, path
    # the API is untouched: the Node is the same object
    assert _node(kubectl, worker)["metadata"]["uid"] == uid
    assert _changed(_ok(_reset(worker)), worker) == 0

    # same machine: the plain join takes the Node back
    run = _ok(join())
    assert "cannot join" not in run.stdout
    assert kubectl.wait(lambda: _ready(_node(kubectl, worker)), 120)
    assert _node(kubectl, worker)["metadata"]["uid"] == uid
    assert host.file(RECORD).exists


def test_a_reinstalled_host_is_refused_unless_worker_replace(fresh, kubectl, workers):
    worker, host = fresh, workers[0]
    old_machine = host.file("/etc/machine-id").content_string.strip()
    new_machine = "0123456789abcdef0123456789abcdef"
    old_csrs = _node_csrs(kubectl, worker)
    _ok(_reset(worker))
    try:
        # the reinstalled host: same name, another machine id, no client certificate
        host.check_output("chmod 644 /etc/machine-id && echo %s > /etc/machine-id && chmod 444 /etc/machine-id",
                          new_machine)
        # its Node goes NotReady once the old kubelet stops posting (node-monitor-grace-period)
        assert kubectl.wait(lambda: not _ready(_node(kubectl, worker)), 150), "the Node stayed Ready"
        before = worker_checksums(host)
        run = join()
        assert run.returncode != 0
        assert ("a Node named %s already exists and belongs to machine %s" % (worker, old_machine)) in run.stdout
        assert "set worker_replace=true" in run.stdout
        assert worker_checksums(host) == before, "the refused worker changed"

        run = _ok(join({"worker_replace": True}))
        assert "replaces the stale Node %s of machine %s" % (worker, old_machine) in run.stdout
        node = _node(kubectl, worker)
        assert node["status"]["nodeInfo"]["machineID"] == new_machine
        assert not set(old_csrs) & set(_node_csrs(kubectl, worker)), "the stale CSRs are still there"
    finally:
        host.run("chmod 644 /etc/machine-id && echo %s > /etc/machine-id && chmod 444 /etc/machine-id "
                 "&& systemctl restart kubelet", old_machine)
    # the kubelet reports the machine id again (the lab as it was)
    assert kubectl.wait(lambda: (_node(kubectl, worker) or {}).get("status", {}).get("nodeInfo", {}).get("machineID")
                        == old_machine and _ready(_node(kubectl, worker)), 120)


def test_an_unreachable_worker_is_removed_from_the_api_with_a_warning(fresh, kubectl, workers, tmp_path):
    worker = fresh
    uid = _node(kubectl, worker)["metadata"]["uid"]
    # the same lab, with worker1 at an address nobody answers
    unreachable = tmp_path / "inventory"
    shutil.copytree(INVENTORY, str(unreachable))
    os.makedirs(str(unreachable / "host_vars"), exist_ok=True)
    with open(str(unreachable / "host_vars" / ("%s.yml" % worker)), "w") as handle:
        yaml.safe_dump({"ansible_host": "10.255.255.1"}, handle)
    run = ansible_playbook("playbooks/remove.yml", "--limit", worker, inventory=str(unreachable))
    assert run.returncode == 0, run.stdout[-4000:]
    assert "WARNING: %s cannot be reached" % worker in run.stdout
    assert "Node %s deleted" % worker in run.stdout
    assert kubectl.wait(lambda: _node(kubectl, worker) is None, 30), "the Node is still there"
    # nothing on the machine changed: its kubelet still has the join's files
    assert workers[0].file("/etc/kubernetes/kubelet.conf").exists and workers[0].file(RECORD).exists
    # the machine comes back: reset as the warning says, then the plain join (a new Node, a new CSR)
    _ok(_reset(worker))
    _ok(join())
    assert kubectl.wait(lambda: (_node(kubectl, worker) or {}).get("metadata", {}).get("uid") not in (None, uid), 60)
    assert kubectl.wait(lambda: _ready(_node(kubectl, worker)), 120)
    assert _node_csrs(kubectl, worker)


# last: a removed worker re-joined has a record of the removed state (kubelet stopped and
# disabled), so a test after it that needs the lesson's record would reset and join again
def test_remove_drains_deletes_and_the_plain_join_takes_the_worker_back(fresh, kubectl, workers):
    worker, host = fresh, workers[0]
    try:
        # a Pod that nothing would recreate: refused before anything changes (not even a cordon)
        _apply(kubectl, BARE_POD % {"node": worker})
        run = _remove(worker)
        assert run.returncode != 0
        assert "cannot drain %s, nothing was changed: default/hwtest-bare has no controller" % worker in run.stdout
        assert not _node(kubectl, worker)["spec"].get("unschedulable")
        assert host.service("kubelet").is_running and host.file(RECORD).exists
        kubectl.run("delete", "pod", "hwtest-bare", "--grace-period=0", "--force")

        # a PodDisruptionBudget that allows no disruption: the eviction keeps getting 429
        _apply(kubectl, WORKLOAD % {"node": worker})
        assert kubectl.wait(lambda: "True" in kubectl.run(
            "get", "pods", "-l", "app=hwtest-drain", "-o",
            "jsonpath={.items[*].status.conditions[?(@.type=='Ready')].status}").stdout, 120), "workload not Ready"
        pod = kubectl.json("get", "pods", "-l", "app=hwtest-drain")["items"][0]["metadata"]["name"]
        run = _remove(worker, worker_drain_timeout=6)
        assert run.returncode != 0
        assert "the eviction of default/%s is still refused (a PodDisruptionBudget does not allow it" % pod in run.stdout
        node = _node(kubectl, worker)
        assert node and node["spec"].get("unschedulable") is True, "the Node should exist, cordoned"
        assert host.service("kubelet").is_running and host.file(RECORD).exists

        # check mode: nothing happens
        kubectl.run("delete", "pdb", "hwtest-drain")
        csrs = _node_csrs(kubectl, worker)
        assert csrs, "the joined worker should have its bootstrap CSR"
        before = worker_checksums(host)
        _ok(_remove(worker, "--check"))
        assert _node(kubectl, worker) and kubectl.run("get", "pod", pod).rc == 0
        assert worker_checksums(host) == before and host.service("kubelet").is_running

        # the real removal
        run = _ok(_remove(worker))
        assert "Node %s deleted (drain: 1 Pods evicted" % worker in run.stdout, run.stdout[-3000:]
        assert kubectl.wait(lambda: _node(kubectl, worker) is None, 30), "the Node is still there"
        assert _node_csrs(kubectl, worker) == []
        assert kubectl.run("get", "pod", pod).rc != 0, "the evicted Pod is still there"
        kubelet = host.service("kubelet")
        assert not kubelet.is_running and not kubelet.is_enabled
        for path in ("/etc/kubernetes/kubelet.conf", "/etc/kubernetes/bootstrap-kubelet.conf",
                     "/etc/kubernetes/pki/ca.crt", "/var/lib/kubelet/config.d/70-authnz.conf",
                     "/var/lib/kubelet/pki/kubelet-client-current.pem", "/var/lib/hardway-nodejoin/pre-join"):
            assert not host.file(path).exists, path
        unit = host.file("/etc/systemd/system/kubelet.service").content_string
        assert "--bootstrap-kubeconfig" not in unit and "--kubeconfig" not in unit, unit

        # a second run has nothing left to do
        assert _changed(_ok(_remove(worker)), worker) == 0

        # the plain join takes it back; the evicted workload runs there again
        _ok(join())
        assert kubectl.wait(lambda: _node(kubectl, worker) and _ready(_node(kubectl, worker)), 120)
        assert host.service("kubelet").is_enabled and host.file(RECORD).exists
    finally:
        kubectl.run("delete", "pod", "hwtest-bare", "--grace-period=0", "--force", "--ignore-not-found")
        kubectl.run("delete", "pdb", "hwtest-drain", "--ignore-not-found")
        kubectl.run("delete", "rs", "hwtest-drain", "--ignore-not-found")
        kubectl.run("uncordon", worker)
