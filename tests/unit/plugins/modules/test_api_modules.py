# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-process tests of the API modules bootstrap_token, pod_wait, kube_health and kube_apply
over a fake API (tests/unit/helpers.FakeApi): what each decides, that every request carries
the module's request_timeout, and how each reports failures. The decisions themselves are
tested in module_utils (test_bootstrap_token, test_pods, test_poll)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import base64
import types

import pytest

kubernetes = pytest.importorskip("kubernetes")

from ansible_collections.hardway.nodejoin.plugins.module_utils import _bootstrap_token as bt  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.modules import bootstrap_token  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.modules import bootstrap_token_info  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.modules import kube_apply  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.modules import kube_health  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.modules import node_join_wait  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.modules import pod_wait  # noqa: E402
from ansible_collections.hardway.nodejoin.tests.unit.helpers import (  # noqa: E402
    FakeApi, api_error, fake_kube, items, run_module)

TOKEN = "abcdef.0123456789abcdef"
NOT_FOUND = api_error(404, "Not Found", "not found")


def managed_secret(token, expiration, labels=None):
    token_id, secret = token.split(".")
    data = {"token-id": token_id, "token-secret": secret, "usage-bootstrap-authentication": "true",
            "usage-bootstrap-signing": "true", "expiration": expiration,
            "description": "Bootstrap token for kubelet TLS bootstrap, made by hardway.nodejoin"}
    all_labels = {bt.MANAGED_LABEL[0]: bt.MANAGED_LABEL[1]}
    all_labels.update(labels or {})
    return {"type": bt.SECRET_TYPE, "metadata": {"name": bt.SECRET_PREFIX + token_id, "labels": all_labels},
            "data": dict((k, base64.b64encode(v.encode()).decode()) for k, v in data.items())}


def in_hours(hours):
    import datetime

    return bt.format_expiration(bt.utcnow() + datetime.timedelta(hours=hours))


# --- KubeModule: one dependency check, request_timeout on every call ---------------------------

def test_missing_kubernetes_library_fails_with_one_message(monkeypatch, capsys):
    monkeypatch.setattr(_kube, "HAS_KUBERNETES", False)
    monkeypatch.setattr(_kube, "KUBERNETES_IMPORT_TRACEBACK", "Traceback: No module named 'kubernetes'")
    for main, args in ((bootstrap_token.main, {}), (bootstrap_token_info.main, {}),
                       (pod_wait.main, dict(label_selector="a=b")), (kube_health.main, {}),
                       (kube_apply.main, dict(definitions=[]))):
        result = run_module(main, args, monkeypatch, capsys)
        assert result["failed"] is True
        assert "Failed to import the required Python library (kubernetes)" in result["msg"]
        assert "python3-kubernetes" in result["msg"]
        assert set(result) >= {"failed", "msg"} and "changed" not in result


# --- bootstrap_token ------------------------------------------------------------------------------

def test_bootstrap_token_reuses_a_managed_token(monkeypatch, capsys):
    api = FakeApi(dict(list_namespaced_secret=[items(managed_secret(TOKEN, in_hours(20)))]))
    fake_kube(monkeypatch, api)
    result = run_module(bootstrap_token.main, dict(request_timeout=3), monkeypatch, capsys)
    assert result["action"] == "reused" and result["changed"] is False and result["token"] == TOKEN
    assert api.calls[0][2]["label_selector"] == "app.kubernetes.io/managed-by=hardway.nodejoin"
    assert api.timeouts() == [3]


@pytest.mark.parametrize("check_mode", [False, True])
def test_bootstrap_token_creates_one_when_none_fits(monkeypatch, capsys, check_mode):
    api = FakeApi(dict(list_namespaced_secret=[items(managed_secret(TOKEN, in_hours(0.5)))],
                       read_namespaced_secret=[NOT_FOUND], create_namespaced_secret=[None]))
    fake_kube(monkeypatch, api)
    result = run_module(bootstrap_token.main, dict(request_timeout=4, labels={"hardway.nodejoin/node-name": "w1"}),
                        monkeypatch, capsys, check_mode=check_mode)
    assert result["action"] == "created" and result["changed"] is True
    assert result["token"] != TOKEN and bt.parse_token(result["token"])[0] == result["token_id"]
    created = [c for c in api.calls if c[0] == "create_namespaced_secret"]
    assert len(created) == (0 if check_mode else 1)
    if created:
        body = created[0][1][1]
        assert body["stringData"]["token-id"] == result["token_id"]
        assert body["metadata"]["labels"]["hardway.nodejoin/node-name"] == "w1"
    assert set(api.timeouts()) == {4}


