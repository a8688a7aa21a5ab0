# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_drain.py: kubectl drain's filters (k8s.io/kubectl/pkg/drain/filters.go)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.hardway.nodejoin.plugins.module_utils import _drain


def pod(name, owner=None, phase="Running", volumes=(), mirror=False, uid="u1", namespace="default"):
    meta = {"name": name, "namespace": namespace, "uid": uid}
    if owner:
        meta["ownerReferences"] = [{"kind": "Owner", "name": "not-the-controller"},
                                   {"kind": owner, "name": "%s-owner" % name, "controller": True}]
    if mirror:
        meta["annotations"] = {_drain.MIRROR_ANNOTATION: "abc"}
    return {"metadata": meta, "spec": {"volumes": list(volumes)}, "status": {"phase": phase}}


EMPTYDIR = {"name": "scratch", "emptyDir": {}}
CONFIGMAP = {"name": "cfg", "configMap": {"name": "x"}}


@pytest.mark.parametrize("the_pod,force,emptydir,expected", [
    (pod("ds", owner="DaemonSet"), False, False, "skip"),
    (pod("ds-emptydir", owner="DaemonSet", volumes=[EMPTYDIR]), False, False, "skip"),
    (pod("mirror", mirror=True), False, False, "skip"),
    (pod("rs", owner="ReplicaSet"), False, False, "evict"),
    (pod("rs-cfg", owner="ReplicaSet", volumes=[CONFIGMAP]), False, False, "evict"),
    (pod("bare"), False, False, "refuse"),
    (pod("bare"), True, False, "evict"),
    (pod("bare-done", phase="Succeeded"), False, False, "evict"),
    (pod("failed-emptydir", phase="Failed", volumes=[EMPTYDIR]), False, False, "evict"),
    (pod("rs-emptydir", owner="ReplicaSet", volumes=[EMPTYDIR]), False, False, "refuse"),
    (pod("rs-emptydir", owner="ReplicaSet", volumes=[EMPTYDIR]), False, True, "evict"),
    (pod("bare-emptydir", volumes=[EMPTYDIR]), True, False, "refuse"),
    (pod("bare-emptydir", volumes=[EMPTYDIR]), True, True, "evict"),
])
def test_classify_pod(the_pod, force, emptydir, expected):
    assert _drain.classify_pod(the_pod, force, emptydir)[0] == expected


def test_drain_plan_says_why():
    pods = [pod("ds", owner="DaemonSet"), pod("rs", owner="ReplicaSet"), pod("bare"),
            pod("scratch", owner="StatefulSet", volumes=[EMPTYDIR])]
    plan = _drain.drain_plan(pods)
    assert plan["evict"] == ["default/rs"]
    assert plan["skip"] == [{"pod": "default/ds", "reason": "owned by DaemonSet ds-owner"}]
    assert [r["pod"] for r in plan["refuse"]] == ["default/bare", "default/scratch"]
    message = _drain.refusal_message("worker1", plan["refuse"])
    assert message.startswith("cannot drain worker1, nothing was changed: default/bare has no controller")
    assert "(allow it with force)" in message and "(allow it with delete_emptydir_data)" in message
    forced = _drain.drain_plan(pods, force=True, delete_emptydir_data=True)
    assert forced["evict"] == ["default/rs", "default/bare", "default/scratch"]
    assert forced["warnings"] == ["default/bare: it has no controller and is not recreated",
                                  "default/scratch: its emptyDir data is deleted"]
    assert _drain.drain_plan(None) == dict(evict=[], skip=[], refuse=[], warnings=[])


def test_still_there_counts_a_pod_recreated_under_its_name_as_gone():
    before = [pod("a", uid="1"), pod("b", uid="2"), pod("c", uid="3")]
    now = [pod("a", uid="1"), pod("b", uid="22")]
    assert _drain.still_there(before, now) == ["default/a"]
    assert _drain.still_there(before, []) == []
