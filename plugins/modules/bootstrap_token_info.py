#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)

__metaclass__ = type

DOCUMENTATION = r"""
---
module: bootstrap_token_info
short_description: List the Kubernetes bootstrap tokens of a cluster, without their secrets
version_added: 0.1.0
description:
  - Lists the Secrets of type C(bootstrap.kubernetes.io/token) in C(kube-system) through the
    C(kubernetes) Python client, like C(kubeadm token list) does.
  - For each token it returns the public token-id, expiration, usages, extra groups and
    description. The token-secret is never returned.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
options:
  token_id:
    description:
      - Only the token with this token-id (C([a-z0-9]{6})), e.g. C(abcdef).
    type: str
  managed_only:
    description:
      - Only the tokens this collection created (label C(app.kubernetes.io/managed-by=hardway.nodejoin)).
    type: bool
    default: false
extends_documentation_fragment:
  - hardway.nodejoin.connection
  - hardway.nodejoin.read_only_attributes
notes:
  - Secrets whose type is not C(bootstrap.kubernetes.io/token) are ignored, as Kubernetes does.
seealso:
  - module: hardway.nodejoin.bootstrap_token
  - name: Authenticating with Bootstrap Tokens
    description: Kubernetes documentation of the token format and Secret fields.
    link: https://kubernetes.io/docs/reference/access-authn-authz/bootstrap-tokens/
"""

EXAMPLES = r"""
- name: All bootstrap tokens of the cluster
  hardway.nodejoin.bootstrap_token_info:
    kubeconfig: /etc/kubernetes/admin.conf
  register: tokens

- name: Show them (no secrets in here)
  ansible.builtin.debug:
    msg: "{{ tokens.tokens | map(attribute='token_id') | list }}"

- name: Is the lesson's token still valid?
  hardway.nodejoin.bootstrap_token_info:
    token_id: abcdef
  register: lesson_token

- name: Fail when it has expired
  ansible.builtin.assert:
    that:
      - lesson_token.tokens | length == 1
      - not lesson_token.tokens[0].expired

- name: Only the tokens this collection made
  hardway.nodejoin.bootstrap_token_info:
    managed_only: true
  register: managed_tokens
"""

RETURN = r"""
tokens:
  description:
    - The bootstrap tokens, sorted by token-id. Never contains a token-secret.
  returned: always
  type: list
  elements: dict
  contains:
    token_id:
      description: The token-id (public part of the token).
      type: str
      sample: abcdef
    secret_name:
      description: Name of the Secret in C(kube-system).
      type: str
      sample: bootstrap-token-abcdef
    expiration:
      description: RFC 3339 expiration as stored in the Secret, or null when the token never expires.
      type: str
      sample: "2026-11-22T10:00:00Z"
    expires_in:
      description: Seconds until expiration (negative when expired), or null when the token never expires.
      type: int
      sample: 86040
    expired:
      description: Whether the token has expired (or its expiration cannot be read).
      type: bool
      sample: false
    usages:
      description: The usages set to C(true) in the Secret.
      type: list
      elements: str
      sample: [authentication, signing]
    groups:
      description: Extra groups (C(auth-extra-groups)).
      type: list
      elements: str
      sample: [system:bootstrappers:kubeadm:default-node-token]
    description:
      description: The description stored in the Secret, or null.
      type: str
      sample: Bootstrap token for kubelet TLS bootstrap, made by hardway.nodejoin
    managed:
      description: Whether this collection created the token (label C(app.kubernetes.io/managed-by=hardway.nodejoin)).
      type: bool
      sample: true
"""

from ansible_collections.hardway.nodejoin.plugins.module_utils import _bootstrap_token as bt
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube


def _is_managed(secret):
    labels = getattr(secret.metadata, "labels", None) or {}
    return labels.get(bt.MANAGED_LABEL[0]) == bt.MANAGED_LABEL[1]


def summarise(secrets, token_id=None, managed_only=False, now=None):
    """The public facts of bootstrap token Secrets (list of dicts, sorted by token-id).

    ``secrets`` are kubernetes-client ``V1Secret`` objects (or alike: ``type``, ``data`` with
    base64 values, ``metadata.name`` and ``metadata.labels``). Secrets of another type, of
    another token-id than ``token_id`` (when given) and, with ``managed_only``, without this
    collection's label are left out. Each dict is :func:`_bootstrap_token.token_info` plus
    ``secret_name`` and ``managed``; the token-secret is never in it.
    """
    now = now or bt.utcnow()
    tokens = []
    for secret in secrets or []:
        if getattr(secret, "type", None) != bt.SECRET_TYPE:
            continue
        name = secret.metadata.name or ""
        managed = _is_managed(secret)
        if managed_only and not managed:
            continue
        try:
            decoded = bt.decode_secret_data(secret.data)
        except (ValueError, TypeError):  # bad base64, not UTF-8, null value: show what the name tells
            decoded = {}
        decoded.pop("token-secret", None)
        info = bt.token_info(decoded, now=now)
        if not info["token_id"] and name.startswith(bt.SECRET_PREFIX):
            info["token_id"] = name[len(bt.SECRET_PREFIX):]
        if token_id is not None and info["token_id"] != token_id:
            continue
        info.update(secret_name=name, managed=managed)
        tokens.append(info)
    return sorted(tokens, key=lambda t: (t["token_id"] or "", t["secret_name"]))


def run(kube):
    p = kube.params
    token_id = p["token_id"]
    if token_id is not None:
        try:
            bt.validate_token_id(token_id)
        except bt.BootstrapTokenError as exc:
            kube.fail(str(exc))
    kwargs = dict(field_selector="type=%s" % bt.SECRET_TYPE)
    if p["managed_only"]:
        kwargs["label_selector"] = "%s=%s" % bt.MANAGED_LABEL
    secrets = kube.call(kube.api("CoreV1Api").list_namespaced_secret, bt.SECRET_NAMESPACE, **kwargs)
    return dict(changed=False, tokens=summarise(secrets.items, token_id=token_id, managed_only=p["managed_only"]))


def main():
    kube = _kube.KubeModule(
        dict(
            token_id=dict(type="str"),
            managed_only=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    kube.run(lambda: run(kube))


if __name__ == "__main__":
    main()
