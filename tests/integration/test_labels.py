"""Labels and taints at registration (issue #15): worker_node_labels go to the kubelet's
--node-labels and worker_node_taints to registerWithTaints, so the Node is born with them; a
label the NodeRestriction admission plugin forbids a kubelet to set on itself is refused in the
preflight with nothing changed, or applied from the control plane when
worker_node_labels_from_control_plane asks for it. The last test leaves the worker joined with
the defaults, as the other tests expect."""

import json
import re

import pytest

from conftest import ansible_playbook, join, worker_checksums

LABELS = {"example.com/rack": "r1", "node.kubernetes.io/pool": "blue"}
ROLE = "node-role.kubernetes.io/worker"
TAINT = {"key": "example.com/dedicated", "value": "lab", "effect": "NoSchedule"}


def _ok(run):
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return run


def _node(kubectl, name):
    return kubectl.json("get", "node", name)


def _ready(node):
    return [c["status"] for c in node["status"].get("conditions", []) if c["type"] == "Ready"] == ["True"]


def _reset(worker):
    _ok(ansible_playbook("tests/integration/playbooks/reset_worker.yml", "-e", json.dumps({"reset_hosts": worker})))


@pytest.mark.usefixtures("joined")
def test_a_forbidden_label_is_refused_with_nothing_changed(inventory, kubectl, workers):
    worker, host = inventory["workers"][0], workers[0]
    labels_before = _node(kubectl, worker)["metadata"]["labels"]
    before = worker_checksums(host)
    run = join({"worker_node_labels": dict(LABELS, **{ROLE: ""})})
    assert run.returncode != 0
    assert "the NodeRestriction admission plugin forbids a kubelet to set %s on its own Node" % ROLE in run.stdout
    assert "worker_node_labels_from_control_plane=true" in run.stdout
    assert worker_checksums(host) == before
    assert _node(kubectl, worker)["metadata"]["labels"] == labels_before


def test_labels_and_taints_at_registration(inventory, kubectl, workers):
    worker, host = inventory["workers"][0], workers[0]
    extra = {"worker_node_labels": dict(LABELS, **{ROLE: ""}), "worker_node_labels_from_control_plane": True,
             "worker_node_taints": [TAINT]}
    _reset(worker)
    try:
        _ok(join(extra))
        node = _node(kubectl, worker)
        labels = node["metadata"]["labels"]
        for key, value in LABELS.items():
            assert labels.get(key) == value, labels
        # the role label came from the control plane (field manager hardway.nodejoin-labels)
        assert labels.get(ROLE) == ""
        fields = kubectl.json("get", "node", worker, "--show-managed-fields")["metadata"]["managedFields"]
        managers = [m["manager"] for m in fields]
        assert "hardway.nodejoin-labels" in managers, managers
        assert TAINT in node["spec"].get("taints", []), node["spec"]
        unit = host.file("/etc/systemd/system/kubelet.service").content_string
        assert "--node-labels=example.com/rack=r1,node.kubernetes.io/pool=blue" in unit, unit
        assert ROLE not in unit
        assert "registerWithTaints" in host.file("/var/lib/kubelet/config.d/75-register-taints.conf").content_string
        assert kubectl.wait(lambda: _ready(_node(kubectl, worker)), 120)

        # a second run changes nothing, and says labels and taints are given at registration only
        rerun = _ok(join(extra))
        changed = [int(n) for n in re.findall(r"\bchanged=(\d+)", rerun.stdout)]
        assert changed and not any(changed), rerun.stdout[-3000:]
        assert "only when it registers its Node" in rerun.stdout
    finally:
        # the lab as the other tests expect it: joined with the defaults, no labels or taints
        _reset(worker)
        _ok(join())
    node = _node(kubectl, worker)
    assert "example.com/rack" not in node["metadata"]["labels"] and not node["spec"].get("taints")
