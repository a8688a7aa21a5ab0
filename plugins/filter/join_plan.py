# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r'''
---
name: join_plan
short_description: What the join does with each worker (join, joined already, or refuse)
version_added: 0.2.0
description:
  - From each worker's preflight facts (RV(hardway.nodejoin.node_preflight#module:kubelet), machine id) and the
    Nodes the cluster has (RV(hardway.nodejoin.node_info#module:nodes)), decides per worker V(joined) (its
    kubelet runs with a kubeconfig, so nothing is changed), V(join), or V(refuse) (a Ready Node of that name
    belongs to another machine, as kubeadm's preflight refuses; or a Node of that name that is not Ready was
    registered by another machine, a reinstalled host, and the worker's C(replace) is false).
  - A worker with C(replace) true (its C(worker_replace)) whose name is held by such a stale Node gets V(join)
    with C(replace) true, and the control plane deletes that Node and its CSRs before the join.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
options:
  _input:
    description: Worker name mapped to its preflight result (node_name, machine_id, kubelet, replace).
    type: dict
    required: true
  nodes:
    description: Node name mapped to its summary or V(null) (the RV(hardway.nodejoin.node_info#module:nodes) result).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Plan
  ansible.builtin.set_fact:
    plan: "{{ workers | hardway.nodejoin.join_plan(cluster.nodes) }}"
'''

RETURN = r'''
_value:
  description: >-
    Worker name mapped to C(state) (join, joined, refuse), C(reason), C(node_name), C(node_existed) (a Node of
    that name is there and stays: false when C(replace) deletes it), C(replace) (the stale Node is deleted first).
  type: dict
  sample:
    worker1: {state: join, reason: null, node_name: worker1, node_existed: false, replace: false}
    worker2: {state: joined, reason: the kubelet runs with the kubeconfig /etc/kubernetes/kubelet.conf, node_name: worker2,
              node_existed: true, replace: false}
'''

from ansible_collections.hardway.nodejoin.plugins.module_utils._preflight import join_state


def join_plan(workers, nodes):
    """{worker: preflight} , {node: summary|None} -> {worker: {state, reason, node_name, node_existed, replace}}.

    Workers are taken in name order; one that would register the same node name as another
    worker of the run, or has the same machine id (a cloned machine), is refused.
    """
    plan = {}
    names, machines = {}, {}
    for worker in sorted(workers or {}):
        facts = workers[worker] or {}
        kubelet = facts.get("kubelet") or {}
        node = (nodes or {}).get(facts.get("node_name"))
        state, reason = join_state(dict(kubeconfig_exists=kubelet.get("kubeconfig_exists"),
                                        kubeconfig=kubelet.get("kubeconfig")), node, facts.get("machine_id"),
                                   replace=bool(facts.get("replace")))
        replace = state == "replace"
        if replace:
            state = "join"
        name, machine = facts.get("node_name"), facts.get("machine_id")
        if state == "join" and name in names:
            state, reason = "refuse", ("worker %s would register the same node name %s: give one of them "
                                       "another hostname" % (names[name], name))
        elif state == "join" and machine and machine in machines:
            state, reason = "refuse", ("it has the machine id of worker %s (a cloned machine?): give it its own "
                                       "/etc/machine-id" % machines[machine])
        if name:
            names.setdefault(name, worker)
        if machine:
            machines.setdefault(machine, worker)
        if state != "join":
            replace = False
        plan[worker] = dict(state=state, reason=reason, node_name=name,
                            node_existed=node is not None and not replace, replace=replace)
    return plan


class FilterModule(object):
    """hardway.nodejoin.join_plan"""

    def filters(self):
        return {"join_plan": join_plan}
