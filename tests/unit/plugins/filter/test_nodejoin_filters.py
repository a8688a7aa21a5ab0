# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for the filters pinned_ca (and _pki.select_pinned), join_plan, kubelet_api_settings and
kubelet_join_failure. The CAs are made with the openssl CLI, independently of the collection's
PKI code, and their hashes cross-checked with kubeadm's openssl pipeline."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import re
import shutil

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.hardway.nodejoin.plugins.filter import join_plan as join_plan_filter
from ansible_collections.hardway.nodejoin.plugins.filter import kubelet_api_settings as api_filter
from ansible_collections.hardway.nodejoin.plugins.filter import kubelet_join_failure as failure_filter
from ansible_collections.hardway.nodejoin.plugins.filter import pinned_ca as pinned_ca_filter
from ansible_collections.hardway.nodejoin.plugins.module_utils._pki import PKIError, select_pinned
from ansible_collections.hardway.nodejoin.tests.unit.helpers import make_openssl_ca, sh

needs_openssl = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")


def _openssl_hash(cert_path):
    """kubeadm's CA cert hash, computed by openssl and sha256sum only."""
    out = sh("openssl x509 -pubkey -noout -in %s | openssl pkey -pubin -outform der | sha256sum" % cert_path)
    digest = out.split()[0]
    assert re.match(r"^[0-9a-f]{64}$", digest)
    return "sha256:" + digest


@pytest.fixture(scope="module")
def cas(tmp_path_factory):
    """Two CAs (RSA and EC): dict(name=dict(pem=str, hash=str))."""
    base = tmp_path_factory.mktemp("pinned")
    result = {}
    for name, kind in (("first", "rsa"), ("second", "ec")):
        cert, _key = make_openssl_ca(base / name, "ca", kind, cn="%s-ca" % name)
        result[name] = dict(pem=cert.read_text(), hash=_openssl_hash(cert))
    assert result["first"]["hash"] != result["second"]["hash"]
    return result


def _blocks(pem):
    return re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----\n?", pem, re.S)


# ---------------------------------------------------------------------------
# _pki.select_pinned
# ---------------------------------------------------------------------------

@needs_openssl
def test_select_pinned_keeps_only_the_pinned_first(cas):
    bundle = cas["first"]["pem"] + cas["second"]["pem"]
    pem, kept, found = select_pinned(bundle, [cas["first"]["hash"]])
    assert found == [cas["first"]["hash"], cas["second"]["hash"]]
    assert kept == [cas["first"]["hash"]]
    assert _blocks(pem) == _blocks(cas["first"]["pem"])
    # the second CA is not trusted: its certificate is nowhere in the output
    assert _blocks(cas["second"]["pem"])[0] not in pem


@needs_openssl
def test_select_pinned_keeps_only_the_pinned_second(cas):
    bundle = (cas["first"]["pem"] + cas["second"]["pem"]).encode()
    pem, kept, _found = select_pinned(bundle, [cas["second"]["hash"]])
    assert kept == [cas["second"]["hash"]]
    assert _blocks(pem) == _blocks(cas["second"]["pem"])


@needs_openssl
def test_select_pinned_output_hashes_to_the_pin_with_openssl(cas, tmp_path):
    bundle = cas["second"]["pem"] + cas["first"]["pem"]
    pem, _kept, _found = select_pinned(bundle, [cas["first"]["hash"]])
    out = tmp_path / "kept.crt"
    out.write_text(pem)
    assert _openssl_hash(out) == cas["first"]["hash"]


@needs_openssl
def test_select_pinned_none_pinned_refuses(cas):
    bundle = cas["first"]["pem"] + cas["second"]["pem"]
    with pytest.raises(PKIError) as info:
        select_pinned(bundle, ["sha256:" + "0" * 64])
    message = str(info.value)
    assert "refusing to trust it" in message
    assert "%s, %s" % (cas["first"]["hash"], cas["second"]["hash"]) in message


@needs_openssl
@pytest.mark.parametrize("pins", [[], None, ()], ids=["empty", "None", "tuple"])
def test_select_pinned_without_pins_keeps_all_in_order(cas, pins):
    bundle = cas["second"]["pem"] + "# a comment between\n" + cas["first"]["pem"]
    pem, kept, found = select_pinned(bundle, pins)
    assert kept == found == [cas["second"]["hash"], cas["first"]["hash"]]
    assert _blocks(pem) == _blocks(cas["second"]["pem"]) + _blocks(cas["first"]["pem"])


@needs_openssl
def test_select_pinned_pins_ignore_case_and_surrounding_blanks(cas):
    pin = "  %s \n" % cas["second"]["hash"].upper().replace("SHA256:", "sha256:")
    _pem, kept, _found = select_pinned(cas["first"]["pem"] + cas["second"]["pem"], [pin])
    assert kept == [cas["second"]["hash"]]


