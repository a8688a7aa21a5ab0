# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which Pods a drain evicts, skips or refuses to touch (node_drain's decisions), as pure
functions over the API's JSON (``ApiClient.sanitize_for_serialization`` of a ``V1Pod``:
camelCase keys).

Source: ``kubectl drain`` (``k8s.io/kubectl/pkg/drain/filters.go``), whose filters run in this
order: a Pod owned by a DaemonSet is skipped (its controller would put it back at once;
``kubectl drain --ignore-daemonsets``); a mirror Pod (annotation ``kubernetes.io/config.mirror``:
the API's copy of a static Pod) is skipped; a Pod that is not finished and has an ``emptyDir``
volume is refused unless its data may go (``--delete-emptydir-data``); a Pod that is not
finished and has no controller is refused unless forced (``--force``: nothing would recreate
it). Finished Pods (phase ``Succeeded`` or ``Failed``) are always evicted. Evictions go through
the Eviction API (``policy/v1``), so PodDisruptionBudgets are respected: the API answers 429
while a budget does not allow the disruption. No Ansible imports, no third-party ones.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

#: Annotation of the API's copy of a static Pod.
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
FINISHED_PHASES = ("Succeeded", "Failed")


def pod_key(pod):
    """``namespace/name`` of a Pod (str)."""
    meta = pod.get("metadata") or {}
    return "%s/%s" % (meta.get("namespace"), meta.get("name"))


def controller_of(pod):
    """The ownerReference (dict) of ``pod`` with ``controller: true``, or ``None``."""
    return next((ref for ref in (pod.get("metadata") or {}).get("ownerReferences") or [] if ref.get("controller")),
                None)


def classify_pod(pod, force=False, delete_emptydir_data=False):
    """What a drain does with one Pod: ``(action, reason)``.

    ``action`` is ``"skip"`` (DaemonSet-owned or mirror Pod; ``reason`` says which),
    ``"refuse"`` (``reason`` says which option would allow it) or ``"evict"`` (``reason`` a
    warning such as "no controller" when ``force`` allowed it, else ``None``).
    """
    meta = pod.get("metadata") or {}
    controller = controller_of(pod)
    if controller and controller.get("kind") == "DaemonSet":
        return "skip", "owned by DaemonSet %s" % controller.get("name")
    if MIRROR_ANNOTATION in (meta.get("annotations") or {}):
        return "skip", "mirror Pod of a static Pod"
    finished = (pod.get("status") or {}).get("phase") in FINISHED_PHASES
    if finished:
        return "evict", None
    warnings = []
    if any("emptyDir" in volume for volume in (pod.get("spec") or {}).get("volumes") or []):
        if not delete_emptydir_data:
            return "refuse", "has emptyDir data that would be lost (allow it with delete_emptydir_data)"
        warnings.append("its emptyDir data is deleted")
    if controller is None:
        if not force:
            return "refuse", "has no controller that would recreate it elsewhere (allow it with force)"
        warnings.append("it has no controller and is not recreated")
    return "evict", "; ".join(warnings) or None


def drain_plan(pods, force=False, delete_emptydir_data=False):
    """:func:`classify_pod` for each Pod of ``pods`` (list of dicts).

    :returns: dict ``evict`` (list of ``namespace/name``), ``skip`` and ``refuse`` (lists of
        ``{pod, reason}``), ``warnings`` (list of str), each in the order of ``pods``.
    """
    plan = dict(evict=[], skip=[], refuse=[], warnings=[])
    for pod in pods or []:
        action, reason = classify_pod(pod, force, delete_emptydir_data)
        key = pod_key(pod)
        if action == "evict":
            plan["evict"].append(key)
            if reason:
                plan["warnings"].append("%s: %s" % (key, reason))
        else:
            plan[action].append(dict(pod=key, reason=reason))
    return plan


def refusal_message(node_name, refused):
    """The failure message (str) when a drain of ``node_name`` would have to evict the Pods of
    ``refused`` (``drain_plan``'s ``refuse`` list)."""
    return ("cannot drain %s, nothing was changed: %s" % (
        node_name, "; ".join("%s %s" % (item["pod"], item["reason"]) for item in refused)))


def still_there(pods_before, pods_now):
    """The ``namespace/name`` keys (sorted list) of ``pods_before`` that ``pods_now`` still has with
    the same UID (a Pod recreated under the same name, as a StatefulSet does, counts as gone)."""
    now = dict((pod_key(p), (p.get("metadata") or {}).get("uid")) for p in pods_now or [])
    return sorted(pod_key(p) for p in pods_before or []
                  if now.get(pod_key(p)) is not None and now.get(pod_key(p)) == (p.get("metadata") or {}).get("uid"))
