#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: node_drain
short_description: Cordon a Node and evict its Pods through the Eviction API, as kubectl drain does
version_added: 0.2.0
description:
  - Marks the Node O(name) unschedulable (C(kubectl cordon)), then evicts its Pods with the Eviction API
    (C(policy/v1)), so PodDisruptionBudgets are respected, and waits until they are gone, as
    C(kubectl drain --ignore-daemonsets) does.
  - Pods owned by a DaemonSet and mirror Pods (static Pods) are left alone. A Pod with C(emptyDir) data
    (unless O(delete_emptydir_data)) or without a controller (unless O(force)) makes the module fail
    before anything changes, naming the Pods.
  - An eviction a PodDisruptionBudget blocks (HTTP 429) is retried until O(timeout); then the module fails
    naming the Pods left and the budget's message. The Node stays cordoned.
  - A Node that does not exist is nothing to drain (C(changed=false), RV(node_exists=false)).
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - kubernetes (Python library) on the host that runs the module
seealso:
  - module: hardway.nodejoin.node_remove
  - link: https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/
    name: Safely Drain a Node
    description: kubectl drain, the Eviction API and PodDisruptionBudgets.
options:
  name:
    description: Name of the Node.
    type: str
    required: true
  force:
    description: Also evict Pods that no controller would recreate (C(kubectl drain --force)); they are lost.
    type: bool
    default: false
  delete_emptydir_data:
    description: Also evict Pods with C(emptyDir) volumes, whose data is lost (C(--delete-emptydir-data)).
    type: bool
    default: false
  timeout:
    description: Seconds for the evictions and for the evicted Pods to be gone.
    type: int
    default: 300
  grace_period:
    description: Seconds each Pod gets to terminate; default the Pod's own C(terminationGracePeriodSeconds).
    type: int
  cordon_only:
    description: Only mark the Node unschedulable; evict nothing.
    type: bool
    default: false
extends_documentation_fragment:
  - hardway.nodejoin.connection
attributes:
  check_mode:
    support: full
    description: Reports whether the Node would be cordoned and which Pods evicted, skipped or refused.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
"""

EXAMPLES = r"""
- name: Drain worker1 (on the control plane, with the admin kubeconfig)
  hardway.nodejoin.node_drain:
    name: worker1
    timeout: 120
"""

RETURN = r"""
node_exists:
  description: Whether the Node was there.
  returned: success
  type: bool
  sample: true
cordoned:
  description: Whether this run marked the Node unschedulable (false when it already was).
  returned: success
  type: bool
  sample: true
evicted:
  description: The Pods (C(namespace/name)) evicted (in check mode, that would be).
  returned: success
  type: list
  elements: str
  sample: [default/podinfo-7x2kq]
skipped:
  description: The Pods left on the Node, each with C(pod) and C(reason) (DaemonSet, mirror Pod).
  returned: success
  type: list
  elements: dict
  sample: [{pod: kube-system/kube-proxy-x2v9d, reason: owned by DaemonSet kube-proxy}]
pod_warnings:
  description: What evicting some Pods costs (no controller, emptyDir data), one line each.
  returned: success
  type: list
  elements: str
  sample: ["default/scratch: its emptyDir data is deleted"]
"""

from ansible_collections.hardway.nodejoin.plugins.module_utils import _drain
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube
from ansible_collections.hardway.nodejoin.plugins.module_utils._poll import Deadline, PollTimeout, poll

#: Seconds between two tries of an eviction a PodDisruptionBudget blocks, and between two looks.
INTERVAL = 2


def main():
    kube = _kube.KubeModule(
        dict(
            name=dict(type="str", required=True),
            force=dict(type="bool", default=False),
            delete_emptydir_data=dict(type="bool", default=False),
            timeout=dict(type="int", default=300),
            grace_period=dict(type="int"),
            cordon_only=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = kube.params

    def pods_on_node(core):
        listed = kube.call(core.list_pod_for_all_namespaces, field_selector="spec.nodeName=%s" % p["name"])
        return [kube.client.sanitize_for_serialization(pod) for pod in listed.items]

    def body():
        core = kube.api("CoreV1Api")
        node = kube.read(core.read_node, p["name"])
        node = kube.client.sanitize_for_serialization(node) if node is not None else None
        result = dict(changed=False, node_exists=node is not None, cordoned=False, evicted=[], skipped=[],
                      pod_warnings=[])
        if node is None:
            return result
        pods = [] if p["cordon_only"] else pods_on_node(core)
        plan = _drain.drain_plan(pods, p["force"], p["delete_emptydir_data"])
        if plan["refuse"]:
            raise _kube.KubeError(_drain.refusal_message(p["name"], plan["refuse"]))
        result.update(skipped=plan["skip"], pod_warnings=plan["warnings"], evicted=plan["evict"])
        if not (node.get("spec") or {}).get("unschedulable"):
            result.update(changed=True, cordoned=True)
            if not kube.check_mode:
                kube.call(core.patch_node, p["name"], {"spec": {"unschedulable": True}})
        if plan["evict"]:
            result["changed"] = True
        if kube.check_mode or not plan["evict"]:
            return result
        to_evict = [pod for pod in pods if _drain.pod_key(pod) in plan["evict"]]
        deadline = Deadline(p["timeout"])
        try:
            evict(core, to_evict, deadline)
            wait_gone(core, to_evict, deadline)
        except _kube.KubeError as exc:
            # the Node may be cordoned and some Pods evicted by now: say so
            kube.fail(str(exc), changed=True, node_exists=True, cordoned=result["cordoned"])
        return result

    def evict(core, pods, deadline):
        pending = list(pods)
        blocked = {}

        def attempt(_remaining):
            for pod in list(pending):
                meta = pod["metadata"]
                eviction = {"apiVersion": "policy/v1", "kind": "Eviction",
                            "metadata": {"name": meta["name"], "namespace": meta["namespace"]}}
                if p["grace_period"] is not None:
                    eviction["deleteOptions"] = {"gracePeriodSeconds": p["grace_period"]}
                try:
                    kube.call(core.create_namespaced_pod_eviction, meta["name"], meta["namespace"], eviction)
                except _kube.KubeError as exc:
                    if exc.status == 429:
                        # a PodDisruptionBudget does not allow it now: try again
                        blocked[_drain.pod_key(pod)] = str(exc)
                        continue
                    if exc.status != 404:
                        raise
                blocked.pop(_drain.pod_key(pod), None)
                pending.remove(pod)
            return not pending, dict(blocked)

        try:
            poll(attempt, deadline.remaining(), INTERVAL)
        except PollTimeout as exc:
            raise _kube.KubeError(
                "draining %s: after %ds the eviction of %s is still refused (a PodDisruptionBudget does not allow "
                "it: %s); the Node stays cordoned. Scale the workload up or relax the budget, or raise the timeout"
                % (p["name"], p["timeout"], ", ".join(sorted(exc.state)), " | ".join(sorted(set(exc.state.values())))))

    def wait_gone(core, pods, deadline):
        def attempt(_remaining):
            left = _drain.still_there(pods, pods_on_node(core))
            return not left, left

        try:
            poll(attempt, deadline.remaining(), INTERVAL)
        except PollTimeout as exc:
            raise _kube.KubeError("draining %s: after %ds the evicted Pods %s are still there (terminating: see "
                                  "'kubectl describe pod'); the Node stays cordoned"
                                  % (p["name"], p["timeout"], ", ".join(exc.state)))

    kube.run(body)


if __name__ == "__main__":
    main()
