"""The lesson's last step on the lab: playbooks/smoke.yml runs the ReplicaSet on every
joined worker (images imported by the lab, no registry), the Pod answers on its port, and
the ReplicaSet is gone afterwards; a Pod that cannot start fails the play with its reason
and events, and is cleaned up all the same."""

import json

import pytest

from conftest import ansible_playbook

pytestmark = pytest.mark.usefixtures("joined")


def _smoke(extra):
    return ansible_playbook("playbooks/smoke.yml", "-e", json.dumps(extra))


def test_workload_runs_on_every_worker_and_answers(kubectl, cp, worker_names, worker_ips):
    run = _smoke({"smoke_cleanup": False})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    try:
        pods = kubectl.json("get", "pods", "-l", "app=podinfo")["items"]
        assert sorted(p["spec"]["nodeName"] for p in pods) == sorted(worker_names)
        assert all(p["status"]["phase"] == "Running" for p in pods)
        for name in worker_names:
            # hostNetwork: the Pod listens on its Node's lab address; its page names the Pod's host
            page = cp.check_output("curl -sf http://%s:9898/", worker_ips[name])
            assert json.loads(page)["hostname"] == name
    finally:
        gone = _smoke({"smoke_state": "absent"})
    assert gone.returncode == 0, gone.stdout[-3000:]
    assert kubectl.json("get", "replicasets", "-l", "app=podinfo")["items"] == []
    assert kubectl.json("get", "pods", "-l", "app=podinfo")["items"] == []


def test_a_pod_that_cannot_start_fails_with_its_reason_and_is_cleaned_up(kubectl):
    run = _smoke({"smoke_name": "smoke-missing-image", "smoke_image": "localhost/hwlab/no-such-image:0",
                  "smoke_timeout": 60})
    output = run.stdout + run.stderr
    assert run.returncode != 0, output[-3000:]
    assert "ErrImageNeverPull" in output, output[-3000:]
    assert "Last events:" in output
    assert kubectl.json("get", "replicasets", "-l", "app=smoke-missing-image")["items"] == []
    assert kubectl.json("get", "pods", "-l", "app=smoke-missing-image")["items"] == []
