# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure logic for waiting on Pods: summarise a Pod, say what keeps it from running, decide
whether a wait is over, and render events the way ``kubectl describe`` lists them.

Every function takes objects as the API serves them (camelCase dicts, e.g. from
``ApiClient.sanitize_for_serialization`` or ``kubectl get -o json``), so the logic is the
same whatever client produced them. Field meanings follow the Pod lifecycle documentation
(https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/) and ``kubectl get pods``'
STATUS column (``printPod`` in ``k8s.io/kubernetes/pkg/printers/internalversion``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime

#: Container waiting reasons the kubelet does not get past by itself: waiting longer is useless.
HOPELESS_REASONS = ("ErrImageNeverPull", "InvalidImageName")

#: Conditions a wait can ask for: the Pod's phase is Running, or (also) its Ready condition is True.
CONDITIONS = ("Running", "Ready")


def _time(text):
    """A ``datetime`` from an RFC 3339 timestamp string (or a datetime); None when empty."""
    if not text:
        return None
    if isinstance(text, datetime.datetime):
        return text
    return datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _condition(pod, kind):
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == kind:
            return cond
    return None


def pod_problem(pod):
    """Why ``pod`` (dict) is not running, as ``(reason, message)``, or ``None`` when nothing is wrong.

    In order: a container waiting or terminated with a reason (``ImagePullBackOff``,
    ``ErrImageNeverPull``, ``CrashLoopBackOff``, ``ContainerCreating`` ...), the Pod's own
    reason (``Evicted``), or the ``PodScheduled=False`` condition (``Unschedulable`` with
    the scheduler's message, e.g. ``0/1 nodes are available: 1 node(s) didn't have free ports``).
    """
    status = pod.get("status") or {}
    for cs in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
        state = cs.get("state") or {}
        for key in ("waiting", "terminated"):
            detail = state.get(key)
            if detail and detail.get("reason") and detail.get("reason") != "Completed":
                return detail["reason"], detail.get("message") or ""
    if status.get("reason"):
        return status["reason"], status.get("message") or ""
    scheduled = _condition(pod, "PodScheduled")
    if scheduled and scheduled.get("status") == "False":
        return scheduled.get("reason") or "Unschedulable", scheduled.get("message") or ""
    return None


def pod_summary(pod):
    """A flat summary of ``pod`` (dict) for a module's return value.

    Keys: ``name``, ``namespace``, ``node`` (None while unscheduled), ``phase``, ``ready``
    (bool, the Ready condition), ``restarts`` (sum over containers), ``pod_ip``, ``host_ip``,
    ``reason`` and ``message`` (from :func:`pod_problem`, None when fine) and
    ``running_after`` (seconds, float, from the Pod's creation to the moment its last
    container started running; None while not running).
    """
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    ready = _condition(pod, "Ready")
    statuses = status.get("containerStatuses") or []
    problem = pod_problem(pod)
    running_after = None
    created = _time(meta.get("creationTimestamp"))
    started = [_time(((cs.get("state") or {}).get("running") or {}).get("startedAt")) for cs in statuses]
    if created and statuses and all(started):
        running_after = round((max(started) - created).total_seconds(), 3)
    return dict(
        name=meta.get("name"),
        namespace=meta.get("namespace"),
        node=spec.get("nodeName"),
        phase=status.get("phase") or "Pending",
        ready=bool(ready and ready.get("status") == "True"),
        restarts=sum(int(cs.get("restartCount") or 0) for cs in statuses),
        pod_ip=status.get("podIP"),
        host_ip=status.get("hostIP"),
        reason=problem[0] if problem else None,
        message=problem[1] if problem else None,
        running_after=running_after,
    )


def meets(summary, condition):
    """True when a :func:`pod_summary` meets ``condition`` (one of :data:`CONDITIONS`)."""
    if condition not in CONDITIONS:
        raise ValueError("condition must be one of %s, not %r" % (", ".join(CONDITIONS), condition))
    if summary["phase"] != "Running":
        return False
    return summary["ready"] if condition == "Ready" else True


def evaluate(summaries, condition="Running", count=1, nodes=None):
    """Decide whether a wait is over.

    ``summaries`` is a list of :func:`pod_summary` dicts; ``count`` the minimum number of
    Pods that must meet ``condition``; ``nodes`` an optional list of Node names each of which
    must run at least one such Pod. Returns ``(done, missing)``: ``missing`` is a list of
    human-readable strings saying what is not there yet (empty when done).
    """
    good = [s for s in summaries if meets(s, condition)]
    missing = []
    if len(good) < count:
        missing.append("%d of %d Pod(s) %s" % (len(good), count, condition))
    for node in nodes or []:
        if not any(s["node"] == node for s in good):
            missing.append("no %s Pod on Node %s" % (condition, node))
    return not missing, missing


def hopeless(summaries, reasons=HOPELESS_REASONS):
    """The summaries whose ``reason`` is among ``reasons``: waiting on them is pointless."""
    return [s for s in summaries if s["reason"] in reasons]


def describe_pod(summary):
    """One line for a Pod, like a row of ``kubectl get pods -o wide`` plus what is wrong (str)."""
    line = "%s: %s%s on %s" % (summary["name"], summary["phase"], " (Ready)" if summary["ready"] else "",
                               summary["node"] or "no node (not scheduled)")
    if summary["reason"]:
        line += " - %s" % summary["reason"]
        if summary["message"]:
            line += ": %s" % " ".join(summary["message"].split())
    return line


def format_events(events, limit=10):
    """The last ``limit`` events (dicts of ``core/v1`` Events) as lines like ``kubectl describe``:
    ``Warning  FailedScheduling (x3)  pod/podinfo-abc  0/1 nodes are available: ...``.

    Events are ordered by ``lastTimestamp`` (or ``eventTime``/``firstTimestamp``), oldest first.
    """
    def when(event):
        stamp = event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp")
        parsed = _time(stamp)
        return parsed.timestamp() if parsed else 0.0

    lines = []
    for event in sorted(events, key=when)[-limit:]:
        obj = event.get("involvedObject") or {}
        times = int(event.get("count") or 1)
        lines.append("%s  %s%s  %s/%s  %s" % (
            event.get("type") or "Normal", event.get("reason") or "", " (x%d)" % times if times > 1 else "",
            (obj.get("kind") or "").lower(), obj.get("name") or "", " ".join((event.get("message") or "").split())))
    return lines


def failure_message(why, summaries, events, label_selector, namespace):
    """The message of a failed wait (str): ``why``, one :func:`describe_pod` line per Pod (or that
    no Pod matches ``label_selector`` in ``namespace``) and the ``events`` lines (or ``none``)."""
    lines = [describe_pod(s) for s in summaries] or ["no Pod matches %s in namespace %s" % (label_selector, namespace)]
    return "%s. Pods: %s. Last events: %s" % (why, "; ".join(lines), " | ".join(events) or "none")
