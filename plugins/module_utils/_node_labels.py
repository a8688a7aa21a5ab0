# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Labels and taints a worker's kubelet registers its Node with, checked before anything changes.

Sources: the kubelet's ``--node-labels`` rules and the NodeRestriction admission plugin, both
built on ``k8s.io/kubelet/pkg/apis.IsKubeletLabel`` (``well_known_labels.go``: the allowed keys
and the allowed namespaces ``kubelet.kubernetes.io`` and ``node.kubernetes.io``, each also as a
``.``-suffix) and ``k8s.io/api/core/v1.LabelNamespaceNodeRestriction``
(``node-restriction.kubernetes.io``): a kubelet may not set a label in a ``kubernetes.io`` or
``k8s.io`` namespace (or a subdomain of one) unless ``IsKubeletLabel`` allows it, and never one
in ``node-restriction.kubernetes.io`` (or a subdomain). The kubelet itself refuses to start with
such ``--node-labels`` (``cmd/kubelet/app/options``), and the API server refuses such a Node.
Label syntax: "Labels and Selectors" (a qualified name: an optional DNS subdomain prefix of at
most 253 characters and ``/``, then a name of at most 63; a value of at most 63 characters,
alphanumerics at both ends, ``-``, ``_`` and ``.`` inside). Taints: "Taints and Tolerations"
(effects ``NoSchedule``, ``PreferNoSchedule``, ``NoExecute``) and the kubelet's
``registerWithTaints`` (KubeletConfiguration v1beta1). No Ansible imports.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

#: Keys in a kubernetes.io / k8s.io namespace that a kubelet may set on its own Node
#: (``IsKubeletLabel``'s set, as ``kubelet --help`` of v1.36 lists it).
KUBELET_LABELS = frozenset((
    "kubernetes.io/hostname",
    "kubernetes.io/os",
    "kubernetes.io/arch",
    "beta.kubernetes.io/os",
    "beta.kubernetes.io/arch",
    "beta.kubernetes.io/instance-type",
    "node.kubernetes.io/instance-type",
    "failure-domain.beta.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/region",
    "topology.kubernetes.io/zone",
    "topology.kubernetes.io/region",
))
#: Namespaces (and their subdomains) a kubelet may set labels in.
KUBELET_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")
#: The namespace (and its subdomains) a kubelet may never set labels in.
NODE_RESTRICTION_NAMESPACE = "node-restriction.kubernetes.io"
#: Effects a taint may have.
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")

_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def label_namespace(key):
    """The prefix of ``key`` before its ``/`` (str), ``""`` when it has none."""
    return key.split("/", 1)[0] if "/" in key else ""


def _in_namespace(namespace, domain):
    return namespace == domain or namespace.endswith("." + domain)


def is_kubernetes_namespace(namespace):
    """True for ``kubernetes.io``, ``k8s.io`` and their subdomains (the namespaces Kubernetes reserves)."""
    return _in_namespace(namespace, "kubernetes.io") or _in_namespace(namespace, "k8s.io")


def kubelet_may_set(key):
    """True when a kubelet may register its Node with the label ``key`` (str).

    False for ``node-restriction.kubernetes.io/*`` (and subdomains), and for other keys in a
    ``kubernetes.io`` / ``k8s.io`` namespace unless :data:`KUBELET_LABELS` has them or their
    namespace is (a subdomain of) one of :data:`KUBELET_LABEL_NAMESPACES`; e.g. False for
    ``node-role.kubernetes.io/worker``, True for ``example.com/rack`` and
    ``node.kubernetes.io/pool``.
    """
    namespace = label_namespace(key)
    if _in_namespace(namespace, NODE_RESTRICTION_NAMESPACE):
        return False
    if not is_kubernetes_namespace(namespace):
        return True
    if key in KUBELET_LABELS:
        return True
    return any(_in_namespace(namespace, allowed) for allowed in KUBELET_LABEL_NAMESPACES)


def key_error(key, what="label"):
    """Why ``key`` is no valid qualified name (str), or ``None`` when it is one."""
    if not isinstance(key, str) or not key:
        return "%s key %r must be a non-empty string" % (what, key)
    prefix, name = key.rpartition("/")[::2]
    if "/" in key and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return "%s key %r: the prefix before '/' must be a DNS subdomain (lower case, at most 253 characters)" % (
            what, key)
    if not name or len(name) > 63 or not _NAME.match(name):
        return ("%s key %r: the name must be 1-63 characters, alphanumeric at both ends, with '-', '_' or '.' "
                "inside" % (what, key))
    return None


