#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: pod_wait
short_description: Wait until the Pods of a workload run (on given Nodes), or say why they do not
version_added: 0.2.0
description:
  - Polls the Pods that match O(label_selector) in O(namespace) until at least O(count) of them are
    C(Running) (or also C(Ready), see O(condition)) and every Node of O(nodes) runs one of them, as
    C(kubectl get pods -l ... -o wide -w) does in the lesson's last step.
  - On timeout, and at once when a container waits for a reason it cannot get past by itself
    (O(fail_on_reasons), e.g. C(ErrImageNeverPull)), fails with each Pod's state and reason
    (C(ImagePullBackOff), C(Unschedulable) with the scheduler's message, ...) and the last events of
    the Pods and of the objects named in O(events_for).
  - Only reads; never changes anything.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - kubernetes (Python library) on the host that runs the module
seealso:
  - module: hardway.nodejoin.kube_apply
  - module: hardway.nodejoin.node_join_wait
  - link: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/
    name: Pod lifecycle
    description: Pod phases, conditions and the container states whose reasons this module reports.
options:
  namespace:
    description: Namespace of the Pods.
    type: str
    default: default
  label_selector:
    description: Label selector of the Pods, e.g. C(app=podinfo).
    type: str
    required: true
  condition:
    description: V(Running) waits for the Pod phase C(Running); V(Ready) also for the C(Ready) condition.
    type: str
    choices: [Running, Ready]
    default: Running
  count:
    description: How many Pods must meet O(condition). Default the number of O(nodes), or 1.
    type: int
  nodes:
    description: Node names each of which must run at least one Pod that meets O(condition).
    type: list
    elements: str
    default: []
  fail_on_reasons:
    description: Container waiting reasons that fail the wait at once instead of at the timeout.
    type: list
    elements: str
    default: [ErrImageNeverPull, InvalidImageName]
  events_for:
    description: Names of further objects in O(namespace) (e.g. the ReplicaSet) whose events a failure reports.
    type: list
    elements: str
    default: []
  timeout:
    description: Seconds to wait in all.
    type: int
    default: 180
  poll_interval:
    description: Seconds between polls.
    type: float
    default: 1.0
extends_documentation_fragment:
  - hardway.nodejoin.connection
  - hardway.nodejoin.read_only_attributes
"""

EXAMPLES = r"""
- name: Wait until a podinfo Pod runs on each new worker
  hardway.nodejoin.pod_wait:
    label_selector: app=podinfo
    nodes: [worker1, worker2]
    events_for: [podinfo]
    timeout: 180
"""

RETURN = r"""
pods:
  description: Every Pod that matched, at the end of the wait.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: Pod name.
      type: str
      sample: podinfo-x7k2p
    node:
      description: Node the Pod is scheduled to, or null.
      type: str
      sample: worker1
    phase:
      description: Pod phase (C(Pending), C(Running), ...).
      type: str
      sample: Running
    ready:
      description: Whether the Ready condition is True.
      type: bool
      sample: true
    restarts:
      description: Container restarts, summed.
      type: int
      sample: 0
    pod_ip:
      description: Pod IP (the Node's IP for a hostNetwork Pod).
      type: str
      sample: 10.77.0.11
    host_ip:
      description: IP of the Node.
      type: str
      sample: 10.77.0.11
    reason:
      description: What keeps the Pod from running (C(ImagePullBackOff), C(Unschedulable), ...), or null.
      type: str
      sample: null
    message:
      description: The message that goes with O(ignore:reason).
      type: str
      sample: null
    running_after:
      description: Seconds from the Pod's creation until its containers ran (server clock, 1 s resolution).
      type: float
      sample: 1.0
events:
  description: On failure, the last events of the Pods and of O(events_for), as C(kubectl describe) lists them.
  returned: failure
  type: list
  elements: str
  sample: ["Warning  FailedScheduling  pod/podinfo-x7k2p  0/1 nodes are available: 1 node(s) had untolerated taint"]
elapsed:
  description: Seconds waited.
  returned: always
  type: float
  sample: 0.73
"""

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube
from ansible_collections.hardway.nodejoin.plugins.module_utils import _pods
from ansible_collections.hardway.nodejoin.plugins.module_utils._poll import Deadline, PollTimeout, poll


class _Hopeless(Exception):
    """A Pod cannot start by itself: fail before the timeout."""


def _events(kube, core, namespace, names):
    events = []
    for name in names:
        found = kube.call(core.list_namespaced_event, namespace, field_selector="involvedObject.name=%s" % name)
        events.extend(kube.client.sanitize_for_serialization(e) for e in found.items)
    return _pods.format_events(events)


def main():
    kube = _kube.KubeModule(
        dict(
            namespace=dict(type="str", default="default"),
            label_selector=dict(type="str", required=True),
            condition=dict(type="str", default="Running", choices=list(_pods.CONDITIONS)),
            count=dict(type="int"),
            nodes=dict(type="list", elements="str", default=[]),
            fail_on_reasons=dict(type="list", elements="str", default=list(_pods.HOPELESS_REASONS)),
            events_for=dict(type="list", elements="str", default=[]),
            timeout=dict(type="int", default=180),
            poll_interval=dict(type="float", default=1.0),
        ),
        supports_check_mode=True,
    )
    p = kube.params
    count = p["count"] if p["count"] is not None else max(len(p["nodes"]), 1)
    core = kube.api("CoreV1Api")
    clock = Deadline(p["timeout"])

    def fail(why, summaries):
        names = [s["name"] for s in summaries] + p["events_for"]
        try:
            events = _events(kube, core, p["namespace"], names)
        except _kube.KubeError as exc:
            events = ["(events not readable: %s)" % exc]
        kube.fail(_pods.failure_message(why, summaries, events, p["label_selector"], p["namespace"]),
                  pods=summaries, events=events, elapsed=round(clock.elapsed(), 2))

    def attempt(_remaining):
        try:
            found = kube.call(core.list_namespaced_pod, p["namespace"], label_selector=p["label_selector"])
        except _kube.KubeError as exc:
            kube.fail(str(exc), elapsed=round(clock.elapsed(), 2))
        summaries = sorted((_pods.pod_summary(kube.client.sanitize_for_serialization(pod)) for pod in found.items),
                           key=lambda s: s["name"])
        done, missing = _pods.evaluate(summaries, p["condition"], count, p["nodes"])
        if not done:
            stuck = _pods.hopeless(summaries, p["fail_on_reasons"])
            if stuck:
                raise _Hopeless("Pod %s cannot start (%s)" % (stuck[0]["name"], stuck[0]["reason"]), summaries)
        return done, (summaries, missing)

    try:
        polled = poll(attempt, p["timeout"], p["poll_interval"])
    except _Hopeless as exc:
        fail(exc.args[0], exc.args[1])
    except PollTimeout as exc:
        summaries, missing = exc.state
        fail("after %ss: %s" % (p["timeout"], "; ".join(missing)), summaries)
    kube.exit(changed=False, pods=polled.state[0], elapsed=round(polled.elapsed, 2))


if __name__ == "__main__":
    main()
