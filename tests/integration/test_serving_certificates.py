"""Kubelet serving certificates (control_plane_kubelet_serving_certificates=true) on the lab:
a worker joined from scratch and one joined already get serving certificates from the cluster
CA (their kubernetes.io/kubelet-serving CSRs approved by the collection's policy), kube-apiserver
verifies kubelets (--kubelet-certificate-authority) and kubectl logs/exec still work; CSRs forged
with a worker's own node identity (its kubelet client certificate) for another node's IP or an
extra name are denied by the control plane's approver timer with the reason in the condition;
the flag is refused, naming the node, while a kubelet serves a self-signed certificate.

The module's fixture leaves the lab as the default join does (serving_certificates_absent.yml).
The two tests marked slow run only with HWLAB_SLOW_TESTS=1 (as test_serving_renewal.py)."""

import base64
import json
import os
import textwrap
import time

import pytest

from conftest import ansible_playbook, join

SERVING = {"control_plane_kubelet_serving_certificates": True}
FLAG = "--kubelet-certificate-authority"
DROPIN = "/var/lib/kubelet/config.d/75-serving-certificate.conf"
APPROVER = "hardway-kubelet-serving-csr-approver.service"
POD_NAME = "serving-cert-check"
# the tests that run the join two or three more times (about 2 minutes each on the 2-core CI
# machine) run only with HWLAB_SLOW_TESTS=1; `make test` runs the others
slow = pytest.mark.skipif(os.environ.get("HWLAB_SLOW_TESTS") != "1",
                          reason="runs the join 2-3 more times (~2 min): HWLAB_SLOW_TESTS=1 runs it")


def _running_flag(cp):
    return FLAG in cp.check_output("ps -o args= -C kube-apiserver")


def _serving_csrs(kubectl, node):
    return [c for c in kubectl.json("get", "csr")["items"]
            if c["spec"]["signerName"] == "kubernetes.io/kubelet-serving"
            and c["spec"]["username"] == "system:node:%s" % node]


@pytest.fixture(scope="module")
def serving(reset_module, cp):
    """A worker reset and joined again from scratch, the others joined already: every one with
    serving certificates, kube-apiserver verifying kubelets. Undone afterwards."""
    fresh = reset_module()
    run = join(SERVING)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    yield dict(fresh=fresh, run=run)
    undo = ansible_playbook("tests/integration/playbooks/serving_certificates_absent.yml")
    assert undo.returncode == 0, undo.stdout[-3000:] + undo.stderr[-2000:]
    assert not _running_flag(cp)


@pytest.fixture(scope="module")
def reset_module(inventory):
    worker = inventory["workers"][0]

    def _reset():
        run = ansible_playbook("tests/integration/playbooks/reset_worker.yml", "-e",
                               json.dumps({"reset_hosts": worker}))
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
        return worker
    return _reset


def test_serving_csrs_issued_and_kube_apiserver_verifies_kubelets(serving, kubectl, cp, workers, worker_names):
    assert _running_flag(cp)
    fresh_recap = [line for line in serving["run"].stdout.split("PLAY RECAP")[-1].splitlines()
                   if line.startswith(serving["fresh"] + " ")]
    assert fresh_recap and "changed=0" not in fresh_recap[0], fresh_recap
    for host, name in zip(workers, worker_names):
        assert host.file(DROPIN).contains("^serverTLSBootstrap: true")
        issued = [c for c in _serving_csrs(kubectl, name)
                  if [k["type"] for k in c["status"].get("conditions", [])] == ["Approved"] and c["status"].get("certificate")]
        assert issued, "no Approved,Issued serving CSR of %s" % name
        message = issued[-1]["status"]["conditions"][0]["message"]
        assert message.startswith("serving certificate of inventory worker %s for " % name), message
        # the kubelet serves it: verified against the cluster CA for the name kube-apiserver dials
        cp.check_output("openssl s_client -connect %s:10250 -CAfile /etc/kubernetes/pki/ca.crt -verify_return_error "
                        "-verify_hostname %s </dev/null" % (name, name))
        # and kube-apiserver, which now verifies it, reaches the kubelet
        result = kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/healthz" % name)
        assert result.rc == 0 and result.stdout.strip() == "ok", result.stderr
    # a second run changes nothing
    again = join(SERVING)
    assert again.returncode == 0, again.stdout[-3000:]
    recap = again.stdout.split("PLAY RECAP")[-1]
    # every host of the recap (the control plane, the workers, and localhost of the join report)
    hosts = [line for line in recap.splitlines() if " : ok=" in line]
    assert len(hosts) >= len(worker_names) + 1 and all("changed=0 " in line for line in hosts), recap