def value_error(key, value, what="label"):
    """Why ``value`` is no valid label (or taint) value for ``key`` (str), or ``None``."""
    if not isinstance(value, str):
        return "%s %r: the value %r must be a string (quote it in YAML)" % (what, key, value)
    if value and (len(value) > 63 or not _NAME.match(value)):
        return ("%s %r: the value %r must be at most 63 characters, alphanumeric at both ends, with '-', '_' or "
                "'.' inside" % (what, key, value))
    return None


def normalise_taint(taint):
    """``{key, value, effect}`` from a taint given as a dict or as ``key[=value]:effect`` (str).

    Raises ``ValueError`` with a message for anything else.
    """
    if isinstance(taint, str):
        body, sep, effect = taint.rpartition(":")
        if not sep:
            raise ValueError("taint %r: write it as key[=value]:effect" % taint)
        key, value = body.partition("=")[::2]
        return dict(key=key, value=value, effect=effect)
    if isinstance(taint, dict) and set(taint) <= {"key", "value", "effect"}:
        return dict(key=taint.get("key"), value=taint.get("value") or "", effect=taint.get("effect"))
    raise ValueError("taint %r: give a dict with key, value (optional) and effect, or key[=value]:effect" % (taint,))


def registration(labels=None, taints=None, labels_from_control_plane=False):
    """What the join does with ``worker_node_labels`` and ``worker_node_taints``.

    :arg labels: dict label key -> value (str).
    :arg taints: list of taints, each a dict (``key``, ``value``, ``effect``) or ``key[=value]:effect``.
    :arg labels_from_control_plane: whether labels a kubelet may not set are applied from the
        control plane (with the admin kubeconfig) after the join instead of refused.
    :returns: dict ``kubelet_labels`` (dict: for ``--node-labels``), ``control_plane_labels``
        (dict: applied from the control plane; every label when ``labels_from_control_plane``,
        else empty), ``forbidden`` (sorted list of the keys a kubelet may not set), ``taints``
        (list of ``{key, value, effect}`` for ``registerWithTaints``, value omitted when empty),
        ``errors`` (list of str: each says what to fix; empty when the input is usable).
    """
    labels = labels or {}
    errors = []
    if not isinstance(labels, dict):
        errors.append("worker_node_labels must be a dict of label key to value, got %r" % (labels,))
        labels = {}
    for key in sorted(labels, key=str):
        problem = key_error(key) or value_error(key, labels[key])
        if problem:
            errors.append(problem)
    forbidden = sorted(k for k in labels if isinstance(k, str) and not kubelet_may_set(k))
    if forbidden and not labels_from_control_plane:
        errors.append(
            "the NodeRestriction admission plugin forbids a kubelet to set %s on its own Node (allowed in the "
            "kubernetes.io and k8s.io namespaces: %s and the namespaces %s; never %s/*): drop them, or set "
            "worker_node_labels_from_control_plane=true to apply them from the control plane after the join"
            % (", ".join(forbidden), ", ".join(sorted(KUBELET_LABELS)),
               ", ".join("[*.]" + n for n in KUBELET_LABEL_NAMESPACES), NODE_RESTRICTION_NAMESPACE))
    normalised, seen = [], set()
    if not isinstance(taints or [], list):
        errors.append("worker_node_taints must be a list, got %r" % (taints,))
        taints = []
    for taint in taints or []:
        try:
            taint = normalise_taint(taint)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        problem = key_error(taint["key"], "taint") or value_error(taint["key"], taint["value"], "taint")
        if problem:
            errors.append(problem)
        elif taint["effect"] not in TAINT_EFFECTS:
            errors.append("taint %r: the effect must be one of %s, got %r"
                          % (taint["key"], ", ".join(TAINT_EFFECTS), taint["effect"]))
        elif (taint["key"], taint["effect"]) in seen:
            errors.append("taint %r with effect %s is given twice" % (taint["key"], taint["effect"]))
        else:
            seen.add((taint["key"], taint["effect"]))
            normalised.append(dict((k, v) for k, v in taint.items() if v != "" or k != "value"))
    good = dict((k, v) for k, v in labels.items() if isinstance(k, str) and kubelet_may_set(k))
    return dict(
        kubelet_labels=good,
        control_plane_labels=dict(labels) if labels_from_control_plane and not errors else {},
        forbidden=forbidden,
        taints=normalised,
        errors=errors,
    )


def node_labels_flag(labels):
    """The kubelet's ``--node-labels`` value for ``labels`` (dict): ``k=v`` pairs sorted by key,
    joined by ``,`` (str; ``""`` for none)."""
    return ",".join("%s=%s" % (k, labels[k]) for k in sorted(labels))
