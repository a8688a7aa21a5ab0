#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: bootstrap_token
short_description: Ensure a Kubernetes bootstrap token (its C(bootstrap-token-<id>) Secret) exists or is gone
version_added: 0.1.0
description:
  - Creates, reuses or deletes the Secret C(kube-system/bootstrap-token-<token-id>) of type
    C(bootstrap.kubernetes.io/token) through the C(kubernetes) Python client, as
    C(kubeadm token create) / C(kubeadm token delete) do.
  - With O(token) unset and O(reuse=true), a valid token this collection created earlier
    (label C(app.kubernetes.io/managed-by=hardway.nodejoin)) with the same usages and groups and at
    least O(min_remaining_ttl) left is returned unchanged instead of creating another, so repeated
    runs do not pile up tokens.
  - 'The returned RV(token) is a credential. Put C(no_log: true) on the task.'
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
options:
  state:
    description:
      - V(present) ensures the token exists; V(absent) deletes it (by O(token) or O(token_id)).
    type: str
    choices: [present, absent]
    default: present
  token:
    description:
      - The bootstrap token C(<token-id>.<token-secret>) (C([a-z0-9]{6}.[a-z0-9]{16})).
      - When unset with O(state=present), a managed token is reused (see O(reuse)) or a new one is
        generated with Python's C(secrets) module.
    type: str
  token_id:
    description:
      - The token-id alone, for O(state=absent).
    type: str
  ttl:
    description:
      - Lifetime of a new token, in seconds or as a duration like C(24h), C(1h30m). V(0) means the
        token never expires (not recommended). kubeadm's default is 24h.
    type: str
    default: 24h
  min_remaining_ttl:
    description:
      - An existing token is reused only if it stays valid at least this long (seconds or duration).
        A token given in O(token) that would expire sooner gets a fresh expiration.
    type: str
    default: 1h
  reuse:
    description:
      - Reuse a valid managed token when O(token) is unset.
    type: bool
    default: true
  usages:
    description:
      - Usages of the token. C(authentication) lets a kubelet authenticate (TLS bootstrap);
        C(signing) lets the bootstrapsigner sign C(cluster-info) with it (discovery).
    type: list
    elements: str
    choices: [authentication, signing]
    default: [authentication, signing]
  groups:
    description:
      - Extra groups (C(auth-extra-groups)); each must match C(system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]).
        Every bootstrap token is in C(system:bootstrappers) anyway.
    type: list
    elements: str
    default: []
  labels:
    version_added: 0.2.0
    description:
      - Extra labels of the Secret, e.g. C(hardway.nodejoin/node-name=worker1) for a token meant for
        one worker. With O(reuse), only a managed token whose other labels equal these is reused, so
        a shared token and per-worker tokens never stand in for each other.
    type: dict
    default: {}
  description:
    description:
      - Human-readable description stored in the Secret.
    type: str
    default: Bootstrap token for kubelet TLS bootstrap, made by hardway.nodejoin
extends_documentation_fragment:
  - hardway.nodejoin.connection
attributes:
  check_mode:
    support: full
    description: Reports what would be created or deleted; creates and deletes nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
notes:
  - The token-secret never appears in messages or in the diff; it is only in RV(token).
seealso:
  - name: Authenticating with Bootstrap Tokens
    description: Kubernetes documentation of the token format and Secret fields.
    link: https://kubernetes.io/docs/reference/access-authn-authz/bootstrap-tokens/
"""

EXAMPLES = r"""
- name: A bootstrap token for joining workers (reused while valid)
  hardway.nodejoin.bootstrap_token:
    kubeconfig: /etc/kubernetes/admin.conf
    ttl: 24h
    groups:
      - system:bootstrappers:hardway-nodejoin
  register: join_token
  no_log: true

- name: The lesson's fixed token
  hardway.nodejoin.bootstrap_token:
    token: abcdef.0123456789abcdef
    ttl: "0"
    usages: [authentication]
  no_log: true

- name: Delete it after the join
  hardway.nodejoin.bootstrap_token:
    state: absent
    token_id: abcdef
"""

RETURN = r"""
token:
  description: The bootstrap token C(<token-id>.<token-secret>). A credential.
  returned: state=present
  type: str
  sample: abcdef.0123456789abcdef
token_id:
  description: The token-id (public part).
  returned: always
  type: str
  sample: abcdef
secret_name:
  description: Name of the Secret in C(kube-system).
  returned: always
  type: str
  sample: bootstrap-token-abcdef
expiration:
  description: RFC 3339 UTC expiration, or null when the token never expires.
  returned: state=present
  type: str
  sample: "2026-11-22T10:00:00Z"
action:
  description: What was (or in check mode would be) done.
  returned: always
  type: str
  sample: created
  choices: [created, reused, updated, deleted, none]
