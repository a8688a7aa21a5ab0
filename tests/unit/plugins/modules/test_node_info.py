# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""node_info over a fake API: the Nodes' summaries (with the machine id the join plan compares),
absent Nodes as None, the API server's version, a kubelet's configz, and request_timeout on
every request."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json

import pytest

kubernetes = pytest.importorskip("kubernetes")

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.modules import node_info  # noqa: E402
from ansible_collections.hardway.nodejoin.tests.unit.helpers import (  # noqa: E402
    FakeApi, api_error, fake_kube, run_module)

NODE = {"metadata": {"name": "worker1"},
        "status": {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
                   "addresses": [{"type": "InternalIP", "address": "10.77.0.11"}],
                   "nodeInfo": {"kubeletVersion": "v1.36.3", "machineID": "abc123"}}}


def _raw(answers, seen):
    def get_raw(client, path, timeout):
        seen.append((path, timeout))
        return answers[path]
    return get_raw


def test_summarise_has_the_machine_id():
    assert node_info.summarise(NODE) == dict(name="worker1", ready="True", ready_reason="KubeletReady",
                                             ready_message=None, kubelet_version="v1.36.3",
                                             internal_ip="10.77.0.11", machine_id="abc123",
                                             registered=None, ready_since=None)


def _read_node(name, **_kwargs):
    if name != "worker1":
        raise api_error(404, "Not Found", "nodes %s not found" % name)
    return NODE


def test_nodes_version_and_configz(monkeypatch, capsys):
    seen = []
    api = FakeApi({"read_node": [_read_node]})
    fake_kube(monkeypatch, api)
    monkeypatch.setattr(_kube, "get_raw", _raw({
        "/version": (200, json.dumps({"gitVersion": "v1.36.3"})),
        "/api/v1/nodes/worker1/proxy/configz": (200, json.dumps({"kubeletconfig": {"readOnlyPort": 0}}))}, seen))
    result = run_module(node_info.main, dict(names=["worker1", "worker9"], configz="worker1", request_timeout=3),
                        monkeypatch, capsys)
    assert result["server_version"] == "v1.36.3"
    assert result["nodes"]["worker1"]["machine_id"] == "abc123" and result["nodes"]["worker9"] is None
    assert result["configz"] == {"readOnlyPort": 0}
    assert seen == [("/version", 3), ("/api/v1/nodes/worker1/proxy/configz", 3)]
    assert all(kw.get("_request_timeout") == 3 for _name, _args, kw in api.calls)


def test_an_api_error_fails_with_its_message(monkeypatch, capsys):
    fake_kube(monkeypatch, FakeApi({}))
    monkeypatch.setattr(_kube, "get_raw", _raw({"/version": (503, "etcd down")}, []))
    result = run_module(node_info.main, {}, monkeypatch, capsys)
    assert result["failed"] and "answered HTTP 503: etcd down" in result["msg"]


def test_a_kubelet_without_configz_fails_naming_it(monkeypatch, capsys):
    fake_kube(monkeypatch, FakeApi({}))
    monkeypatch.setattr(_kube, "get_raw", _raw({"/version": (200, "{}"),
                                                "/api/v1/nodes/w1/proxy/configz": (502, "no route")}, []))
    result = run_module(node_info.main, dict(configz="w1"), monkeypatch, capsys)
    assert result["failed"] and "kubelet of w1 did not give its configz" in result["msg"]


def test_read_node_errors_other_than_404_fail(monkeypatch, capsys):
    fake_kube(monkeypatch, FakeApi({"read_node": [api_error(403, "Forbidden", "nodes is forbidden")]}))
    monkeypatch.setattr(_kube, "get_raw", _raw({"/version": (200, "{}")}, []))
    result = run_module(node_info.main, dict(names=["w1"]), monkeypatch, capsys)
    assert result["failed"] and "403" in result["msg"]
