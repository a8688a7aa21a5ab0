# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_apply.py: when a server-side apply changes an object, and the diff text."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

from ansible_collections.hardway.nodejoin.plugins.module_utils import _apply

BINDING = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
           "metadata": {"name": "kubelet-bootstrap"},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:node-bootstrapper"},
           "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:bootstrappers"}]}


def served(obj, **meta):
    """``obj`` as the API server answers it: with the metadata it sets by itself and a status."""
    metadata = dict(obj["metadata"], resourceVersion="123", uid="u-1", generation=2,
                    creationTimestamp="2026-11-29T10:00:00Z", managedFields=[{"manager": "x"}])
    metadata.update(meta)
    out = dict(obj, metadata=metadata)
    out["status"] = {"anything": True}
    return out


def test_comparable_drops_what_the_server_sets_and_copies():
    live = served(BINDING)
    assert _apply.comparable(live) == BINDING
    assert live["metadata"]["uid"] == "u-1" and "status" in live  # the input is left alone
    assert _apply.comparable(None) is None


def test_apply_action():
    assert _apply.apply_action(None, served(BINDING)) == "created"
    assert _apply.apply_action(served(BINDING), served(BINDING, resourceVersion="124")) == "none"
    changed = dict(BINDING, subjects=[])
    assert _apply.apply_action(served(BINDING), served(changed)) == "updated"
    # a label the server would add through the apply counts
    assert _apply.apply_action(served(BINDING), served(BINDING, labels={"a": "b"})) == "updated"


def test_definition_error_and_header():
    assert _apply.definition_error(BINDING) is None
    for bad in ({"kind": "X", "metadata": {"name": "n"}}, {"apiVersion": "v1", "metadata": {"name": "n"}},
                {"apiVersion": "v1", "kind": "X", "metadata": {}}, {"apiVersion": "v1", "kind": "X"}):
        assert _apply.definition_error(bad).startswith("each definition needs apiVersion, kind and metadata.name")
    assert _apply.header(BINDING) == "ClusterRoleBinding kubelet-bootstrap"
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cluster-info", "namespace": "kube-public"}}
    assert _apply.header(cm) == "ConfigMap kube-public/cluster-info"


def test_diff_is_sorted_yaml_without_server_fields():
    entry = _apply.diff(BINDING, None, served(BINDING))
    assert entry["before"] == "" and entry["before_header"] == entry["after_header"] == "ClusterRoleBinding kubelet-bootstrap"
    assert entry["after"].startswith("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n")
    assert "uid" not in entry["after"] and "status" not in entry["after"] and "managedFields" not in entry["after"]
    assert _apply.diff(BINDING, served(BINDING), None)["after"] == ""