"""

import traceback

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardway.nodejoin.plugins.module_utils import _bootstrap_token as bt
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube


def _find_reusable(api, core, usages, groups, min_remaining, labels):
    """A managed, valid token Secret with these usages/groups/labels and enough time left, or None."""
    selector = "%s=%s" % bt.MANAGED_LABEL
    secrets = _kube.call(api, core.list_namespaced_secret, bt.SECRET_NAMESPACE, label_selector=selector)
    best = None
    for item in secrets.items:
        if item.type != bt.SECRET_TYPE:
            continue
        own = dict(item.metadata.labels or {})
        own.pop(bt.MANAGED_LABEL[0], None)
        if own != labels:
            continue
        decoded = bt.decode_secret_data(item.data)
        info = bt.token_info(decoded)
        if info["expired"] or info["usages"] != usages or sorted(info["groups"]) != sorted(groups):
            continue
        left = info["expires_in"]
        if left is not None and left < min_remaining:
            continue
        if best is None or (left or 10 ** 12) > (best[1] or 10 ** 12):
            best = ("%s.%s" % (decoded["token-id"], decoded["token-secret"]), left, info)
    return best


def _read(api, core, name):
    try:
        return _kube.call(api, core.read_namespaced_secret, name, bt.SECRET_NAMESPACE)
    except _kube.KubeError as exc:
        if _kube.is_not_found(exc):
            return None
        raise


def run(module):
    p = module.params
    result = dict(changed=False, action="none")
    try:
        usages = bt.validate_usages(p["usages"])
        groups = bt.validate_groups(p["groups"])
        ttl = bt.parse_duration(p["ttl"])
        min_remaining = bt.parse_duration(p["min_remaining_ttl"])
        labels = dict((str(k), str(v)) for k, v in p["labels"].items())
        token_id = token_secret = None
        if p["token"]:
            token_id, token_secret = bt.parse_token(p["token"])
        elif p["token_id"]:
            token_id = bt.validate_token_id(p["token_id"])
    except bt.BootstrapTokenError as exc:
        module.fail_json(msg=str(exc), **result)

    if p["state"] == "absent" and not token_id:
        module.fail_json(msg="state=absent needs token or token_id", **result)
    if ttl and min_remaining >= ttl:
        module.fail_json(msg="min_remaining_ttl (%ss) must be shorter than ttl (%ss)" % (min_remaining, ttl))

    from kubernetes import client as k8s_client

    api = _kube.api_client_from_module(module)
    core = k8s_client.CoreV1Api(api)

    if p["state"] == "absent":
        name = bt.secret_name(token_id)
        result.update(token_id=token_id, secret_name=name)
        if _read(api, core, name) is not None:
            result.update(changed=True, action="deleted")
            if not module.check_mode:
                try:
                    _kube.call(api, core.delete_namespaced_secret, name, bt.SECRET_NAMESPACE)
                except _kube.KubeError as exc:
                    if not _kube.is_not_found(exc):
                        raise
        return result

    if token_id is None and p["reuse"]:
        found = _find_reusable(api, core, usages, groups, min_remaining, labels)
        if found:
            token, _left, info = found
            result.update(token=token, token_id=info["token_id"], secret_name=bt.secret_name(info["token_id"]),
                          expiration=info["expiration"], action="reused")
            return result

    if token_id is None:
        token_id, token_secret = bt.parse_token(bt.generate_token())
    name = bt.secret_name(token_id)
    expiration = bt.expiration_from_ttl(ttl)
    manifest = bt.secret_manifest(token_id, token_secret, expiration=expiration, usages=usages,
                                  groups=groups, description=p["description"], labels=labels)
    result.update(token="%s.%s" % (token_id, token_secret), token_id=token_id, secret_name=name,
                  expiration=expiration)

    existing = _read(api, core, name)
    if existing is None:
        result.update(changed=True, action="created")
        if not module.check_mode:
            _kube.call(api, core.create_namespaced_secret, bt.SECRET_NAMESPACE, manifest)
        return result

    # A token given explicitly that already exists: keep it as it is unless its content
    # differs or it expires too soon; never churn a valid token.
    decoded = bt.decode_secret_data(existing.data)
    info = bt.token_info(decoded)
    same = (existing.type == bt.SECRET_TYPE and decoded.get("token-secret") == token_secret
            and info["usages"] == usages and sorted(info["groups"]) == sorted(groups)
            and (decoded.get("description") or None) == (p["description"] or None))
    fresh = not info["expired"] and (info["expires_in"] is None or info["expires_in"] >= min_remaining)
    if same and fresh and (info["expires_in"] is None) == (expiration is None):
        result.update(expiration=info["expiration"], action="none")
        return result
    if existing.type != bt.SECRET_TYPE:
        module.fail_json(msg="Secret %s/%s exists but is of type %s, not %s; not touching it"
                         % (bt.SECRET_NAMESPACE, name, existing.type, bt.SECRET_TYPE), **_public(result))
    result.update(changed=True, action="updated")
    if not module.check_mode:
        manifest["metadata"]["resourceVersion"] = existing.metadata.resource_version
        _kube.call(api, core.replace_namespaced_secret, name, bt.SECRET_NAMESPACE, manifest)
    return result


def _public(result):
    return dict((k, v) for k, v in result.items() if k != "token")


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        token=dict(type="str", no_log=True),
        token_id=dict(type="str"),
        ttl=dict(type="str", default="24h"),
        min_remaining_ttl=dict(type="str", default="1h"),
        reuse=dict(type="bool", default=True),
        usages=dict(type="list", elements="str", default=["authentication", "signing"],
                    choices=["authentication", "signing"]),
        groups=dict(type="list", elements="str", default=[]),
        labels=dict(type="dict", default={}),
        description=dict(type="str", default="Bootstrap token for kubelet TLS bootstrap, made by hardway.nodejoin"),
    )
    argument_spec.update(_kube.CONNECTION_ARG_SPEC)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[("token", "token_id")])
    if not _kube.HAS_KUBERNETES:
        module.fail_json(msg="the Python library 'kubernetes' is required on this host "
                             "(Debian: python3-kubernetes)", exception=str(_kube.KUBERNETES_IMPORT_ERROR))
    try:
        result = run(module)
    except _kube.KubeError as exc:
        module.fail_json(msg=str(exc))
    except bt.BootstrapTokenError as exc:
        module.fail_json(msg=str(exc), exception=traceback.format_exc())
    module.exit_json(**result)


if __name__ == "__main__":
    main()
