# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_drain and node_remove over a fake API: a refused drain changes nothing (no cordon), a
PodDisruptionBudget's 429 is retried until the timeout, check mode sends nothing, and the
removal deletes the Node, the node's CSRs and its labelled tokens only."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

kubernetes = pytest.importorskip("kubernetes")

from ansible_collections.hardway.nodejoin.plugins.module_utils import _nodes  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.modules import node_drain, node_remove  # noqa: E402
from ansible_collections.hardway.nodejoin.tests.unit.helpers import (  # noqa: E402
    FakeApi, api_error, fake_kube, items, run_module)

NODE = {"metadata": {"name": "worker1"}, "spec": {}}
NOT_FOUND = api_error(404, "Not Found", "nodes \"worker1\" not found")
PDB = api_error(429, "Too Many Requests", "Cannot evict pod as it would violate the pod's disruption budget.")


def pod(name, owner=None, uid="u1"):
    meta = {"name": name, "namespace": "default", "uid": uid}
    if owner:
        meta["ownerReferences"] = [{"kind": owner, "name": name + "-owner", "controller": True}]
    return {"metadata": meta, "spec": {}, "status": {"phase": "Running"}}


@pytest.fixture(autouse=True)
def fast(monkeypatch):
    monkeypatch.setattr(node_drain, "INTERVAL", 0.01)


def names(api, method):
    return [c for c in api.calls if c[0] == method]


def test_drain_of_a_missing_node_changes_nothing(monkeypatch, capsys):
    api = FakeApi({"read_node": [NOT_FOUND]})
    fake_kube(monkeypatch, api)
    result = run_module(node_drain.main, dict(name="worker1"), monkeypatch, capsys)
    assert result["changed"] is False and result["node_exists"] is False


def test_a_pod_without_controller_is_refused_before_the_cordon(monkeypatch, capsys):
    api = FakeApi({"read_node": [NODE], "list_pod_for_all_namespaces": [items(pod("bare"))], "patch_node": [None]})
    fake_kube(monkeypatch, api)
    result = run_module(node_drain.main, dict(name="worker1"), monkeypatch, capsys)
    assert result["failed"] and "cannot drain worker1, nothing was changed: default/bare has no controller" in result["msg"]
    assert names(api, "patch_node") == []


def test_drain_cordons_evicts_retries_a_budget_and_skips_daemonsets(monkeypatch, capsys):
    ds, rs = pod("ds", "DaemonSet"), pod("rs", "ReplicaSet")
    api = FakeApi({"read_node": [NODE], "patch_node": [None],
                   "list_pod_for_all_namespaces": [items(ds, rs), items(ds, rs), items(ds)],
                   "create_namespaced_pod_eviction": [PDB, None]})
    fake_kube(monkeypatch, api)
    result = run_module(node_drain.main, dict(name="worker1", timeout=30), monkeypatch, capsys)
    assert result["changed"] is True and result["cordoned"] is True
    assert result["evicted"] == ["default/rs"]
    assert result["skipped"] == [{"pod": "default/ds", "reason": "owned by DaemonSet ds-owner"}]
    assert names(api, "patch_node")[0][1] == ("worker1", {"spec": {"unschedulable": True}})
    evictions = names(api, "create_namespaced_pod_eviction")
    assert len(evictions) == 2 and evictions[-1][1][2]["kind"] == "Eviction" and evictions[-1][1][:2] == ("rs", "default")


def test_a_budget_that_never_allows_it_fails_at_the_timeout_saying_so(monkeypatch, capsys):
    api = FakeApi({"read_node": [NODE], "patch_node": [None],
                   "list_pod_for_all_namespaces": [items(pod("rs", "ReplicaSet"))],
                   "create_namespaced_pod_eviction": [PDB]})
    fake_kube(monkeypatch, api)
    result = run_module(node_drain.main, dict(name="worker1", timeout=0), monkeypatch, capsys)
    assert result["failed"] and result["changed"] is True and result["cordoned"] is True
    assert "eviction of default/rs is still refused (a PodDisruptionBudget does not allow it" in result["msg"]
    assert "the Node stays cordoned" in result["msg"]


def test_drain_check_mode_sends_nothing(monkeypatch, capsys):
    api = FakeApi({"read_node": [NODE], "list_pod_for_all_namespaces": [items(pod("rs", "ReplicaSet"))],
                   "patch_node": [None], "create_namespaced_pod_eviction": [None]})
    fake_kube(monkeypatch, api)
    result = run_module(node_drain.main, dict(name="worker1"), monkeypatch, capsys, check_mode=True)
    assert result["changed"] is True and result["evicted"] == ["default/rs"]
    assert names(api, "patch_node") == [] and names(api, "create_namespaced_pod_eviction") == []


def _csr(name, user, signer=_nodes.KUBELET_CLIENT_SIGNER):
    return {"metadata": {"name": name}, "spec": {"signerName": signer, "username": user, "request": ""}}


def _remove_api(node_answers):
    return FakeApi({
        "read_node": node_answers, "delete_node": [None],
        "list_certificate_signing_request": [items(_csr("mine", "system:node:worker1"),
                                                   _csr("other", "system:node:worker2"))],
        "delete_certificate_signing_request": [None],
        "list_namespaced_secret": [items({"metadata": {"name": "bootstrap-token-abcdef"}})],
        "delete_namespaced_secret": [None]})


def test_remove_deletes_the_node_its_csrs_and_its_tokens(monkeypatch, capsys):
    api = _remove_api([NODE, NOT_FOUND])
    fake_kube(monkeypatch, api)
    result = run_module(node_remove.main, dict(name="worker1", token_label="worker1"), monkeypatch, capsys)
    assert result["changed"] is True and result["node_deleted"] is True
    assert result["csrs_deleted"] == ["mine"] and result["tokens_deleted"] == ["abcdef"]
    assert names(api, "delete_certificate_signing_request")[0][1] == ("mine",)
    secrets = names(api, "list_namespaced_secret")[0]
    assert secrets[2]["label_selector"] == "hardway.nodejoin/node-name=worker1"
    assert secrets[2]["field_selector"] == "type=bootstrap.kubernetes.io/token"


def test_remove_check_mode_and_nothing_left(monkeypatch, capsys):
    api = _remove_api([NODE])
    fake_kube(monkeypatch, api)
    result = run_module(node_remove.main, dict(name="worker1"), monkeypatch, capsys, check_mode=True)
    assert result["changed"] is True and result["tokens_deleted"] == []
    assert [c for c in api.calls if c[0].startswith("delete")] == []
    api = FakeApi({"read_node": [NOT_FOUND], "list_certificate_signing_request": [items()]})
    fake_kube(monkeypatch, api)
    assert run_module(node_remove.main, dict(name="worker1"), monkeypatch, capsys)["changed"] is False