def test_bootstrap_token_draws_again_when_the_generated_id_is_taken(monkeypatch, capsys):
    ids = iter(["aaaaaa.aaaaaaaaaaaaaaaa", "bbbbbb.bbbbbbbbbbbbbbbb"])
    monkeypatch.setattr(bt, "generate_token", lambda: next(ids))
    api = FakeApi(dict(list_namespaced_secret=[items()],
                       read_namespaced_secret=[{"type": "Opaque", "metadata": {}}, NOT_FOUND],
                       create_namespaced_secret=[None]))
    fake_kube(monkeypatch, api)
    result = run_module(bootstrap_token.main, {}, monkeypatch, capsys)
    assert result["token_id"] == "bbbbbb" and result["action"] == "created"


def test_bootstrap_token_given_and_right_is_left_alone(monkeypatch, capsys):
    secret = managed_secret(TOKEN, in_hours(20))
    api = FakeApi(dict(read_namespaced_secret=[secret]))
    fake_kube(monkeypatch, api)
    result = run_module(bootstrap_token.main, dict(token=TOKEN, ttl="24h"), monkeypatch, capsys)
    assert result["action"] == "none" and result["changed"] is False


def test_bootstrap_token_refuses_a_secret_of_another_type_without_showing_the_token(monkeypatch, capsys):
    api = FakeApi(dict(read_namespaced_secret=[{"type": "Opaque", "metadata": {"name": "bootstrap-token-abcdef"},
                                                "data": {}}]))
    fake_kube(monkeypatch, api)
    result = run_module(bootstrap_token.main, dict(token=TOKEN), monkeypatch, capsys)
    assert result["failed"] is True and "not touching it" in result["msg"]
    assert "0123456789abcdef" not in str(dict((k, v) for k, v in result.items() if k != "invocation"))
    assert result["token_id"] == "abcdef" and "token" not in result


@pytest.mark.parametrize("present, action", [(True, "deleted"), (False, "none")])
def test_bootstrap_token_absent(monkeypatch, capsys, present, action):
    api = FakeApi(dict(read_namespaced_secret=[managed_secret(TOKEN, in_hours(2)) if present else NOT_FOUND],
                       delete_namespaced_secret=[NOT_FOUND]))  # gone meanwhile: still fine
    fake_kube(monkeypatch, api)
    result = run_module(bootstrap_token.main, dict(state="absent", token_id="abcdef", request_timeout=2),
                        monkeypatch, capsys)
    assert result["action"] == action and result["changed"] is present and "failed" not in result
    assert set(api.timeouts()) == {2}


@pytest.mark.parametrize("args, message", [
    (dict(state="absent"), "state=absent needs token or token_id"),
    (dict(ttl="1h", min_remaining_ttl="2h"), "must be shorter than ttl"),
    (dict(token="ABC.def"), "malformed bootstrap token"),
    (dict(groups=["system:masters"]), "is not allowed"),
])
def test_bootstrap_token_bad_options(monkeypatch, capsys, args, message):
    fake_kube(monkeypatch, FakeApi({}))
    result = run_module(bootstrap_token.main, args, monkeypatch, capsys)
    assert result["failed"] is True and message in result["msg"]


# --- pod_wait -----------------------------------------------------------------------------------

def pod(name, node="worker1", phase="Running", waiting=None):
    status = {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if phase == "Running" else "False"}]}
    if waiting:
        status["containerStatuses"] = [{"name": "c", "restartCount": 0, "state": {"waiting": {"reason": waiting}}}]
    return {"metadata": {"name": name, "creationTimestamp": "2026-11-29T10:00:00Z"},
            "spec": {"nodeName": node}, "status": status}


def test_pod_wait_until_running_on_each_node(monkeypatch, capsys):
    api = FakeApi(dict(list_namespaced_pod=[items(pod("p1", phase="Pending")),
                                            items(pod("p1"), pod("p2", node="worker2"))]))
    fake_kube(monkeypatch, api)
    result = run_module(pod_wait.main, dict(label_selector="app=podinfo", nodes=["worker1", "worker2"],
                                            poll_interval=0.01, request_timeout=6), monkeypatch, capsys)
    assert "failed" not in result, result
    assert [p["name"] for p in result["pods"]] == ["p1", "p2"]
    assert set(api.timeouts()) == {6}


def test_pod_wait_fails_at_once_on_a_hopeless_reason_with_events(monkeypatch, capsys):
    event = {"type": "Warning", "reason": "ErrImageNeverPull", "message": "image not present",
             "involvedObject": {"kind": "Pod", "name": "p1"}, "lastTimestamp": "2026-11-29T10:00:01Z"}
    api = FakeApi(dict(list_namespaced_pod=[items(pod("p1", phase="Pending", waiting="ErrImageNeverPull"))],
                       list_namespaced_event=[items(event)]))
    fake_kube(monkeypatch, api)
    result = run_module(pod_wait.main, dict(label_selector="app=podinfo", timeout=600), monkeypatch, capsys)
    assert result["failed"] is True
    assert result["msg"].startswith("Pod p1 cannot start (ErrImageNeverPull)")
    assert "image not present" in result["msg"] and result["events"]
    assert [c[0] for c in api.calls].count("list_namespaced_pod") == 1


