#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kube_apply
short_description: Server-side apply Kubernetes objects (or delete them)
version_added: 0.1.0
description:
  - Applies each manifest of O(definitions) with server-side apply (C(kubectl apply --server-side)),
    under the field manager O(field_manager), through the C(kubernetes) Python client.
  - Each object is first applied with C(dryRun=All); when the result equals the live object, nothing
    is sent, so an unchanged object reports C(changed=false) and its C(resourceVersion) does not move.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
seealso:
  - module: hardway.nodejoin.bootstrap_token
  - link: https://kubernetes.io/docs/reference/using-api/server-side-apply/
    name: Server-Side Apply
    description: How the API server merges an applied object and tracks field ownership.
options:
  definitions:
    description: Manifests (dicts with C(apiVersion), C(kind), C(metadata.name)).
    type: list
    elements: dict
    required: true
  state:
    description: V(present) applies; V(absent) deletes the named objects if they exist.
    type: str
    choices: [present, absent]
    default: present
  field_manager:
    description: Field manager name for server-side apply.
    type: str
    default: hardway.nodejoin
  force_conflicts:
    description: Take ownership of fields another manager set (C(--force-conflicts)).
    type: bool
    default: true
  propagation_policy:
    version_added: 0.2.0
    description:
      - With O(state=absent), how dependents (the Pods of a ReplicaSet) are deleted, as
        C(kubectl delete --cascade) does. V(Foreground) deletes them before the owner, V(Background)
        after it, V(Orphan) leaves them. Default the server's choice for the kind.
    type: str
    choices: [Foreground, Background, Orphan]
  wait:
    version_added: 0.2.0
    description:
      - With O(state=absent), wait until each object is gone from the API (with
        O(propagation_policy=Foreground), that is after its dependents are gone too).
    type: bool
    default: false
  wait_timeout:
    version_added: 0.2.0
    description: Seconds O(wait) waits for each object.
    type: int
    default: 120
extends_documentation_fragment:
  - hardway.nodejoin.connection
attributes:
  check_mode:
    support: full
    description: Uses the server's dry run, so admission and validation errors show in check mode too.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
"""

EXAMPLES = r"""
- name: The lesson's first bootstrap ClusterRoleBinding
  hardway.nodejoin.kube_apply:
    definitions:
      - apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata:
          name: kubelet-bootstrap
        subjects:
          - kind: Group
            name: system:bootstrappers
            apiGroup: rbac.authorization.k8s.io
        roleRef:
          kind: ClusterRole
          name: system:node-bootstrapper
          apiGroup: rbac.authorization.k8s.io
"""

RETURN = r"""
results:
  description: One entry per definition.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: Kind of the object.
      type: str
      sample: ClusterRoleBinding
    name:
      description: Name of the object.
      type: str
      sample: kubelet-bootstrap
    namespace:
      description: Namespace, or null for cluster-scoped objects.
      type: str
      sample: null
    action:
      description: What was (or in check mode would be) done.
      type: str
      sample: created
"""

import json

from ansible_collections.hardway.nodejoin.plugins.module_utils import _apply
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube
from ansible_collections.hardway.nodejoin.plugins.module_utils._poll import PollTimeout, poll


def _wait_gone(kube, dyn, resource, name, namespace, header, timeout):
    def attempt(_remaining):
        live = kube.read(dyn.get, resource, name=name, namespace=namespace)
        return live is None, live

    try:
        poll(attempt, timeout, 0.5)
    except PollTimeout as exc:
        finalizers = ", ".join((exc.state.to_dict().get("metadata") or {}).get("finalizers") or []) or "none"
        raise _kube.KubeError("%s is still there %ss after its deletion (finalizers: %s); its dependents "
                              "may not terminate: see 'kubectl get events'" % (header, timeout, finalizers))


def main():
    kube = _kube.KubeModule(
        dict(
            definitions=dict(type="list", elements="dict", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            field_manager=dict(type="str", default="hardway.nodejoin"),
            force_conflicts=dict(type="bool", default=True),
            propagation_policy=dict(type="str", choices=["Foreground", "Background", "Orphan"]),
            wait=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=120),
        ),
        supports_check_mode=True,
    )
    for d in kube.params["definitions"]:
        if _apply.definition_error(d):
            kube.fail(_apply.definition_error(d))

    from kubernetes.dynamic import DynamicClient

    try:
        dyn = DynamicClient(kube.client)
    except Exception as exc:  # discovery errors come from urllib3 or ApiException
        kube.fail(_kube.describe_transport_error(exc, _kube.server_of(kube.client)))
    results, diffs, changed = [], [], False
    try:
        for definition in kube.params["definitions"]:
            entry, diff = _one(kube, dyn, definition)
            results.append(entry)
            if entry["action"] not in ("none", "absent"):
                changed = True
                diffs.append(diff)
    except _kube.KubeError as exc:
        kube.fail(str(exc), results=results)
    result = dict(changed=changed, results=results)
    if kube.module._diff and diffs:
        result["diff"] = diffs
    kube.exit(**result)


def _one(kube, dyn, definition):
    p = kube.params
    meta = definition["metadata"]
    name, namespace = meta["name"], meta.get("namespace")
    try:
        resource = dyn.resources.get(api_version=definition["apiVersion"], kind=definition["kind"])
    except Exception as exc:
        raise _kube.KubeError("the API server has no %s/%s: %s" % (definition["apiVersion"], definition["kind"], exc))
    entry = dict(kind=definition["kind"], name=name, namespace=namespace, action="none")
    live = kube.read(dyn.get, resource, name=name, namespace=namespace)
    live = live.to_dict() if live is not None else None
    header = _apply.header(definition)
    if p["state"] == "absent":
        if live is None:
            entry["action"] = "absent"
            return entry, None
        entry["action"] = "deleted"
        if not kube.check_mode:
            kwargs = dict(name=name, namespace=namespace)
            if p["propagation_policy"]:
                kwargs["body"] = {"apiVersion": "v1", "kind": "DeleteOptions",
                                  "propagationPolicy": p["propagation_policy"]}
            kube.call(dyn.delete, resource, **kwargs)
            if p["wait"]:
                _wait_gone(kube, dyn, resource, name, namespace, header, p["wait_timeout"])
        return entry, _apply.diff(definition, live, None)

    def apply(dry_run):
        # The body goes as text: JSON is YAML, and kubernetes client <= 28 (Debian's 22)
        # refuses a dict for any content type but JSON.
        kwargs = dict(body=json.dumps(definition), name=name, namespace=namespace, field_manager=p["field_manager"],
                      content_type="application/apply-patch+yaml", force_conflicts=p["force_conflicts"])
        if dry_run:
            kwargs["dry_run"] = "All"
        return kube.call(dyn.patch, resource, **kwargs).to_dict()

    predicted = apply(dry_run=True)
    entry["action"] = _apply.apply_action(live, predicted)
    if entry["action"] == "none":
        return entry, None
    if not kube.check_mode:
        predicted = apply(dry_run=False)
    return entry, _apply.diff(definition, live, predicted)


if __name__ == "__main__":
    main()
