"""The join's other paths, each from a worker put back in the state before the join
(tests/integration/playbooks/reset_worker.yml): token discovery with a per-worker token
deleted after the join, on a worker with no kubelet unit at all; the CA from a file; and
CSRs left for a human with auto-approval off. The last test leaves the worker joined with
the defaults, as the other tests expect."""

import subprocess

from conftest import join as _join

NODE_NAME_LABEL = "hardway.nodejoin/node-name"


def _newest_csr(kubectl, node):
    csrs = [c for c in kubectl.json("get", "csr")["items"]
            if c["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client-kubelet"
            and c["spec"]["username"].startswith("system:bootstrap:")]
    csrs.sort(key=lambda c: c["metadata"]["creationTimestamp"])
    # the CN is in the request; the newest bootstrap CSR is the one of the join just run
    assert csrs, "no bootstrap CSR at all"
    return csrs[-1]


def _conditions(csr):
    return sorted(c["type"] for c in csr.get("status", {}).get("conditions", []))


def _node_ready(kubectl, node):
    node = kubectl.json("get", "node", node)
    return [c["status"] for c in node["status"]["conditions"] if c["type"] == "Ready"] == ["True"]


def test_discovery_with_per_worker_token_deleted_after_join_and_unit_from_template(reset, kubectl, cp, workers):
    worker = reset(unit="absent")
    run = _join({"control_plane_discovery": True, "worker_ca_source": "discovery",
                 "control_plane_token_per_worker": True, "control_plane_delete_token_after_join": True})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "for %s" % worker in run.stdout
    csr = _newest_csr(kubectl, worker)
    assert _conditions(csr) == ["Approved"] and csr["status"].get("certificate"), csr["status"]
    token_id = csr["spec"]["username"].split(":")[-1]
    # the per-worker token did its job and is gone; none labelled for this worker is left
    gone = kubectl.run("get", "secret", "-n", "kube-system", "bootstrap-token-" + token_id)
    assert gone.rc != 0 and "NotFound" in gone.stderr
    left = kubectl.json("get", "secret", "-n", "kube-system", "-l", "%s=%s" % (NODE_NAME_LABEL, worker))
    assert left["items"] == []
    assert _node_ready(kubectl, worker)
    host = workers[0]
    unit = host.file("/etc/systemd/system/kubelet.service").content_string
    assert "Written by hardway.nodejoin" in unit and "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf" in unit
    assert host.service("kubelet").is_enabled and host.service("kubelet").is_running
    # the CA came by discovery, pinned: it is the cluster's
    assert host.file("/etc/kubernetes/pki/ca.crt").content_string.strip() == \
        cp.file("/etc/kubernetes/pki/ca.crt").content_string.strip()


def test_ca_from_a_file_on_the_controller(reset, kubectl, cp, workers, tmp_path):
    ca = tmp_path / "ca.crt"
    ca.write_text(cp.file("/etc/kubernetes/pki/ca.crt").content_string)
    worker = reset()
    run = _join({"worker_ca_source": "file", "worker_ca_file": str(ca)})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert workers[0].file("/etc/kubernetes/pki/ca.crt").content_string.strip() == ca.read_text().strip()
    assert _node_ready(kubectl, worker)


def test_without_auto_approval_the_csr_waits_for_a_human(reset, kubectl):
    worker = reset()
    run = _join({"control_plane_auto_approve": False, "worker_join_timeout": 20})
    output = run.stdout + run.stderr
    assert run.returncode != 0, output[-3000:]
    assert "kubectl certificate approve" in output, output[-3000:]
    binding = kubectl.run("get", "clusterrolebinding", "node-autoapprove-bootstrap")
    assert binding.rc != 0 and "NotFound" in binding.stderr
    csr = _newest_csr(kubectl, worker)
    assert _conditions(csr) == [] and not csr.get("status", {}).get("certificate")
    # a human approves; the kubelet gets its certificate; a default run completes the join
    approve = kubectl.run("certificate", "approve", csr["metadata"]["name"])
    assert approve.rc == 0, approve.stderr
    run = _join({})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert kubectl.run("get", "clusterrolebinding", "node-autoapprove-bootstrap").rc == 0
    assert _node_ready(kubectl, worker)


def test_a_ca_file_that_is_not_the_clusters_is_refused(kubectl, workers, tmp_path):
    key, cert = tmp_path / "other.key", tmp_path / "other.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=some-other-ca",
                    "-days", "1", "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    before = workers[0].check_output("sha256sum /etc/kubernetes/pki/ca.crt /etc/kubernetes/kubelet.conf")
    run = _join({"worker_ca_source": "file", "worker_ca_file": str(cert)})
    output = run.stdout + run.stderr
    assert run.returncode != 0, output[-3000:]
    assert "refusing to trust it" in output, output[-3000:]
    assert workers[0].check_output("sha256sum /etc/kubernetes/pki/ca.crt /etc/kubernetes/kubelet.conf") == before