def test_pod_wait_timeout_says_what_is_missing(monkeypatch, capsys):
    api = FakeApi(dict(list_namespaced_pod=[items()], list_namespaced_event=[api_error(403, "Forbidden", "no")]))
    fake_kube(monkeypatch, api)
    result = run_module(pod_wait.main, dict(label_selector="app=x", nodes=["worker1"], timeout=0, events_for=["rs"]),
                        monkeypatch, capsys)
    assert result["failed"] is True and result["msg"].startswith("after 0s: ")
    assert "no Pod matches app=x in namespace default" in result["msg"]
    assert result["events"][0].startswith("(events not readable: forbidden")


# --- kube_health ----------------------------------------------------------------------------------

def test_kube_health_waits_for_200_and_passes_request_timeout(monkeypatch, capsys):
    answers = iter([_kube.KubeError("cannot reach"), (500, "[+]ping ok\n[-]etcd failed: reason withheld\n"),
                    (200, "[+]ping ok\n[+]etcd ok\nreadyz check passed\n")])
    seen = []

    def get_raw(client, path, timeout):
        seen.append((path, timeout))
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    fake_kube(monkeypatch, FakeApi({}))
    monkeypatch.setattr(_kube, "get_raw", get_raw)
    result = run_module(kube_health.main, dict(poll_interval=0.01, request_timeout=2), monkeypatch, capsys)
    assert result["status"] == 200 and "readyz check passed" in result["checks"]
    assert seen == [("/readyz?verbose", 2)] * 3


def test_kube_health_timeout_names_the_failing_checks(monkeypatch, capsys):
    fake_kube(monkeypatch, FakeApi({}))
    monkeypatch.setattr(_kube, "get_raw", lambda client, path, timeout: (500, "[+]ping ok\n[-]etcd failed\n"))
    result = run_module(kube_health.main, dict(path="/livez?exclude=x", timeout=0), monkeypatch, capsys)
    assert result["failed"] is True and result["status"] == 500
    assert result["msg"] == "/livez?exclude=x of https://10.0.0.10:6443 not ok after 0s: [-]etcd failed"


def test_kube_health_helpers():
    assert _kube.health_path("/readyz") == "/readyz?verbose"
    assert _kube.health_path("/livez?exclude=etcd") == "/livez?exclude=etcd&verbose"
    assert _kube.failing_checks("[+]a ok\n[-]b failed\n[-]c failed") == ["[-]b failed", "[-]c failed"]


# --- kube_apply ----------------------------------------------------------------------------------

CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "default"},
      "data": {"a": "1"}}


class Obj(dict):
    def to_dict(self):
        return dict(self)


class FakeDynamic:
    """The DynamicClient calls kube_apply makes: resources.get, get, patch, delete."""

    def __init__(self, live=None, gone_after=0):
        self.live = Obj(live) if live is not None else None
        self.calls = []
        self.gets_until_gone = gone_after
        self.resources = types.SimpleNamespace(get=lambda **kwargs: "configmaps")

    def __call__(self, client):
        return self

    def get(self, resource, name=None, namespace=None, **kwargs):
        self.calls.append(("get", kwargs))
        if self.live is None:
            raise NOT_FOUND
        if self.gets_until_gone == 0 and any(c[0] == "delete" for c in self.calls):
            raise NOT_FOUND
        self.gets_until_gone -= 1 if any(c[0] == "delete" for c in self.calls) else 0
        return self.live

    def patch(self, resource, body=None, name=None, namespace=None, **kwargs):
        import json

        self.calls.append(("patch", kwargs))
        applied = json.loads(body)
        return Obj(dict(applied, metadata=dict(applied["metadata"], resourceVersion="7", uid="u")))

    def delete(self, resource, name=None, namespace=None, **kwargs):
        self.calls.append(("delete", kwargs))


def run_apply(monkeypatch, capsys, dyn, check_mode=False, diff=False, **args):
    import kubernetes.dynamic

    fake_kube(monkeypatch, FakeApi({}))
    monkeypatch.setattr(kubernetes.dynamic, "DynamicClient", dyn)
    return run_module(kube_apply.main, dict(dict(definitions=[CM], request_timeout=9), **args), monkeypatch, capsys,
                      check_mode=check_mode, diff=diff)


