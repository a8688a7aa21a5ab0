# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the Pod-wait logic against Pod objects shaped as the API serves them."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.hardway.nodejoin.plugins.module_utils import _pods


def pod(name="podinfo-abcde", node="worker1", phase="Running", ready=True, waiting=None, started="2026-11-21T10:00:03Z",
        scheduled=None, created="2026-11-21T10:00:00Z", restarts=0):
    """A Pod dict like 'kubectl get pod -o json' prints it, reduced to the fields the logic reads."""
    state = {"waiting": {"reason": waiting[0], "message": waiting[1]}} if waiting else \
        ({"running": {"startedAt": started}} if phase == "Running" else {})
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    if scheduled:
        conditions.append({"type": "PodScheduled", "status": "False", "reason": scheduled[0], "message": scheduled[1]})
    status = {"phase": phase, "conditions": conditions, "hostIP": "10.77.0.11", "podIP": "10.77.0.11"}
    if not scheduled:
        status["containerStatuses"] = [{"name": "podinfo", "restartCount": restarts, "state": state}]
    return {"metadata": {"name": name, "namespace": "default", "creationTimestamp": created},
            "spec": {"nodeName": None if scheduled else node}, "status": status}


def test_summary_of_a_running_pod():
    s = _pods.pod_summary(pod(restarts=2))
    assert s == dict(name="podinfo-abcde", namespace="default", node="worker1", phase="Running", ready=True,
                     restarts=2, pod_ip="10.77.0.11", host_ip="10.77.0.11", reason=None, message=None,
                     running_after=3.0)


def test_summary_of_a_pod_that_cannot_pull():
    s = _pods.pod_summary(pod(phase="Pending", ready=False,
                              waiting=("ImagePullBackOff", 'Back-off pulling image "ghcr.io/x"')))
    assert (s["phase"], s["reason"], s["running_after"]) == ("Pending", "ImagePullBackOff", None)
    assert "Back-off" in s["message"]


def test_unschedulable_pod_reports_the_schedulers_message():
    msg = "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports."
    s = _pods.pod_summary(pod(phase="Pending", ready=False, scheduled=("Unschedulable", msg)))
    assert s["node"] is None and s["reason"] == "Unschedulable" and s["message"] == msg
    assert "no node (not scheduled) - Unschedulable: 0/1 nodes" in _pods.describe_pod(s)


def test_pod_level_reason_such_as_evicted():
    p = pod(phase="Failed", ready=False)
    p["status"]["containerStatuses"] = []
    p["status"].update(reason="Evicted", message="The node was low on resource: memory.")
    assert _pods.pod_problem(p) == ("Evicted", "The node was low on resource: memory.")


def test_completed_container_is_no_problem():
    p = pod(phase="Succeeded", ready=False)
    p["status"]["containerStatuses"][0]["state"] = {"terminated": {"reason": "Completed", "exitCode": 0}}
    assert _pods.pod_problem(p) is None


@pytest.mark.parametrize("condition,ready,expected", [
    ("Running", False, True), ("Ready", False, False), ("Ready", True, True)])
def test_meets(condition, ready, expected):
    assert _pods.meets(_pods.pod_summary(pod(ready=ready)), condition) is expected


def test_meets_rejects_an_unknown_condition():
    with pytest.raises(ValueError):
        _pods.meets(_pods.pod_summary(pod()), "Started")


def test_evaluate_needs_count_and_every_node():
    running = [_pods.pod_summary(pod(name="a", node="worker1"))]
    assert _pods.evaluate(running, count=1, nodes=["worker1"]) == (True, [])
    done, missing = _pods.evaluate(running, count=2, nodes=["worker1", "worker2"])
    assert not done and missing == ["1 of 2 Pod(s) Running", "no Running Pod on Node worker2"]


def test_evaluate_ignores_pods_that_do_not_run():
    pending = [_pods.pod_summary(pod(phase="Pending", ready=False, waiting=("ContainerCreating", "")))]
    assert _pods.evaluate(pending, count=1) == (False, ["0 of 1 Pod(s) Running"])


def test_hopeless_reasons():
    stuck = _pods.pod_summary(pod(phase="Pending", ready=False, waiting=("ErrImageNeverPull", "not present")))
    backoff = _pods.pod_summary(pod(phase="Pending", ready=False, waiting=("ImagePullBackOff", "")))
    assert _pods.hopeless([stuck, backoff]) == [stuck]
    assert _pods.hopeless([stuck, backoff], reasons=["ImagePullBackOff"]) == [backoff]


def test_format_events_sorts_and_limits():
    events = [
        {"type": "Warning", "reason": "FailedCreatePodSandBox", "count": 3, "message": "failed to get\n sandbox image",
         "lastTimestamp": "2026-11-21T10:00:09Z", "involvedObject": {"kind": "Pod", "name": "podinfo-abcde"}},
        {"type": "Normal", "reason": "Scheduled", "eventTime": "2026-11-21T10:00:01.000000Z",
         "involvedObject": {"kind": "Pod", "name": "podinfo-abcde"}, "message": "Successfully assigned"},
        {"type": "Normal", "reason": "SuccessfulCreate", "firstTimestamp": "2026-11-21T10:00:00Z",
         "involvedObject": {"kind": "ReplicaSet", "name": "podinfo"}, "message": "Created pod: podinfo-abcde"},
    ]
    assert _pods.format_events(events) == [
        "Normal  SuccessfulCreate  replicaset/podinfo  Created pod: podinfo-abcde",
        "Normal  Scheduled  pod/podinfo-abcde  Successfully assigned",
        "Warning  FailedCreatePodSandBox (x3)  pod/podinfo-abcde  failed to get sandbox image",
    ]
    assert len(_pods.format_events(events, limit=1)) == 1


def test_failure_message():
    summary = dict(name="p1", phase="Pending", ready=False, node=None, reason="Unschedulable",
                   message="0/1 nodes are\n available")
    assert _pods.failure_message("after 5s: x", [summary], ["Warning  FailedScheduling  pod/p1  0/1"], "app=a",
                                 "default") == ("after 5s: x. Pods: p1: Pending on no node (not scheduled) - "
                                                "Unschedulable: 0/1 nodes are available. "
                                                "Last events: Warning  FailedScheduling  pod/p1  0/1")
    assert _pods.failure_message("why", [], [], "app=a", "web") == (
        "why. Pods: no Pod matches app=a in namespace web. Last events: none")
