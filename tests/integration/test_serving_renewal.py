"""Kubelet serving certificate renewal without a human: kube-controller-manager signs for 2
minutes only (--cluster-signing-duration=2m), a worker joins with serving certificates, and,
with no playbook running, its kubelet's renewal CSR (at 70-90 % of the certificate's life) is
approved by the control plane's approver timer and the kubelet serves the new certificate,
which kube-apiserver (--kubelet-certificate-authority) verifies.

Slow (about 5 minutes: it waits for a real renewal), so it runs only when HWLAB_SLOW_TESTS=1;
`make test` leaves it out. The fixture puts the lab back as the default join leaves it."""

import base64
import json
import os
import pytest
from cryptography import x509

from conftest import ansible_playbook, join, run_ansible

pytestmark = pytest.mark.skipif(os.environ.get("HWLAB_SLOW_TESTS") != "1",
                                reason="waits for a real certificate renewal (~5 min): HWLAB_SLOW_TESTS=1 runs it")

DURATION = "--cluster-signing-duration"
KCM_UNIT = "/etc/systemd/system/kube-controller-manager.service"


def _kcm_flags():
    return {"--cluster-signing-cert-file": "/etc/kubernetes/pki/ca.crt",
            "--cluster-signing-key-file": "/etc/kubernetes/pki/ca.key", DURATION: "2m"}


def _issued(kubectl, node):
    return [c for c in kubectl.json("get", "csr")["items"]
            if c["spec"]["signerName"] == "kubernetes.io/kubelet-serving" and c["spec"]["username"] == "system:node:" + node
            and c["status"].get("certificate") and [k["type"] for k in c["status"].get("conditions", [])] == ["Approved"]]


@pytest.fixture(scope="module")
def short_lived(inventory, cp):
    worker = inventory["workers"][0]
    reset = ansible_playbook("tests/integration/playbooks/reset_worker.yml", "-e", json.dumps({"reset_hosts": worker}))
    assert reset.returncode == 0, reset.stdout[-3000:]
    run = join({"control_plane_kubelet_serving_certificates": True, "control_plane_serving_csr_approver_interval": 15,
                "control_plane_controller_manager_flags": _kcm_flags()})
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    yield worker
    off = run_ansible("ansible", "control_plane", "-m", "hardway.nodejoin.systemd_unit_flags", "-a",
                      json.dumps({"path": KCM_UNIT, "flags": {DURATION: ""}, "state": "absent"}))
    assert off.returncode == 0, off.stdout[-2000:]
    cp.check_output("systemctl daemon-reload && systemctl restart kube-controller-manager")
    undo = ansible_playbook("tests/integration/playbooks/serving_certificates_absent.yml")
    assert undo.returncode == 0, undo.stdout[-3000:] + undo.stderr[-2000:]


def test_serving_certificate_renewal_is_approved_by_the_timer(short_lived, kubectl, cp):
    node = short_lived
    first = _issued(kubectl, node)
    assert first, "the join left no issued serving CSR of %s" % node
    seen = set(c["metadata"]["name"] for c in first)
    # the certificate lives 2 minutes: the kubelet asks again after 84-108 s, and only the timer answers
    renewed = kubectl.wait(lambda: [c for c in _issued(kubectl, node) if c["metadata"]["name"] not in seen],
                           timeout=300, interval=5)
    assert renewed, "no renewal of %s's serving certificate approved: %s" % (
        node, cp.check_output("journalctl -u hardway-kubelet-serving-csr-approver -n 20 --no-pager -o cat"))
    condition = renewed[-1]["status"]["conditions"][0]
    assert condition["reason"] == "HardwayNodejoinServingPolicy", condition
    journal = cp.check_output("journalctl -u hardway-kubelet-serving-csr-approver --no-pager -o cat")
    assert '"name": "%s"' % renewed[-1]["metadata"]["name"] in journal

    # the kubelet serves a renewed certificate (2 minutes of life: maybe already the next one), and
    # kube-apiserver, which verifies it, still reaches the kubelet
    def renewed_serials():
        return set(x509.load_pem_x509_certificate(base64.b64decode(c["status"]["certificate"])).serial_number
                   for c in _issued(kubectl, node) if c["metadata"]["name"] not in seen)

    def served_serial():
        pem = cp.check_output("openssl s_client -connect %s:10250 -CAfile /etc/kubernetes/pki/ca.crt "
                              "-verify_return_error </dev/null 2>/dev/null | openssl x509", node)
        return x509.load_pem_x509_certificate(pem.encode()).serial_number
    assert kubectl.wait(lambda: served_serial() in renewed_serials(), timeout=60, interval=2)
    result = kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/healthz" % node)
    assert result.rc == 0 and result.stdout.strip() == "ok", result.stderr
