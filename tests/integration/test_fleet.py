"""A fleet joins at once and one broken worker does not hold it up (issue #15): the last worker
of the lab gets its containerd stopped, then playbooks/join.yml runs on every worker. The others
must join (Nodes Ready), the run must fail for the broken one only, and the join report (its
lines and its JSON file) must name the broken worker with the preflight's cause and give the
joined ones their milestones, CSR and signer. Needs a lab of three workers or more
(molecule/fleet: LAB_WORKERS=3)."""

import json
import os
import tempfile

import pytest

from conftest import ansible_playbook, join

SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"
MILESTONES = ("token_made", "kubelet_restarted", "csr_created", "csr_approved", "node_registered", "ready")


def _fleet(inventory, workers, kubectl, broken):
    """The lab's workers, none of them joined, worker number ``broken`` (an index) with its
    containerd stopped; containerd is started again afterwards. Yields (the others, the broken one)."""
    names = inventory["workers"]
    if len(names) < 3:
        pytest.skip("the fleet test needs a lab of 3 workers or more (LAB_WORKERS=3, molecule/fleet); this one has %d"
                    % len(names))
    joined = [n for n in names if kubectl.run("get", "node", n).rc == 0]
    if joined:
        run = ansible_playbook("tests/integration/playbooks/reset_worker.yml", "-e",
                               json.dumps({"reset_hosts": ",".join(joined)}))
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    workers[broken].run_test("systemctl stop containerd")
    try:
        yield [n for n in names if n != names[broken]], names[broken]
    finally:
        workers[broken].run_test("systemctl start containerd")


@pytest.fixture()
def fleet(inventory, workers, kubectl):
    """:func:`_fleet` with the last worker broken."""
    yield from _fleet(inventory, workers, kubectl, -1)


@pytest.fixture()
def fleet_first_broken(inventory, workers, kubectl):
    """:func:`_fleet` with the first worker broken."""
    yield from _fleet(inventory, workers, kubectl, 0)


def test_one_broken_worker_does_not_hold_up_the_others(fleet, kubectl, worker_names):
    good, broken = fleet
    with tempfile.TemporaryDirectory() as folder:
        report_file = os.path.join(folder, "report.json")
        run = join({"nodejoin_report_file": report_file})
        out = run.stdout
        # the run fails, for the broken worker only
        assert run.returncode != 0, out[-3000:]
        recap = {line.split()[0]: line for line in out.splitlines() if " : ok=" in line}
        assert "failed=1" in recap[broken], recap
        for name in good:
            assert "failed=0" in recap[name], recap
        with open(report_file) as handle:
            report = json.load(handle)["workers"]
    by_host = {r["host"]: r for r in report}
    assert sorted(by_host) == sorted(worker_names)
    # the broken one: failed at its preflight, with the runtime as the cause
    assert by_host[broken]["result"] == "failed" and by_host[broken]["stage"] == "preflight", by_host[broken]
    assert "containerd" in by_host[broken]["reason"] or "runtime" in by_host[broken]["reason"], by_host[broken]
    assert by_host[broken]["line"].startswith("%s: failed; at preflight: " % broken)
    # the same lines are printed (folded by the YAML callback)
    printed = " ".join(out.split("TASK [Join report]", 1)[1].split())
    for record in report:
        assert " ".join(record["line"].split()[:3]) in printed, record["line"]
    # the others: joined, every milestone in order, the CSR issued by the kubelet client signer
    for name in good:
        record = by_host[name]
        assert record["result"] == "joined" and record["ready"] == "True", record
        assert record["csr"]["signer_name"] == SIGNER and record["csr"]["condition"] == "Approved,Issued", record
        seconds = [record["seconds"][key] for key in MILESTONES]
        assert None not in seconds, record
        # API times are whole seconds, the kubelet's start is exact to the second of the boot time:
        # a milestone may show up to 2 s before the one it follows
        assert all(later >= earlier - 2 for earlier, later in zip(seconds, seconds[1:])), record
        assert kubectl.run("get", "node", name).rc == 0
    assert kubectl.run("get", "node", broken).rc != 0
    # nothing secret in the report: no token secret (token-id.secret) anywhere
    assert not any(r.get("token") for r in report)


def test_no_new_batch_once_too_many_workers_failed(fleet_first_broken, kubectl, worker_names):
    """nodejoin_serial 1 and nodejoin_max_fail_percentage 0: the first worker fails its preflight,
    so no later batch starts; the report says the run stopped before the others."""
    good, broken = fleet_first_broken
    with tempfile.TemporaryDirectory() as folder:
        report_file = os.path.join(folder, "report.json")
        run = join({"nodejoin_report_file": report_file, "nodejoin_serial": 1, "nodejoin_max_fail_percentage": 0})
        out = run.stdout
        assert run.returncode != 0, out[-3000:]
        with open(report_file) as handle:
            by_host = {r["host"]: r for r in json.load(handle)["workers"]}
    assert by_host[broken]["result"] == "failed" and by_host[broken]["stage"] == "preflight", by_host[broken]
    for name in good:
        assert by_host[name]["result"] == "failed" and "stopped before it" in by_host[name]["reason"], by_host[name]
        assert kubectl.run("get", "node", name).rc != 0, "%s joined in a batch that should not have started" % name
    assert kubectl.run("get", "node", broken).rc != 0
