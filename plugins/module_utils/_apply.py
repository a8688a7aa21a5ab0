# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What ``kube_apply`` decides about one object, as pure functions over API JSON (dicts).

Server-side apply (Kubernetes documentation "Server-Side Apply") is sent as a dry run first;
the object counts as unchanged when the dry run's answer equals the live object once the
fields the server sets by itself are left out (``status`` and the metadata in
:data:`VOLATILE_METADATA`, which change on every write, see "Object Meta" in the API
conventions). No Ansible imports; PyYAML only for the diff text.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

#: Metadata the API server sets or bumps by itself.
VOLATILE_METADATA = ("managedFields", "resourceVersion", "generation", "creationTimestamp", "uid")


def definition_error(definition):
    """Why a definition (dict) cannot be applied (str), or ``None`` when it has apiVersion, kind and metadata.name."""
    if definition.get("apiVersion") and definition.get("kind") and (definition.get("metadata") or {}).get("name"):
        return None
    return "each definition needs apiVersion, kind and metadata.name: %r" % (definition,)


def header(definition):
    """``Kind namespace/name`` (or ``Kind name`` for a cluster-scoped object), for diffs and messages."""
    meta = definition["metadata"]
    namespace = meta.get("namespace")
    return "%s %s%s" % (definition["kind"], (namespace + "/") if namespace else "", meta["name"])


def comparable(obj):
    """A copy of ``obj`` (dict) without ``status`` and :data:`VOLATILE_METADATA`; ``None`` stays ``None``."""
    if obj is None:
        return None
    obj = copy.deepcopy(obj)
    for key in VOLATILE_METADATA:
        (obj.get("metadata") or {}).pop(key, None)
    obj.pop("status", None)
    return obj


def apply_action(live, predicted):
    """``created`` (no live object), ``none`` (the dry run changes nothing that counts) or ``updated``."""
    if live is None:
        return "created"
    return "none" if comparable(predicted) == comparable(live) else "updated"


def to_yaml(obj):
    """YAML text of :func:`comparable` of ``obj`` (keys sorted), ``""`` for nothing."""
    import yaml

    obj = comparable(obj)
    return yaml.safe_dump(obj, default_flow_style=False, sort_keys=True) if obj else ""


def diff(definition, before, after):
    """The module's diff entry (dict) between two object dicts (either may be ``None``)."""
    title = header(definition)
    return dict(before_header=title, after_header=title, before=to_yaml(before), after=to_yaml(after))