@needs_openssl
def test_select_pinned_both_pinned_keeps_both_in_file_order(cas):
    pins = [cas["second"]["hash"], cas["first"]["hash"]]
    _pem, kept, _found = select_pinned(cas["first"]["pem"] + cas["second"]["pem"], pins)
    assert kept == [cas["first"]["hash"], cas["second"]["hash"]]


# ---------------------------------------------------------------------------
# pinned_ca filter
# ---------------------------------------------------------------------------

@needs_openssl
def test_pinned_ca_filter_first_pinned_drops_second(cas):
    bundle = cas["first"]["pem"] + cas["second"]["pem"]
    pem = pinned_ca_filter.pinned_ca(bundle, [cas["first"]["hash"]])
    assert _blocks(pem) == _blocks(cas["first"]["pem"])
    assert len(_blocks(pem)) == 1


@needs_openssl
def test_pinned_ca_filter_none_pinned_is_a_filter_error(cas):
    with pytest.raises(AnsibleFilterError, match="refusing to trust it"):
        pinned_ca_filter.pinned_ca(cas["first"]["pem"] + cas["second"]["pem"], ["sha256:" + "f" * 64])


@needs_openssl
def test_pinned_ca_filter_no_pins_keeps_all(cas):
    pem = pinned_ca_filter.pinned_ca(cas["first"]["pem"] + cas["second"]["pem"], [])
    assert _blocks(pem) == _blocks(cas["first"]["pem"]) + _blocks(cas["second"]["pem"])


def test_pinned_ca_filter_no_certificate_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="no PEM certificate found"):
        pinned_ca_filter.pinned_ca("not a certificate", [])


def test_pinned_ca_filter_without_cryptography(monkeypatch):
    monkeypatch.setattr(pinned_ca_filter, "HAS_CRYPTOGRAPHY", False)
    monkeypatch.setattr(pinned_ca_filter, "CRYPTOGRAPHY_IMPORT_ERROR",
                        "Traceback (most recent call last):\n  ...\nImportError: No module named cryptography\n")
    with pytest.raises(AnsibleFilterError) as info:
        pinned_ca_filter.pinned_ca("irrelevant", [])
    assert str(info.value) == ("hardway.nodejoin.pinned_ca needs the Python cryptography library on the "
                               "controller: ImportError: No module named cryptography")


# ---------------------------------------------------------------------------
# join_plan filter
# ---------------------------------------------------------------------------

def _worker(node_name, machine_id, kubeconfig_exists=False, kubeconfig="/etc/kubernetes/kubelet.conf"):
    return dict(node_name=node_name, machine_id=machine_id,
                kubelet=dict(kubeconfig_exists=kubeconfig_exists, kubeconfig=kubeconfig))


def test_join_plan_per_worker():
    workers = {
        "w-joined": _worker("worker0", "m0", kubeconfig_exists=True, kubeconfig="/var/lib/kubelet/kubeconfig"),
        "w-new": _worker("worker1", "m1"),
        "w-same-machine": _worker("worker2", "m2"),
        "w-clash": _worker("worker3", "m3"),
        "w-notready": _worker("worker4", "m4"),
    }
    nodes = {
        "worker0": dict(name="worker0", ready="True", machine_id="m0"),
        "worker2": dict(name="worker2", ready="True", machine_id="m2"),
        "worker3": dict(name="worker3", ready="True", machine_id="someone-else"),
        "worker4": dict(name="worker4", ready="False", machine_id="someone-else"),
        "unrelated": None,
    }
    plan = join_plan_filter.join_plan(workers, nodes)
    assert sorted(plan) == sorted(workers)
    assert plan["w-joined"] == dict(state="joined", node_name="worker0", node_existed=True, replace=False,
                                    reason="the kubelet runs with the kubeconfig /var/lib/kubelet/kubeconfig")
    assert plan["w-new"] == dict(state="join", reason=None, node_name="worker1", node_existed=False, replace=False)
    assert plan["w-same-machine"] == dict(state="join", reason=None, node_name="worker2", node_existed=True,
                                          replace=False)
    assert plan["w-clash"]["state"] == "refuse"
    assert plan["w-clash"]["node_name"] == "worker3"
    assert "a Ready Node named worker3 already exists and belongs to machine someone-else" in plan["w-clash"]["reason"]
    # a Node that is not Ready, of another machine (a reinstalled host): refused without worker_replace
    assert plan["w-notready"]["state"] == "refuse" and plan["w-notready"]["node_existed"]
    assert "set worker_replace=true" in plan["w-notready"]["reason"]


