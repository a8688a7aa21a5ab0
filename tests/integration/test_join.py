"""The join, checked on the lab's machines and through its API server."""

import base64
import json
import re

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

pytestmark = pytest.mark.usefixtures("joined")


def _csr_cn(csr):
    request = x509.load_pem_x509_csr(base64.b64decode(csr["spec"]["request"]))
    return request.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def _ready(node):
    return next((c for c in node["status"].get("conditions", []) if c["type"] == "Ready"), {})


def test_every_worker_is_a_node(kubectl, worker_names):
    nodes = {n["metadata"]["name"]: n for n in kubectl.json("get", "nodes")["items"]}
    for name in worker_names:
        assert name in nodes, "Node %s is not registered (nodes: %s)" % (name, sorted(nodes))


def test_node_client_csr_approved_and_issued_by_bootstrap_token(kubectl, worker_names):
    csrs = kubectl.json("get", "csr")["items"]
    for name in worker_names:
        # the TLS bootstrap's CSR (renewals, e.g. by test_rotation.py, are the Node's own)
        mine = [c for c in csrs if c["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client-kubelet"
                and _csr_cn(c) == "system:node:%s" % name and not c["spec"]["username"].startswith("system:node:")]
        assert mine, "no kubelet client CSR for system:node:%s" % name
        csr = max(mine, key=lambda c: c["metadata"]["creationTimestamp"])
        assert csr["spec"]["username"].startswith("system:bootstrap:"), csr["spec"]["username"]
        token_id = csr["spec"]["username"].split(":")[-1]
        assert len(token_id) == 6
        conditions = {c["type"]: c["status"] for c in csr["status"].get("conditions", [])}
        assert conditions.get("Approved") == "True", conditions
        assert csr["status"].get("certificate"), "CSR %s has no issued certificate" % csr["metadata"]["name"]


def test_node_turns_ready_with_the_loopback_cni(kubectl, worker_names):
    for name in worker_names:
        ok = kubectl.wait(lambda: _ready(kubectl.json("get", "node", name)).get("status") == "True", timeout=90)
        assert ok, "Node %s not Ready: %s" % (name, _ready(kubectl.json("get", "node", name)))


def test_kubelet_and_containerd_agree_on_the_cgroup_driver(kubectl, inventory, workers):
    """The kubelet's running configuration (its /configz, through the API server) uses the
    cgroup driver that containerd's runc runtime uses (``SystemdCgroup``), as the kubelet
    docs require ("Configuring a cgroup driver"). On a cgroup v2 machine (the QEMU VMs) that
    is ``systemd``, with the kubelet's cgroup v1 guard (``failCgroupV1``) left on."""
    for name, host in zip(inventory["workers"], workers):
        result = kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/configz" % name)
        assert result.rc == 0, result.stderr
        config = json.loads(result.stdout)["kubeletconfig"]
        runc = re.findall(r"SystemdCgroup = (true|false)", host.check_output("containerd config dump"))
        assert runc and set(runc) == {runc[0]}, runc
        expected = "systemd" if runc[0] == "true" else "cgroupfs"
        assert config["cgroupDriver"] == expected, (name, config["cgroupDriver"], runc)
        if host.check_output("findmnt -no FSTYPE /sys/fs/cgroup") == "cgroup2":
            assert config["cgroupDriver"] == "systemd", name
            assert config.get("failCgroupV1") is not False, name


def test_worker_files(workers):
    for host in workers:
        kubelet_conf = host.file("/etc/kubernetes/kubelet.conf")
        assert kubelet_conf.exists, "kubelet did not write its kubeconfig on %s" % host.backend.hostname
        # the token's file is gone once the kubelet has its own credentials (as kubeadm does)
        assert not host.file("/etc/kubernetes/bootstrap-kubelet.conf").exists
        assert host.file("/etc/kubernetes/pki/ca.crt").exists
        authnz = host.file("/var/lib/kubelet/config.d/70-authnz.conf")
        assert authnz.contains("clientCAFile: /etc/kubernetes/pki/ca.crt")
        unit = host.file("/etc/systemd/system/kubelet.service").content_string
        for flag in ("--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
                     "--kubeconfig=/etc/kubernetes/kubelet.conf", "--config-dir /var/lib/kubelet/config.d/"):
            assert flag in unit
        assert host.service("kubelet").is_running


def test_apiserver_unit_and_kubelet_client_certificate(cp):
    unit = cp.file("/etc/systemd/system/kube-apiserver.service").content_string
    for flag in ("--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
                 "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
                 "--enable-bootstrap-token-auth=true"):
        assert flag in unit
    # still a hand-written multi-line unit
    assert "kube-apiserver \\\n" in unit
    verify = cp.run("openssl verify -CAfile /etc/kubernetes/pki/ca.crt /etc/kubernetes/pki/apiserver-kubelet-client.crt")
    assert verify.rc == 0 and verify.stdout.strip().endswith("OK"), verify.stdout + verify.stderr
    subject = cp.check_output("openssl x509 -noout -subject -nameopt RFC2253 -in /etc/kubernetes/pki/apiserver-kubelet-client.crt")
    # no superuser group (control_plane_kubelet_client_organizations: []): the kubelet API is
    # allowed through RBAC (tests/integration/test_kubelet_client.py)
    assert subject == "subject=CN=kube-apiserver-kubelet-client", subject
    assert cp.file("/etc/kubernetes/pki/apiserver-kubelet-client.key").mode == 0o600


def test_bootstrap_rbac(kubectl):
    bindings = {b["metadata"]["name"]: b for b in kubectl.json("get", "clusterrolebindings")["items"]}
    expected = {
        "kubelet-bootstrap": ("system:node-bootstrapper", "system:bootstrappers:hardway-nodejoin"),
        "node-autoapprove-bootstrap": ("system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                                       "system:bootstrappers:hardway-nodejoin"),
        "node-autoapprove-certificate-rotation": (
            "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", "system:nodes"),
    }
    for name, (role, group) in expected.items():
        assert name in bindings, name
        assert bindings[name]["roleRef"]["name"] == role
        assert [s["name"] for s in bindings[name]["subjects"]] == [group]


@pytest.mark.parametrize("group,verb,resource,expected", [
    ("system:bootstrappers:hardway-nodejoin", "create", "certificatesigningrequests.certificates.k8s.io", "yes"),
    ("system:bootstrappers:hardway-nodejoin", "list", "secrets", "no"),
    ("system:bootstrappers:hardway-nodejoin", "get", "nodes", "no"),
    # a bootstrap token of another group (made by another tool) cannot bootstrap through our bindings
    ("system:bootstrappers:other", "create", "certificatesigningrequests.certificates.k8s.io", "no"),
])
def test_bootstrap_identity_is_least_privilege(kubectl, group, verb, resource, expected):
    result = kubectl.run("auth", "can-i", verb, resource, "--as=system:bootstrap:abcdef",
                         "--as-group=system:bootstrappers", "--as-group=" + group)
    assert result.stdout.strip() == expected, (group, verb, resource, result.stdout, result.stderr)


def test_kubelet_api_refuses_anonymous(cp, worker_ips):
    for name, ip in worker_ips.items():
        code = cp.check_output("curl -sk -o /dev/null -w '%%{http_code}' https://%s:10250/pods" % ip)
        assert code == "401", "anonymous request to %s's kubelet got HTTP %s" % (name, code)


def test_apiserver_reaches_kubelet_with_its_client_certificate(kubectl, worker_names):
    for name in worker_names:
        result = kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/healthz" % name)
        assert result.rc == 0 and result.stdout.strip() == "ok", result.stdout + result.stderr


def test_kubelet_runs_with_the_api_settings_written(kubectl, worker_names, cp, worker_ips):
    """The running kubelet (its configz) has Webhook authorization, no anonymous access,
    client certificate rotation, and no read-only port: nothing answers on 10255."""
    for name in worker_names:
        result = kubectl.run("get", "--raw", "/api/v1/nodes/%s/proxy/configz" % name)
        assert result.rc == 0, result.stderr
        config = json.loads(result.stdout)["kubeletconfig"]
        assert config["authentication"]["anonymous"]["enabled"] is False
        assert config["authentication"]["webhook"]["enabled"] is True
        assert config["authorization"]["mode"] == "Webhook"
        assert config["rotateCertificates"] is True
        assert config.get("readOnlyPort", 0) == 0
        probe = cp.run("curl -s -m 3 -o /dev/null -w '%%{http_code}' http://%s:10255/pods", worker_ips[name])
        assert probe.rc != 0 and probe.stdout in ("", "000"), (probe.rc, probe.stdout)


def test_no_token_of_the_join_remains(kubectl, worker_names):
    """The token a worker joined with is deleted once its CSR is Approved,Issued (short-lived,
    made for the run): the API server no longer knows it, so replaying it gets 401."""
    csrs = kubectl.json("get", "csr")["items"]
    for name in worker_names:
        mine = [c for c in csrs if c["spec"]["signerName"] == "kubernetes.io/kube-apiserver-client-kubelet"
                and _csr_cn(c) == "system:node:%s" % name and c["spec"]["username"].startswith("system:bootstrap:")]
        assert mine, name
        newest = max(mine, key=lambda c: c["metadata"]["creationTimestamp"])
        token_id = newest["spec"]["username"].split(":")[-1]
        gone = kubectl.run("get", "secret", "-n", "kube-system", "bootstrap-token-" + token_id)
        assert gone.rc != 0 and "NotFound" in gone.stderr, (name, token_id, gone.stdout)