def test_kubectl_logs_and_exec_with_kubelet_verification(serving, kubectl, cp, worker_names):
    assert _running_flag(cp)
    pods = []
    try:
        for name in worker_names:
            pod = "%s-%s" % (POD_NAME, name)
            manifest = {
                "apiVersion": "v1", "kind": "Pod", "metadata": {"name": pod},
                "spec": {"nodeName": name, "hostNetwork": True, "terminationGracePeriodSeconds": 1,
                         "containers": [{"name": "c", "image": "localhost/hwlab/httpd:1.0", "imagePullPolicy": "Never",
                                         "command": ["/bin/sh", "-c", "echo logged-on-$(hostname); exec sleep 3600"]}]}}
            cp.check_output("echo %s | kubectl --kubeconfig=/etc/kubernetes/admin.conf apply -f -",
                            json.dumps(manifest))
            pods.append(pod)
        for pod, name in zip(pods, worker_names):
            assert kubectl.wait(lambda: kubectl.json("get", "pod", pod)["status"].get("phase") == "Running", timeout=120), \
                kubectl.run("describe", "pod", pod).stdout[-2000:]
            logs = kubectl.wait(lambda: "logged-on-" in kubectl.run("logs", pod).stdout and kubectl.run("logs", pod), 30)
            assert logs and logs.stdout.strip() == "logged-on-%s" % name, kubectl.run("logs", pod).stderr
            out = kubectl.run("exec", pod, "--", "/bin/sh", "-c", "echo exec-on-$(hostname)")
            assert out.rc == 0 and out.stdout.strip() == "exec-on-%s" % name, out.stderr
    finally:
        for pod in pods:
            kubectl.run("delete", "pod", pod, "--ignore-not-found", "--wait=false")


FORGE = textwrap.dedent("""
    import sys
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress
    node, dns, ips = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
    key = ec.generate_private_key(ec.SECP256R1())
    san = [x509.DNSName(d) for d in dns if d] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips if i]
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:nodes"),
                                    x509.NameAttribute(NameOID.COMMON_NAME, "system:node:" + node)]))
           .add_extension(x509.SubjectAlternativeName(san), critical=False)
           .sign(key, hashes.SHA256()))
    sys.stdout.write(csr.public_bytes(serialization.Encoding.PEM).decode())
    """)


def _submit_as_node(cp, workers, worker_names, csr_name, dns, ips):
    """A serving CSR made on the control plane host, submitted with the first worker's own node
    identity (its kubelet client certificate), as a compromised worker could."""
    client = workers[0].check_output("cat /var/lib/kubelet/pki/kubelet-client-current.pem")
    cp.check_output("install -d -m 0700 /root/forge && umask 077 && printf '%%s\\n' %s > /root/forge/client.pem",
                    client)
    pem = cp.check_output("python3 -c %s %s %s %s", FORGE, worker_names[0], ",".join(dns), ",".join(ips))
    body = {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest", "metadata": {"name": csr_name},
            "spec": {"request": base64.b64encode(pem.encode() + b"\n").decode(), "signerName": "kubernetes.io/kubelet-serving",
                     "usages": ["digital signature", "server auth"]}}
    server = cp.check_output("kubectl --kubeconfig=/etc/kubernetes/admin.conf config view --minify "
                             "-o jsonpath='{.clusters[0].cluster.server}'")
    cp.check_output("echo %s | kubectl --kubeconfig=/dev/null --server=%s --certificate-authority=/etc/kubernetes/pki/ca.crt "
                    "--client-certificate=/root/forge/client.pem --client-key=/root/forge/client.pem create -f -",
                    json.dumps(body), server)