def test_join_plan_replaces_a_stale_node_only_when_asked():
    nodes = {"worker4": dict(name="worker4", ready="False", machine_id="old"),
             "worker5": dict(name="worker5", ready="True", machine_id="old")}
    workers = {"w4": dict(_worker("worker4", "new"), replace=True), "w5": dict(_worker("worker5", "new"), replace=True)}
    plan = join_plan_filter.join_plan(workers, nodes)
    # the stale Node is deleted first, so a failed join deletes the Node it registered (node_existed false)
    assert plan["w4"]["state"] == "join" and plan["w4"]["replace"] is True and plan["w4"]["node_existed"] is False
    assert "replaces the stale Node worker4 of machine old (Ready: False)" in plan["w4"]["reason"]
    # a Ready Node is never replaced: its machine is alive
    assert plan["w5"]["state"] == "refuse" and plan["w5"]["replace"] is False


def test_join_plan_worker_without_kubelet_facts_and_no_nodes():
    assert join_plan_filter.join_plan({"w": dict(node_name="w", machine_id="m")}, None) == {
        "w": dict(state="join", reason=None, node_name="w", node_existed=False, replace=False)}


@pytest.mark.parametrize("workers", [{}, None])
def test_join_plan_no_workers(workers):
    assert join_plan_filter.join_plan(workers, {"x": None}) == {}


# ---------------------------------------------------------------------------
# kubelet_api_settings filter
# ---------------------------------------------------------------------------

WANTED_WEAK = dict(anonymous=True, webhook=False, authorization="AlwaysAllow")
WANTED_STRICT = dict(anonymous=False, webhook=True, authorization="Webhook")


def test_kubelet_api_settings_filter_keeps_stricter_existing():
    existing = dict(anonymous=False, webhook=True, authorization="Webhook", read_only_port=0)
    assert api_filter.kubelet_api_settings(WANTED_WEAK, existing) == {
        "settings": WANTED_STRICT,
        "kept": ["authentication.anonymous.enabled", "authentication.webhook.enabled", "authorization.mode"],
    }


def test_kubelet_api_settings_filter_without_existing():
    assert api_filter.kubelet_api_settings(WANTED_WEAK, None) == {"settings": WANTED_WEAK, "kept": []}


def test_kubelet_api_settings_filter_weak_existing_is_tightened():
    existing = dict(anonymous=True, webhook=False, authorization="AlwaysAllow", read_only_port=10255)
    assert api_filter.kubelet_api_settings(WANTED_STRICT, existing) == {"settings": WANTED_STRICT, "kept": []}


# ---------------------------------------------------------------------------
# kubelet_join_failure filter
# ---------------------------------------------------------------------------

def test_kubelet_join_failure_names_the_cause():
    lines = ["I1129 server.go:487] Kubelet version v1.36.3",
             'E1129 bootstrap.go:266] failed to run Kubelet: cannot create certificate signing request: Unauthorized']
    assert failure_filter.kubelet_join_failure(lines).startswith("the API server rejected the bootstrap token (401)")


def test_kubelet_join_failure_newest_line_wins():
    lines = ["x509: certificate signed by unknown authority", "dial tcp 10.0.0.10:6443: connect: connection refused"]
    assert failure_filter.kubelet_join_failure(lines).startswith("the kubelet cannot reach the API server")


@pytest.mark.parametrize("lines", [[], None, ["I1129 nothing to see"]], ids=["empty", "None", "unknown"])
def test_kubelet_join_failure_unknown_is_empty_string(lines):
    assert failure_filter.kubelet_join_failure(lines) == ""


# ---------------------------------------------------------------------------
# FilterModule registrations
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("module,name,func", [
    (pinned_ca_filter, "pinned_ca", pinned_ca_filter.pinned_ca),
    (join_plan_filter, "join_plan", join_plan_filter.join_plan),
    (api_filter, "kubelet_api_settings", api_filter.kubelet_api_settings),
    (failure_filter, "kubelet_join_failure", failure_filter.kubelet_join_failure),
], ids=["pinned_ca", "join_plan", "kubelet_api_settings", "kubelet_join_failure"])
def test_filter_module_registers_the_filter(module, name, func):
    assert module.FilterModule().filters() == {name: func}


def test_join_plan_refuses_a_second_worker_with_the_same_node_name_or_machine_id():
    workers = {"a": _worker("node1", "m1"), "b": _worker("node1", "m2"), "c": _worker("node3", "m1")}
    plan = join_plan_filter.join_plan(workers, {})
    assert plan["a"]["state"] == "join"
    assert plan["b"]["state"] == "refuse" and "worker a would register the same node name node1" in plan["b"]["reason"]
    assert plan["c"]["state"] == "refuse" and "machine id of worker a" in plan["c"]["reason"]
