# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_node_labels.py: the labels NodeRestriction lets a kubelet set on its
own Node (cases from k8s.io/kubelet/pkg/apis IsKubeletLabel and the kubelet's --help), label
and taint syntax, and the node_registration filter over it."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.hardway.nodejoin.plugins.filter import node_registration as registration_filter
from ansible_collections.hardway.nodejoin.plugins.module_utils import _node_labels as nl


@pytest.mark.parametrize("key", [
    "example.com/rack", "rack", "team", "kubernetes.io.example.com/x",  # not a Kubernetes namespace
    "kubernetes.io/hostname", "kubernetes.io/arch", "kubernetes.io/os", "beta.kubernetes.io/arch",
    "beta.kubernetes.io/os", "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type",
    "topology.kubernetes.io/zone", "topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
    "node.kubernetes.io/pool", "kubelet.kubernetes.io/x", "foo.node.kubernetes.io/x", "a.kubelet.kubernetes.io/y",
])
def test_kubelet_may_set(key):
    assert nl.kubelet_may_set(key) is True


@pytest.mark.parametrize("key", [
    "node-role.kubernetes.io/worker", "node-role.kubernetes.io/control-plane",
    "node-restriction.kubernetes.io/pool", "example.node-restriction.kubernetes.io/x",
    "kubernetes.io/role", "k8s.io/x", "sub.k8s.io/x", "example.kubernetes.io/x", "topology.kubernetes.io/rack",
    "xnode.kubernetes.io/x",  # a suffix match needs the dot
])
def test_kubelet_may_not_set(key):
    assert nl.kubelet_may_set(key) is False


def test_registration_splits_and_refuses_forbidden_labels():
    result = nl.registration({"example.com/rack": "r1", "node-role.kubernetes.io/worker": ""}, [])
    assert result["kubelet_labels"] == {"example.com/rack": "r1"}
    assert result["forbidden"] == ["node-role.kubernetes.io/worker"]
    assert result["control_plane_labels"] == {}
    assert len(result["errors"]) == 1
    assert "NodeRestriction" in result["errors"][0] and "node-role.kubernetes.io/worker" in result["errors"][0]
    assert "worker_node_labels_from_control_plane=true" in result["errors"][0]


def test_registration_from_control_plane_applies_every_label():
    labels = {"example.com/rack": "r1", "node-role.kubernetes.io/worker": ""}
    result = nl.registration(labels, [], labels_from_control_plane=True)
    assert result["errors"] == []
    assert result["kubelet_labels"] == {"example.com/rack": "r1"}
    assert result["control_plane_labels"] == labels


@pytest.mark.parametrize("labels,fragment", [
    ({"Bad Key": "x"}, "the name must be"),
    ({"UPPER.example.com/x": "y"}, "DNS subdomain"),
    ({"/x": "y"}, "DNS subdomain"),
    ({"a": "x" * 64}, "at most 63"),
    ({"a": "-x"}, "alphanumeric at both ends"),
    ({"a": 5}, "must be a string"),
    ({"a": "x,y"}, "alphanumeric"),
    ("a=b", "must be a dict"),
])
def test_registration_label_syntax(labels, fragment):
    errors = nl.registration(labels, [])["errors"]
    assert errors and fragment in errors[0]


def test_registration_taints_in_both_forms_for_register_with_taints():
    result = nl.registration({}, [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
                                  "example.com/maint:NoExecute", "spot=true:PreferNoSchedule"])
    assert result["errors"] == []
    assert result["taints"] == [
        {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
        {"key": "example.com/maint", "effect": "NoExecute"},
        {"key": "spot", "value": "true", "effect": "PreferNoSchedule"},
    ]


@pytest.mark.parametrize("taints,fragment", [
    (["gpu"], "key[=value]:effect"),
    ([{"key": "gpu", "effect": "Sometimes"}], "the effect must be one of"),
    ([{"key": "gpu", "effect": "NoSchedule", "operator": "x"}], "give a dict"),
    ([{"key": "gpu", "effect": "NoSchedule"}, "gpu:NoSchedule"], "given twice"),
    (["bad key:NoSchedule"], "the name must be"),
    ("gpu:NoSchedule", "must be a list"),
])
def test_registration_taint_errors(taints, fragment):
    errors = nl.registration({}, taints)["errors"]
    assert errors and fragment in errors[0]


def test_same_taint_key_with_two_effects_is_fine():
    assert nl.registration({}, ["gpu:NoSchedule", "gpu:NoExecute"])["errors"] == []


def test_node_labels_flag():
    assert nl.node_labels_flag({"b": "2", "a": "1", "c": ""}) == "a=1,b=2,c="
    assert nl.node_labels_flag({}) == ""


def test_filter():
    result = registration_filter.node_registration({"example.com/rack": "r1"}, ["gpu:NoSchedule"])
    assert result["kubelet_labels_flag"] == "example.com/rack=r1"
    assert result["taints"] == [{"key": "gpu", "effect": "NoSchedule"}]
    assert registration_filter.FilterModule().filters() == {"node_registration": registration_filter.node_registration}
