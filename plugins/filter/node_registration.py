# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
name: node_registration
short_description: Labels and taints a kubelet registers its Node with, checked against NodeRestriction
version_added: 0.2.0
description:
  - Splits O(_input) (labels) into those the kubelet may set on its own Node with C(--node-labels) and those the
    NodeRestriction admission plugin forbids it (C(node-role.kubernetes.io/*), C(node-restriction.kubernetes.io/*),
    other C(kubernetes.io) and C(k8s.io) keys but the kubelet's own), checks label and taint syntax, and returns
    the taints in the form of the kubelet's C(registerWithTaints).
  - Forbidden labels are errors unless O(from_control_plane); then every label is also returned for the control plane
    to apply.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
options:
  _input:
    description: Label key mapped to value.
    type: dict
    required: true
  taints:
    description: Taints, each a dict (C(key), C(value), C(effect)) or a string C(key[=value]:effect).
    type: list
    elements: raw
    default: []
  from_control_plane:
    description: Apply forbidden labels from the control plane instead of refusing them.
    type: bool
    default: false
'''

EXAMPLES = r'''
- name: Check the labels and taints before anything changes
  ansible.builtin.set_fact:
    registration: "{{ {'example.com/rack': 'r1'} | hardway.nodejoin.node_registration([{'key': 'gpu', 'effect': 'NoSchedule'}]) }}"
'''

RETURN = r'''
_value:
  description: >-
    C(kubelet_labels) (dict), C(kubelet_labels_flag) (the C(--node-labels) value), C(control_plane_labels) (dict),
    C(forbidden) (list of keys), C(taints) (list of dicts), C(errors) (list of messages, empty when all is well).
  type: dict
  sample:
    kubelet_labels: {example.com/rack: r1}
    kubelet_labels_flag: example.com/rack=r1
    control_plane_labels: {}
    forbidden: []
    taints: [{key: gpu, effect: NoSchedule}]
    errors: []
'''

from ansible_collections.hardway.nodejoin.plugins.module_utils import _node_labels


def node_registration(labels, taints=None, from_control_plane=False):
    """labels (dict), taints (list), from_control_plane (bool) -> dict: see RETURN and
    ``_node_labels.registration``; adds ``kubelet_labels_flag`` (str)."""
    result = _node_labels.registration(labels, taints, bool(from_control_plane))
    result["kubelet_labels_flag"] = _node_labels.node_labels_flag(result["kubelet_labels"])
    return result


class FilterModule(object):
    """hardway.nodejoin.node_registration"""

    def filters(self):
        return {"node_registration": node_registration}