def test_forged_serving_csrs_are_denied_with_their_reason(serving, kubectl, cp, workers, worker_names, worker_ips):
    me = worker_names[0]
    # another node's address: the second worker's, or the control plane's in a one-worker lab
    other_ip = worker_ips[worker_names[1]] if len(worker_names) > 1 else \
        cp.check_output("kubectl --kubeconfig=/etc/kubernetes/admin.conf config view --minify "
                        "-o jsonpath='{.clusters[0].cluster.server}'").split("//")[1].rsplit(":", 1)[0]
    cases = {
        "forged-other-ip": ([me], [other_ip], "IP SAN %s is not an address of node %s" % (other_ip, me)),
        "forged-extra-san": ([me, "kubernetes.default.svc"], [worker_ips[me]],
                             "DNS SAN kubernetes.default.svc is not a name of node %s" % me),
        # the positive control: made the same way, only the node's own name and address
        "forged-own-names": ([me], [worker_ips[me]], None),
    }
    try:
        for name, (dns, ips, _denial) in cases.items():
            _submit_as_node(cp, workers, worker_names, name, dns, ips)
        # between playbook runs: the control plane's timer runs the approver (here started at once)
        cp.check_output("systemctl start %s" % APPROVER)
        for name, (_dns, _ips, denial) in cases.items():
            csr = kubectl.json("get", "csr", name)
            assert csr["spec"]["username"] == "system:node:%s" % me
            conditions = csr["status"].get("conditions", [])
            assert len(conditions) == 1, conditions
            if denial:
                assert conditions[0]["type"] == "Denied", conditions
                assert denial in conditions[0]["message"], conditions
                assert conditions[0]["reason"] == "HardwayNodejoinServingPolicyDenied"
            else:
                assert conditions[0]["type"] == "Approved", conditions
        journal = cp.check_output("journalctl -u %s -n 20 --no-pager -o cat" % APPROVER)
        assert '"name": "forged-other-ip"' in journal and '"result": "denied"' in journal
        # the timer decided as its own user, which may do nothing else
        settings = json.loads(cp.check_output("cat /etc/hardway-nodejoin/kubelet-serving-csr-approver.json"))
        assert settings["client_cert"] and settings["client_key"]
        user = "hardway-nodejoin:kubelet-serving-csr-approver"
        assert kubectl.run("auth", "can-i", "list", "certificatesigningrequests", "--as", user).stdout.strip() == "yes"
        for verb, resource in (("create", "pods"), ("get", "secrets"), ("delete", "nodes"),
                               ("create", "certificatesigningrequests")):
            assert kubectl.run("auth", "can-i", verb, resource, "--as", user).stdout.strip() == "no", (verb, resource)
    finally:
        kubectl.run("delete", "csr", *cases.keys(), "--ignore-not-found")
        cp.run("rm -rf /root/forge")


@slow
def test_flag_refused_while_a_kubelet_serves_self_signed(serving, kubectl, cp, workers, worker_names):
    victim, host = worker_names[-1], workers[-1]
    host.check_output("rm -f %s /var/lib/kubelet/pki/kubelet-server-* && systemctl restart kubelet" % DROPIN)
    # with the flag on, kube-apiserver no longer reaches that kubelet (it serves a self-signed certificate)
    failed = kubectl.wait(lambda: kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/healthz" % victim).rc != 0, 60)
    assert failed
    result = kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/healthz" % victim)
    assert "x509" in result.stderr or "certificate" in result.stderr, result.stderr
    # off again: the control plane's part of the join refuses to turn it on, naming that node
    off = ansible_playbook("tests/integration/playbooks/apiserver_flag_absent.yml", "-e", json.dumps({"absent_flags": [FLAG]}))
    assert off.returncode == 0, off.stdout[-3000:]
    unit_before = cp.check_output("sha256sum /etc/systemd/system/kube-apiserver.service")
    refused = join(dict(SERVING, control_plane_kubelet_serving_timeout=10), "--tags", "control_plane")
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output[-3000:]
    assert "the kubelet of %s serves no certificate kube-apiserver could verify" % victim in output, output[-3000:]
    assert not _running_flag(cp)
    assert cp.check_output("sha256sum /etc/systemd/system/kube-apiserver.service") == unit_before
    # the whole join gives that worker its serving certificate back, then turns the flag on
    time.sleep(1)
    again = join(SERVING)
    assert again.returncode == 0, again.stdout[-4000:]
    assert _running_flag(cp)
    result = kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/healthz" % victim)
    assert result.rc == 0 and result.stdout.strip() == "ok", result.stderr


@slow
def test_a_worker_joins_while_kube_apiserver_verifies_kubelets_and_a_denied_serving_csr_rolls_it_back(
        serving, reset_module, kubectl, cp, worker_names, worker_ips, workers):
    assert _running_flag(cp)
    if len(worker_names) < 2:
        pytest.skip("needs a second worker whose address the first one's serving CSR could claim")
    me, host = reset_module(), workers[0]
    before = host.check_output("ls /var/lib/kubelet/config.d")
    # the inventory gives the second worker the first one's address: its serving CSR names an
    # address of another node, is denied, and the join is rolled back with the reason
    claimed = {"control_plane_serving_csr_nodes": {worker_names[1]: [worker_ips[me]]}}
    denied = join(dict(SERVING, **claimed))
    output = denied.stdout + denied.stderr
    assert denied.returncode != 0, output[-3000:]
    assert "IP SAN %s is not an address of node %s (another node's address)" % (worker_ips[me], me) in output, output[-4000:]
    assert host.check_output("ls /var/lib/kubelet/config.d") == before
    assert not host.file(DROPIN).exists and not host.file("/etc/kubernetes/kubelet.conf").exists
    assert kubectl.run("get", "node", me).rc != 0
    # with the inventory right, it joins while kube-apiserver verifies kubelets, and is reachable
    joined = join(SERVING)
    assert joined.returncode == 0, joined.stdout[-4000:]
    result = kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/healthz" % me)
    assert result.rc == 0 and result.stdout.strip() == "ok", result.stderr
