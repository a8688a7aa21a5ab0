# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_csr_policy.py (the kubelet serving CSR decision) and
module_utils/_csr_approver.py (a round: plan, approval body, apply, the timer's entry point), and
of the module kubelet_serving_csr_approve over a fake API. CSRs are real ones, made with
cryptography the way the kubelet's certificate manager makes its serving CSR (ECDSA P-256,
O=system:nodes, CN=system:node:<name>, DNS and IP SANs from the Node's addresses), and
cross-checked with the openssl CLI."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import datetime
import ipaddress
import json

import pytest

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ansible_collections.hardway.nodejoin.plugins.module_utils import _csr_approver
from ansible_collections.hardway.nodejoin.plugins.module_utils import _csr_policy as policy
from ansible_collections.hardway.nodejoin.tests.unit.helpers import sh

EC_KEY = ec.generate_private_key(ec.SECP256R1())
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)

INVENTORY = {"worker1": ["worker1", "10.0.0.11", "worker1.lab.example"], "worker2": ["worker2", "10.0.0.12"]}
SERVING_USAGES = ["digital signature", "server auth"]


def make_csr(cn="system:node:worker1", orgs=("system:nodes",), dns=("worker1",), ips=("10.0.0.11",), key=None,
             emails=(), uris=(), dirnames=()):
    names = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    if cn is not None:
        names.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(names))
    san = ([x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
           + [x509.RFC822Name(e) for e in emails] + [x509.UniformResourceIdentifier(u) for u in uris]
           + [x509.DirectoryName(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, d)])) for d in dirnames])
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
    return builder.sign(key or EC_KEY, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


def spec(request=None, username="system:node:worker1", groups=("system:nodes", "system:authenticated"),
         usages=None, signer=policy.KUBELET_SERVING_SIGNER, expiration=None):
    out = dict(request=base64.b64encode(request if request is not None else make_csr()).decode(),
               username=username, groups=list(groups), usages=list(SERVING_USAGES if usages is None else usages),
               signerName=signer)
    if expiration is not None:
        out["expirationSeconds"] = expiration
    return out


def node(name, *addresses):
    return {"metadata": {"name": name},
            "status": {"addresses": [{"type": "Hostname" if not a[0].isdigit() and ":" not in a else "InternalIP",
                                      "address": a} for a in addresses]}}


NODES = {"worker1": node("worker1", "10.0.0.11", "worker1"), "worker2": node("worker2", "10.0.0.12", "worker2")}


def decide(s, inventory=None, nodes=None, cap=policy.DEFAULT_MAX_EXPIRATION_SECONDS):
    """The decision as a round makes it (other nodes' addresses, the Node's status); the
    inventory and Nodes default to INVENTORY and NODES."""
    inventory = INVENTORY if inventory is None else inventory
    nodes = NODES if nodes is None else nodes
    try:
        facts = policy.request_facts(policy.parse_request(s["request"]))
    except ValueError as exc:
        facts = str(exc)
    who = policy.node_of_username(s.get("username"))
    return policy.decide(s, facts, inventory, _csr_approver.other_addresses(who, inventory, nodes),
                         policy.node_status_addresses(nodes.get(who)), cap)


# --- what the kubelet asks for is approved ------------------------------------------------

def test_the_kubelets_own_serving_csr_is_approved():
    approve, reason = decide(spec())
    assert approve, reason
    assert reason == "serving certificate of inventory worker worker1 for worker1, 10.0.0.11"


def test_rsa_key_may_add_key_encipherment_and_may_leave_it_out():
    request = make_csr(key=RSA_KEY)
    assert decide(spec(request, usages=["digital signature", "key encipherment", "server auth"]))[0]
    assert decide(spec(request, usages=SERVING_USAGES))[0]


def test_names_from_the_inventory_and_from_the_nodes_own_status_are_allowed():
    # FQDN from the inventory, case and trailing dot do not matter
    assert decide(spec(make_csr(dns=("Worker1.Lab.Example.",), ips=())))[0]
    # an address only the Node's status has (a second interface), nobody else claims
    nodes = dict(NODES, worker1=node("worker1", "10.0.0.11", "192.168.5.11", "worker1"))
    assert decide(spec(make_csr(ips=("192.168.5.11",))), nodes=nodes)[0]
    # the node name alone, even without inventory addresses
    assert decide(spec(make_csr(ips=())), inventory={"worker1": [], "worker2": []}, nodes={})[0]


def test_ipv6_addresses_compare_in_canonical_form():
    inventory = dict(INVENTORY, worker1=["fd00:0:0:0::11"])
    assert decide(spec(make_csr(dns=(), ips=("fd00::11",))), inventory=inventory, nodes={})[0]


def test_expiration_up_to_the_cap_or_unset_is_approved():
    assert decide(spec(expiration=3600), cap=3600)[0]
    assert decide(spec(), cap=3600)[0]


# --- everything else is denied, with the reason ------------------------------------------

@pytest.mark.parametrize("kwargs, reason", [
    (dict(signer="kubernetes.io/kube-apiserver-client-kubelet"), "signer kubernetes.io/kube-apiserver-client-kubelet is not"),
    (dict(username="system:bootstrap:abcdef"), "is not a node identity"),
    (dict(username="system:node:"), "is not a node identity"),
    (dict(username="system:node:Worker_1"), "is not a node identity"),
    (dict(username="kubernetes-admin"), "is not a node identity"),
    (dict(groups=("system:authenticated",)), "is not in group system:nodes"),
    (dict(username="system:node:worker9"), "node worker9 is not a worker of the inventory"),
    (dict(usages=["digital signature", "key encipherment", "server auth"]), "usages"),
    (dict(usages=["digital signature", "server auth", "client auth"]), "usages"),
    (dict(usages=["server auth"]), "usages"),
    (dict(expiration=7200), "expirationSeconds 7200 is above the cap 3600"),
])
def test_spec_that_does_not_fit_is_denied(kwargs, reason):
    approve, why = decide(spec(**kwargs), cap=3600)
    assert not approve
    assert reason in why, why


@pytest.mark.parametrize("csr_kwargs, reason", [
    (dict(orgs=()), "subject O must be exactly [system:nodes]"),
    (dict(orgs=("system:nodes", "system:masters")), "subject O must be exactly [system:nodes]"),
    (dict(orgs=("system:masters",)), "subject O must be exactly"),
    (dict(cn="system:node:worker2"), "subject CN must be the requester system:node:worker1"),
    (dict(cn=None), "subject CN must be the requester"),
    (dict(dns=(), ips=()), "no DNS or IP SAN"),
    (dict(emails=("root@worker1",)), "email SANs are not allowed: root@worker1"),
    (dict(uris=("spiffe://cluster/ns/x",)), "URI SANs are not allowed"),
    (dict(dirnames=("x",)), "only DNS and IP SANs are allowed (1 of another kind)"),
    (dict(ips=("10.0.0.12",)), "IP SAN 10.0.0.12 is not an address of node worker1 (another node's address)"),
    (dict(ips=("10.0.0.99",)), "IP SAN 10.0.0.99 is not an address of node worker1"),
    (dict(ips=("127.0.0.1",)), "IP SAN 127.0.0.1 is not an address of node worker1"),
    (dict(dns=("worker1", "kubernetes.default.svc")), "DNS SAN kubernetes.default.svc is not a name of node worker1"),
    (dict(dns=("worker2",)), "DNS SAN worker2 is not a name of node worker1"),
    (dict(dns=("*.lab.example",)), "DNS SAN *.lab.example is not a name of node worker1"),
])
def test_request_that_does_not_fit_is_denied(csr_kwargs, reason):
    approve, why = decide(spec(make_csr(**csr_kwargs)))
    assert not approve
    assert reason in why, why


def test_an_address_the_node_claims_in_its_status_but_another_node_has_is_denied():
    # a kubelet can write its own Node status: worker1 claims worker2's address there
    nodes = dict(NODES, worker1=node("worker1", "10.0.0.11", "10.0.0.12", "worker1"))
    approve, why = decide(spec(make_csr(ips=("10.0.0.12",))), nodes=nodes)
    assert not approve and "another node's address" in why
    # and a name another Node reports
    nodes = dict(NODES, worker1=node("worker1", "10.0.0.11", "worker1", "worker2"))
    assert not decide(spec(make_csr(dns=("worker2",))), nodes=nodes)[0]
    # an address of a Node outside the inventory counts as another node's too
    nodes = dict(NODES, worker1=node("worker1", "10.0.0.11", "10.0.0.50"), cp1=node("cp1", "10.0.0.50"))
    assert not decide(spec(make_csr(ips=("10.0.0.50",))), nodes=nodes)[0]


def test_weak_or_unknown_keys_are_denied():
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    approve, why = decide(spec(make_csr(key=small)))
    assert not approve and "RSA key of 1024 bits" in why
    facts = policy.request_facts(policy.parse_request(make_csr()))
    facts["key_type"] = "DSAPublicKey"
    assert policy.decide(spec(), facts, INVENTORY) == (False, "key type DSAPublicKey is not RSA, ECDSA or Ed25519")


@pytest.mark.parametrize("request_bytes, reason", [
    (b"not a csr at all", "exactly one PEM block"),
    (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "exactly one PEM block of type CERTIFICATE REQUEST"),
    (make_csr() + make_csr(), "exactly one PEM block"),
    (make_csr() + b"trailing", "exactly one PEM block"),
])
def test_a_request_that_cannot_be_read_is_denied_with_why(request_bytes, reason):
    s = spec()
    s["request"] = base64.b64encode(request_bytes).decode()
    approve, why = decide(s)
    assert not approve and why.startswith("the request cannot be read: ") and reason in why, why


def test_a_request_that_is_not_even_base64_is_denied():
    s = spec()
    s["request"] = "%%% not base64 %%%"
    assert decide(s) == (False, "the request cannot be read: spec.request is neither PEM nor base64 of PEM")


def test_parse_request_takes_pem_or_its_base64_and_checks_the_signature():
    pem = make_csr()
    assert policy.parse_request(pem).subject == policy.parse_request(base64.b64encode(pem)).subject
    assert policy.parse_request(pem.decode()).subject == policy.parse_request(pem).subject
    # a CSR whose content was changed after signing (another CN): its signature no longer matches
    der = bytearray(x509.load_pem_x509_csr(pem).public_bytes(serialization.Encoding.DER))
    at = bytes(der).index(b"worker1")
    der[at:at + 7] = b"worker2"
    tampered = b"-----BEGIN CERTIFICATE REQUEST-----\n" + base64.encodebytes(bytes(der)) + b"-----END CERTIFICATE REQUEST-----\n"
    with pytest.raises(ValueError, match="signature"):
        policy.parse_request(tampered)


def test_request_facts_agree_with_openssl(tmp_path):
    pem = make_csr(dns=("worker1", "worker1.lab.example"), ips=("10.0.0.11", "fd00::11"))
    (tmp_path / "r.csr").write_bytes(pem)
    text = sh("openssl req -in r.csr -noout -text", cwd=tmp_path)
    facts = policy.request_facts(policy.parse_request(pem))
    assert "O = system:nodes, CN = system:node:worker1" in text or "O=system:nodes, CN=system:node:worker1" in text
    for name in facts["dns"]:
        assert "DNS:%s" % name in text
    assert "IP Address:10.0.0.11" in text and facts["ips"] == ["10.0.0.11", "fd00::11"]
    assert facts["key_type"] == "ec" and facts["key_size"] == 256


def test_node_of_username():
    assert policy.node_of_username("system:node:worker1.lab.example") == "worker1.lab.example"
    for bad in (None, "", "system:node:", "system:node:-x", "system:node:a..b", "system:nodes:x",
                "system:node:" + "a" * 254):
        assert policy.node_of_username(bad) is None, bad


def test_split_addresses():
    assert policy.split_addresses(["10.0.0.1", "Host.Example.", "", None, "fd00:0::1"]) == (
        {"10.0.0.1", "fd00::1"}, {"host.example"})


# --- a round: plan, approval body, apply -------------------------------------------------

def csr_obj(name, s, conditions=(), created="2026-11-29T10:00:00Z", certificate=None):
    status = {"conditions": [dict(type=c, status="True") for c in conditions]}
    if certificate:
        status["certificate"] = certificate
    return {"metadata": {"name": name, "creationTimestamp": created, "resourceVersion": "7"}, "spec": s,
            "status": status}


def test_plan_decides_only_undecided_serving_csrs_of_the_nodes_asked():
    csrs = [csr_obj("good", spec()),
            csr_obj("client", spec(signer="kubernetes.io/kube-apiserver-client-kubelet")),
            csr_obj("done", spec(), conditions=("Approved",)),
            csr_obj("failed", spec(), conditions=("Failed",)),
            csr_obj("forged", spec(make_csr(ips=("10.0.0.12",)))),
            csr_obj("other", spec(make_csr(cn="system:node:worker2", dns=("worker2",), ips=("10.0.0.12",)),
                                  username="system:node:worker2")),
            csr_obj("stranger", spec(username="system:node:worker9"))]
    decisions = _csr_approver.plan(csrs, NODES, INVENTORY)
    assert [(d["name"], d["approve"]) for d in decisions] == [
        ("good", True), ("forged", False), ("other", True), ("stranger", False)]
    assert decisions[0]["node"] == "worker1" and decisions[0]["username"] == "system:node:worker1"
    only = _csr_approver.plan(csrs, NODES, INVENTORY, only=["worker2"])
    assert [d["name"] for d in only] == ["other"]


def test_approval_body_appends_the_condition_and_keeps_the_csr():
    csr = csr_obj("c", spec(), conditions=())
    when = datetime.datetime(2026, 11, 29, 12, 0, 0, tzinfo=datetime.timezone.utc)
    body = _csr_approver.approval_body(csr, dict(approve=False, reason="IP SAN x"), when)
    assert body["status"]["conditions"] == [dict(type="Denied", status="True", reason=_csr_approver.DENIED_REASON,
                                                 message="IP SAN x", lastUpdateTime="2026-11-29T12:00:00Z")]
    assert body["metadata"]["resourceVersion"] == "7"
    assert csr["status"]["conditions"] == []
    approved = _csr_approver.approval_body(csr, dict(approve=True, reason="ok"), when)
    assert approved["status"]["conditions"][0]["type"] == "Approved"
    assert approved["status"]["conditions"][0]["reason"] == _csr_approver.APPROVED_REASON


def test_serving_csr_issued_and_denied_pick_the_newest_of_the_node():
    csrs = [csr_obj("old", spec(), conditions=("Approved",), created="2026-11-29T09:00:00Z", certificate="Y2VydA=="),
            csr_obj("new", spec(), conditions=("Approved",), created="2026-11-29T11:00:00Z", certificate="Y2VydA=="),
            csr_obj("pending", spec(), created="2026-11-29T12:00:00Z"),
            csr_obj("no", spec(), conditions=("Denied",))]
    assert _csr_approver.serving_csr_issued(csrs, "worker1")["metadata"]["name"] == "new"
    assert _csr_approver.serving_csr_issued(csrs, "worker2") is None
    assert _csr_approver.serving_csr_denied(csrs, "worker1")["metadata"]["name"] == "no"
    # only those created since a time (a kubelet restarted at 11:30 asks anew)
    since = datetime.datetime(2026, 11, 29, 11, 30, tzinfo=datetime.timezone.utc)
    assert _csr_approver.serving_csr_issued(csrs, "worker1", since) is None
    assert _csr_approver.serving_csr_denied(csrs, "worker1", since) is None
    denied = csr_obj("d", spec())
    denied["status"]["conditions"] = [dict(type="Denied", reason="R", message="M")]
    assert _csr_approver.condition_message(denied) == "Denied: R: M"


class _Conflict(Exception):
    status = 409


class Certs(object):
    """A CertificatesV1Api stand-in: lists ``csrs`` (dicts), records approvals."""

    def __init__(self, csrs, conflict=()):
        self.csrs, self.conflict, self.approvals = csrs, set(conflict), []

    def list_certificate_signing_request(self, **_kw):
        return type("L", (), dict(items=self.csrs))()

    def replace_certificate_signing_request_approval(self, name, body, **_kw):
        if name in self.conflict:
            raise _Conflict()
        self.approvals.append((name, body["status"]["conditions"][-1]))
        return body


class Core(object):
    def __init__(self, nodes):
        self.nodes, self.calls = nodes, 0

    def list_node(self, **_kw):
        self.calls += 1
        return type("L", (), dict(items=list(self.nodes.values())))()


def test_run_round_approves_denies_and_reports():
    certs = Certs([csr_obj("good", spec()), csr_obj("forged", spec(make_csr(ips=("10.0.0.12",)))),
                   csr_obj("raced", spec())], conflict=["raced"])
    decisions, listed = _csr_approver.run_round(certs, Core(NODES), lambda o: o, INVENTORY, 3600)
    assert [(d["name"], d["result"]) for d in decisions] == [
        ("good", "approved"), ("forged", "denied"), ("raced", "decided elsewhere")]
    assert [(n, c["type"]) for n, c in certs.approvals] == [("good", "Approved"), ("forged", "Denied")]
    assert "another node's address" in certs.approvals[1][1]["message"]
    assert len(listed) == 3


def test_run_round_in_check_mode_writes_nothing_and_without_work_lists_no_nodes():
    certs = Certs([csr_obj("good", spec())])
    decisions, _csrs = _csr_approver.run_round(certs, Core(NODES), lambda o: o, INVENTORY, 3600, check_mode=True)
    assert decisions[0]["result"] == "would approve" and certs.approvals == []
    core = Core(NODES)
    assert _csr_approver.run_round(Certs([]), core, lambda o: o, INVENTORY, 3600)[0] == [] and core.calls == 0


def test_timer_entry_point_reports_json_lines_and_fails_cleanly(tmp_path, capsys, monkeypatch):
    config = tmp_path / "settings.json"
    config.write_text(json.dumps({"kubeconfig": str(tmp_path / "missing.conf"), "nodes": INVENTORY}))
    assert _csr_approver.main(["--config", str(config)]) == 1
    assert "kubelet serving CSR approver:" in capsys.readouterr().err
    # with a client: one JSON line per decision
    pytest.importorskip("kubernetes")
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config
    certs = Certs([csr_obj("forged", spec(make_csr(ips=("10.0.0.12",))))])
    monkeypatch.setattr(k8s_config, "load_kube_config", lambda **kw: None)
    used = []
    monkeypatch.setattr(k8s_client, "CertificatesV1Api", lambda api_client: used.append(api_client.configuration) or certs)
    # the approver's own identity replaces the kubeconfig's credentials
    config.write_text(json.dumps({"kubeconfig": str(tmp_path / "admin.conf"), "nodes": INVENTORY,
                                  "client_cert": "/etc/a/approver.crt", "client_key": "/etc/a/approver.key"}))
    monkeypatch.setattr(k8s_client, "CoreV1Api", lambda api_client: Core(NODES))
    monkeypatch.setattr(k8s_client.ApiClient, "sanitize_for_serialization", lambda self, o: o)
    assert _csr_approver.main(["--config", str(config)]) == 0
    line = json.loads(capsys.readouterr().out.strip())
    assert line["name"] == "forged" and line["result"] == "denied" and not line["approve"]
    assert (used[0].cert_file, used[0].key_file) == ("/etc/a/approver.crt", "/etc/a/approver.key")
