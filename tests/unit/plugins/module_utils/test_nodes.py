# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_nodes.py (Node/CSR interpretation) and of the node_join_wait module
over a fake API. CSRs are real ones, made with cryptography (the subject is what the kubelet
puts in: CN system:node:<name>, O system:nodes) and read back with the openssl CLI too."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import shutil
import subprocess

import pytest

pytest.importorskip("kubernetes")

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from ansible_collections.hardway.nodejoin.plugins.module_utils import _nodes  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.modules import node_join_wait  # noqa: E402
from ansible_collections.hardway.nodejoin.tests.unit.helpers import (  # noqa: E402
    FakeApi, api_error, fake_kube, items, run_module)

KEY = ec.generate_private_key(ec.SECP256R1())


def csr_pem(cn, org="system:nodes"):
    names = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)]
    if cn is not None:
        names.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(names)).sign(KEY, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


def csr(name, node="worker1", user="system:bootstrap:abcdef", signer=_nodes.KUBELET_CLIENT_SIGNER,
        created="2026-11-29T10:00:00Z", conditions=(), certificate=None):
    status = {}
    if conditions:
        status["conditions"] = [{"type": c, "status": "True", "lastUpdateTime": "2026-11-29T10:00:02Z"}
                                for c in conditions]
    if certificate:
        status["certificate"] = certificate
    return {"metadata": {"name": name, "creationTimestamp": created},
            "spec": {"signerName": signer, "username": user,
                     "request": base64.b64encode(csr_pem("system:node:%s" % node)).decode()},
            "status": status}


def node(name="worker1", ready="True", reason="KubeletReady", message="kubelet is posting ready status"):
    conditions = [{"type": "MemoryPressure", "status": "False"}]
    if ready is not None:
        conditions.append({"type": "Ready", "status": ready, "reason": reason, "message": message,
                           "lastTransitionTime": "2026-11-29T10:00:05Z"})
    return {"metadata": {"name": name, "creationTimestamp": "2026-11-29T10:00:03Z"},
            "status": {"conditions": conditions, "nodeInfo": {"kubeletVersion": "v1.36.3"},
                       "addresses": [{"type": "Hostname", "address": name},
                                     {"type": "InternalIP", "address": "10.77.0.11"}]}}


# --- pure functions -------------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
def test_csr_common_name_agrees_with_openssl():
    pem = csr_pem("system:node:worker1")
    subject = subprocess.run(["openssl", "req", "-noout", "-subject"], input=pem, stdout=subprocess.PIPE,
                             check=True).stdout.decode()
    assert "CN = system:node:worker1" in subject or "CN=system:node:worker1" in subject
    assert _nodes.csr_common_name(pem) == "system:node:worker1"
    assert _nodes.csr_common_name(base64.b64encode(pem).decode()) == "system:node:worker1"


def test_csr_common_name_of_garbage_or_no_cn_is_none():
    assert _nodes.csr_common_name(b"not a csr") is None
    assert _nodes.csr_common_name("%%%") is None
    assert _nodes.csr_common_name(csr_pem(None)) is None


@pytest.mark.parametrize("conditions, certificate, expected", [
    ((), None, "Pending"),
    (("Approved",), None, "Approved"),
    (("Approved",), "LS0t", "Approved,Issued"),
    (("Denied",), None, "Denied"),
    (("Approved", "Failed"), None, "Approved,Failed"),
])
def test_csr_condition_as_kubectl_prints_it(conditions, certificate, expected):
    assert _nodes.csr_condition(csr("c", conditions=conditions, certificate=certificate)) == expected


def test_find_bootstrap_csr_picks_the_newest_matching_one():
    candidates = [
        csr("old", created="2026-11-29T09:00:00Z"),
        csr("newest", created="2026-11-29T11:00:00Z"),
        csr("other-node", node="worker2", created="2026-11-29T12:00:00Z"),
        csr("serving", signer="kubernetes.io/kubelet-serving", created="2026-11-29T12:00:00Z"),
        csr("not-bootstrap", user="system:node:worker1", created="2026-11-29T12:00:00Z"),
        csr("other-token", user="system:bootstrap:zzzzzz", created="2026-11-29T12:30:00Z"),
    ]
    assert _nodes.find_bootstrap_csr(candidates, "worker1", "abcdef")["metadata"]["name"] == "newest"
    # without a token-id any bootstrap token's CSR counts
    assert _nodes.find_bootstrap_csr(candidates, "worker1")["metadata"]["name"] == "other-token"
    assert _nodes.find_bootstrap_csr(candidates, "worker3") is None
    assert _nodes.find_bootstrap_csr([], "worker1") is None


def test_summaries():
    summary = _nodes.csr_summary(csr("csr-1", conditions=("Approved",), certificate="LS0t"))
    assert summary == dict(name="csr-1", username="system:bootstrap:abcdef", condition="Approved,Issued",
                           signer_name=_nodes.KUBELET_CLIENT_SIGNER, created="2026-11-29T10:00:00Z",
                           approved="2026-11-29T10:00:02Z")
    assert _nodes.csr_summary(csr("csr-2"))["approved"] is None
    assert _nodes.csr_summary(None) is None and _nodes.node_summary(None) is None
    assert _nodes.node_summary(node(ready="False", reason="KubeletNotReady", message="cni plugin not initialized")) \
        == dict(name="worker1", ready="False", ready_reason="KubeletNotReady",
                ready_message="cni plugin not initialized", kubelet_version="v1.36.3", internal_ip="10.77.0.11",
                registered="2026-11-29T10:00:03Z", ready_since="2026-11-29T10:00:05Z")
    assert _nodes.node_summary(node(ready=None))["ready"] == "Unknown"
    assert _nodes.node_summary(node(ready=None))["ready_since"] is None


def test_joined_and_missing():
    done = _nodes.csr_summary(csr("c", conditions=("Approved",), certificate="LS0t"))
    pending = _nodes.csr_summary(csr("c"))
    ready = _nodes.node_summary(node())
    not_ready = _nodes.node_summary(node(ready="False", message="cni plugin not initialized"))
    assert _nodes.joined(ready, done) and _nodes.missing(ready, done, "worker1") == []
    assert _nodes.joined(not_ready, done) and not _nodes.joined(not_ready, done, wait_for_ready=True)
    assert _nodes.missing(not_ready, done, "worker1", wait_for_ready=True) == [
        "Node is not Ready: cni plugin not initialized"]
    assert not _nodes.joined(ready, pending) and _nodes.joined(ready, pending, require_csr=False)
    assert not _nodes.joined(None, done)
    assert _nodes.missing(None, None, "worker1", "abcdef") == [
        "Node worker1 is not registered", "no bootstrap CSR for system:node:worker1 from system:bootstrap:abcdef"]
    assert "kubectl certificate approve c" in _nodes.missing(ready, pending, "worker1")[0]
    assert _nodes.missing(ready, None, "worker1", require_csr=False) == []


def test_csr_failure():
    assert _nodes.csr_failure(None, "worker1") is None
    assert _nodes.csr_failure(_nodes.csr_summary(csr("c")), "worker1") is None
    message = _nodes.csr_failure(_nodes.csr_summary(csr("c", conditions=("Denied",))), "worker1")
    assert message.startswith("CSR c of worker1 was Denied") and "kubectl describe csr c" in message


# --- the module over a fake API ---------------------------------------------------------------

ARGS = dict(node_name="worker1", token_id="abcdef", timeout=2, poll_interval=0.01, request_timeout=7)


def test_module_waits_until_registered_and_issued(monkeypatch, capsys):
    api = FakeApi(dict(
        list_certificate_signing_request=[items(), items(csr("c")),
                                          items(csr("c", conditions=("Approved",), certificate="LS0t"))],
        read_node=[api_error(404, "Not Found"), node()],
    ))
    fake_kube(monkeypatch, api)
    result = run_module(node_join_wait.main, ARGS, monkeypatch, capsys)
    assert result["changed"] is False and "failed" not in result, result
    assert result["csr"]["condition"] == "Approved,Issued" and result["node"]["ready"] == "True"
    assert [name for name, _a, _k in api.calls].count("read_node") == 3
    # every request carries the module's request_timeout
    assert set(api.timeouts()) == {7}


def test_module_fails_at_once_on_a_denied_csr(monkeypatch, capsys):
    api = FakeApi(dict(list_certificate_signing_request=[items(csr("c", conditions=("Denied",)))],
                       read_node=[node()]))
    fake_kube(monkeypatch, api)
    result = run_module(node_join_wait.main, dict(ARGS, timeout=60), monkeypatch, capsys)
    assert result["failed"] is True and "CSR c of worker1 was Denied" in result["msg"]
    assert len(api.calls) == 1


def test_module_timeout_says_what_is_missing(monkeypatch, capsys):
    api = FakeApi(dict(list_certificate_signing_request=[items(csr("c"))], read_node=[node(ready="False")]))
    fake_kube(monkeypatch, api)
    result = run_module(node_join_wait.main, dict(ARGS, timeout=0, wait_for_ready=True), monkeypatch, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("after 0s: CSR c is Pending")
    assert "Node is not Ready" in result["msg"] and "journalctl -u kubelet" in result["msg"]
    assert result["csr"]["name"] == "c" and result["node"]["ready"] == "False"


def test_module_api_error_is_reported(monkeypatch, capsys):
    api = FakeApi(dict(list_certificate_signing_request=[api_error(403, "Forbidden", "csr is forbidden")]))
    fake_kube(monkeypatch, api)
    result = run_module(node_join_wait.main, ARGS, monkeypatch, capsys)
    assert result["failed"] is True and "forbidden by the API server" in result["msg"]
    assert "csr is forbidden" in result["msg"]


# --- node_csrs: what a removed or replaced node leaves behind ---------------------------------

def test_node_csrs_finds_bootstrap_renewal_and_serving_csrs_of_the_node_only():
    csrs = [
        csr("boot", node="worker1"),                                           # bootstrap: CN system:node:worker1
        csr("renew", node="worker1", user="system:node:worker1"),              # rotation, requested as the node
        csr("serving", node="worker1", user="system:node:worker1", signer="kubernetes.io/kubelet-serving"),
        csr("other-node", node="worker2"),
        csr("worker10", node="worker10"),                                      # a prefix is no match
        csr("other-signer", node="worker1", signer="example.com/custom"),
        {"metadata": {"name": "broken"}, "spec": {"signerName": _nodes.KUBELET_CLIENT_SIGNER, "request": "!!"}},
    ]
    assert _nodes.node_csrs(csrs, "worker1") == ["boot", "renew", "serving"]
    assert _nodes.node_csrs([], "worker1") == [] and _nodes.node_csrs(None, "worker1") == []


def test_module_waits_for_the_configz_too(monkeypatch, capsys):
    from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube

    answers = [(503, "no route to the kubelet yet"), (200, '{"kubeletconfig": {"readOnlyPort": 0}}')]
    seen = []

    def get_raw(_client, path, timeout):
        seen.append(path)
        return answers.pop(0)

    monkeypatch.setattr(_kube, "get_raw", get_raw)
    done = items(csr("c", conditions=("Approved",), certificate="LS0t"))
    fake_kube(monkeypatch, FakeApi(dict(list_certificate_signing_request=[done, done], read_node=[node(), node()])))
    result = run_module(node_join_wait.main, dict(ARGS, configz=True), monkeypatch, capsys)
    assert "failed" not in result and result["configz"] == {"readOnlyPort": 0}, result
    assert seen == ["/api/v1/nodes/worker1/proxy/configz"] * 2


def test_module_configz_timeout_says_why(monkeypatch, capsys):
    from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube

    monkeypatch.setattr(_kube, "get_raw", lambda _client, path, timeout: (400, "lookup worker1: no such host"))
    done = items(csr("c", conditions=("Approved",), certificate="LS0t"))
    fake_kube(monkeypatch, FakeApi(dict(list_certificate_signing_request=[done], read_node=[node()])))
    result = run_module(node_join_wait.main, dict(ARGS, timeout=0, configz=True), monkeypatch, capsys)
    assert result["failed"] is True and "did not give its configz" in result["msg"], result
    assert "lookup worker1: no such host" in result["msg"]