def test_kube_apply_unchanged_object_is_not_changed(monkeypatch, capsys):
    live = dict(CM, metadata=dict(CM["metadata"], resourceVersion="7", managedFields=[{}]), status={})
    dyn = FakeDynamic(live=live)
    result = run_apply(monkeypatch, capsys, dyn)
    assert result["changed"] is False and result["results"][0]["action"] == "none"
    # only the dry run was sent, with the module's request_timeout on every call
    assert [c[0] for c in dyn.calls] == ["get", "patch"] and dyn.calls[1][1]["dry_run"] == "All"
    assert set(c[1]["_request_timeout"] for c in dyn.calls) == {9}


def test_kube_apply_creates_with_a_diff_and_check_mode_sends_only_the_dry_run(monkeypatch, capsys):
    dyn = FakeDynamic()
    result = run_apply(monkeypatch, capsys, dyn, check_mode=True, diff=True)
    assert result["changed"] is True and result["results"][0]["action"] == "created"
    assert [c[1].get("dry_run") for c in dyn.calls if c[0] == "patch"] == ["All"]
    assert "a: '1'" in result["diff"][0]["after"] and result["diff"][0]["before"] == ""
    dyn = FakeDynamic()
    run_apply(monkeypatch, capsys, dyn)
    assert [c[1].get("dry_run") for c in dyn.calls if c[0] == "patch"] == ["All", None]


def test_kube_apply_absent_waits_until_gone(monkeypatch, capsys):
    dyn = FakeDynamic(live=CM, gone_after=2)
    result = run_apply(monkeypatch, capsys, dyn, state="absent", wait=True, wait_timeout=5)
    assert result["changed"] is True and result["results"][0]["action"] == "deleted"
    assert [c[0] for c in dyn.calls] == ["get", "delete", "get", "get", "get"]
    assert set(c[1].get("_request_timeout") for c in dyn.calls) == {9}


def test_kube_apply_absent_timeout_names_the_finalizers(monkeypatch, capsys):
    dyn = FakeDynamic(live=dict(CM, metadata=dict(CM["metadata"], finalizers=["example.com/hold"])), gone_after=10 ** 6)
    result = run_apply(monkeypatch, capsys, dyn, state="absent", wait=True, wait_timeout=0)
    assert result["failed"] is True
    assert "ConfigMap default/cfg is still there 0s after its deletion (finalizers: example.com/hold)" in result["msg"]


def test_kube_apply_needs_kind_and_name(monkeypatch, capsys):
    result = run_apply(monkeypatch, capsys, FakeDynamic(), definitions=[{"apiVersion": "v1", "kind": "ConfigMap"}])
    assert result["failed"] is True and "needs apiVersion, kind and metadata.name" in result["msg"]


def test_kube_health_keeps_its_own_shorter_request_timeout_default(monkeypatch, capsys):
    seen = []
    fake_kube(monkeypatch, FakeApi({}))
    monkeypatch.setattr(_kube, "get_raw", lambda client, path, timeout: seen.append(timeout) or (200, "ok"))
    result = run_module(kube_health.main, {}, monkeypatch, capsys)
    assert result["status"] == 200 and seen == [5]
    # the other API modules keep the connection fragment's default (15)
    api = FakeApi(dict(list_namespaced_secret=[items()]))
    fake_kube(monkeypatch, api)
    run_module(bootstrap_token_info.main, {}, monkeypatch, capsys)
    assert api.timeouts() == [_kube.DEFAULT_REQUEST_TIMEOUT]


# --- the real client against a listener that never answers: request_timeout is what bounds a request ---

@pytest.fixture
def silent_api_server():
    import socket

    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # the kernel completes the TCP handshake; nobody ever answers
    # a request without any timeout must not hang the test run: after 10 s the queued
    # connections are reset (and the test fails on the message and the time)
    safety = threading.Timer(10, listener.close)
    safety.start()
    yield "https://127.0.0.1:%d" % listener.getsockname()[1]
    safety.cancel()
    listener.close()


@pytest.mark.parametrize("main, args", [
    (bootstrap_token.main, {}),
    (bootstrap_token_info.main, {}),
    (pod_wait.main, dict(label_selector="app=x", timeout=60)),
    (kube_health.main, dict(timeout=0)),
    (node_join_wait.main, dict(node_name="worker1", timeout=60)),
    # the DynamicClient's own discovery requests, which take no timeout argument, are bounded too
    (kube_apply.main, dict(definitions=[CM])),
], ids=["bootstrap_token", "bootstrap_token_info", "pod_wait", "kube_health", "node_join_wait", "kube_apply"])
def test_a_silent_server_fails_after_request_timeout_not_the_default(silent_api_server, monkeypatch, capsys, main,
                                                                     args):
    import time

    start = time.monotonic()
    result = run_module(main, dict(args, host=silent_api_server, validate_certs=False, request_timeout=1),
                        monkeypatch, capsys)
    took = time.monotonic() - start
    assert result["failed"] is True and "did not answer in time" in result["msg"], result
    assert took < 5, took  # the default request timeout would be 15 s (5 s for kube_health)
