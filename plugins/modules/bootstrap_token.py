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

from ansible_collections.hardway.nodejoin.plugins.module_utils import _bootstrap_token as bt
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube


def _wanted(p):
    """The validated request (dict for ``bt.choose_token``); raises ``bt.BootstrapTokenError``."""
    wanted = dict(
        token=p["token"],
        reuse=p["reuse"],
        usages=bt.validate_usages(p["usages"]),
        groups=bt.validate_groups(p["groups"]),
        ttl=bt.parse_duration(p["ttl"]),
        min_remaining=bt.parse_duration(p["min_remaining_ttl"]),
        labels=dict((str(k), str(v)) for k, v in p["labels"].items()),
        description=p["description"],
        token_id=None,
    )
    if p["token"]:
        wanted["token_id"] = bt.parse_token(p["token"])[0]
    elif p["token_id"]:
        wanted["token_id"] = bt.validate_token_id(p["token_id"])
    return wanted


def _absent(kube, core, token_id):
    name = bt.secret_name(token_id)
    result = dict(changed=False, action="none", token_id=token_id, secret_name=name)
    if kube.read(core.read_namespaced_secret, name, bt.SECRET_NAMESPACE) is not None:
        result.update(changed=True, action="deleted")
        if not kube.check_mode:
            kube.read(core.delete_namespaced_secret, name, bt.SECRET_NAMESPACE)  # gone meanwhile: fine
    return result


def _present(kube, core, wanted):
    serialize = kube.client.sanitize_for_serialization
    managed = []
    if wanted["token"] is None and wanted["reuse"]:
        managed = [serialize(item) for item in kube.call(
            core.list_namespaced_secret, bt.SECRET_NAMESPACE, label_selector="%s=%s" % bt.MANAGED_LABEL).items]
    existing = None
    if wanted["token_id"]:
        found = kube.read(core.read_namespaced_secret, bt.secret_name(wanted["token_id"]), bt.SECRET_NAMESPACE)
        existing = serialize(found) if found is not None else None
    for _attempt in range(3):
        choice = bt.choose_token(wanted, managed=managed, existing=existing)
        # a generated token-id that is taken already (1 in 2e9) is drawn again, never overwritten
        if choice["action"] != "created" or wanted["token"] or kube.read(
                core.read_namespaced_secret, bt.secret_name(choice["token_id"]), bt.SECRET_NAMESPACE) is None:
            break
    result = dict(changed=choice["action"] in ("created", "updated"), action=choice["action"],
                  token=choice["token"], token_id=choice["token_id"],
                  secret_name=bt.secret_name(choice["token_id"]), expiration=choice["expiration"])
    if result["changed"] and not kube.check_mode:
        if choice["action"] == "created":
            kube.call(core.create_namespaced_secret, bt.SECRET_NAMESPACE, choice["manifest"])
        else:
            kube.call(core.replace_namespaced_secret, result["secret_name"], bt.SECRET_NAMESPACE, choice["manifest"])
    return result


def main():
    kube = _kube.KubeModule(
        dict(
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
        ),
        supports_check_mode=True,
        mutually_exclusive=[("token", "token_id")],
    )
    p = kube.params
    try:
        wanted = _wanted(p)
    except bt.BootstrapTokenError as exc:
        kube.fail(str(exc), changed=False, action="none")
    if p["state"] == "absent" and not wanted["token_id"]:
        kube.fail("state=absent needs token or token_id", changed=False, action="none")
    if wanted["ttl"] and wanted["min_remaining"] >= wanted["ttl"]:
        kube.fail("min_remaining_ttl (%ss) must be shorter than ttl (%ss)" % (wanted["min_remaining"], wanted["ttl"]))

    core = kube.api("CoreV1Api")
    try:
        if p["state"] == "absent":
            result = _absent(kube, core, wanted["token_id"])
        else:
            result = _present(kube, core, wanted)
    except _kube.KubeError as exc:
        kube.fail(str(exc))
    except bt.BootstrapTokenError as exc:
        public = dict(token_id=wanted["token_id"], action="none")
        if wanted["token_id"]:
            public["secret_name"] = bt.secret_name(wanted["token_id"])
        kube.fail(str(exc), exception=traceback.format_exc(), **public)
    kube.exit(**result)


if __name__ == "__main__":
    main()
