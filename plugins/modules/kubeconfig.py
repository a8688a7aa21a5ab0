#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: kubeconfig
short_description: Write a kubeconfig with one cluster, one user and one context
version_added: 0.1.0
description:
  - Writes a kubeconfig file like C(kubectl config set-cluster --embed-certs), C(set-credentials)
    and C(set-context) do, e.g. the kubelet's bootstrap kubeconfig
    C(/etc/kubernetes/bootstrap-kubelet.conf) with a bootstrap token.
  - The existing file is compared semantically (parsed, not byte by byte); it is only rewritten when
    its meaning differs. Writes are atomic and the file is created with O(mode) from the start.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - PyYAML on the host that runs the module
seealso:
  - module: hardway.nodejoin.bootstrap_token
  - module: hardway.nodejoin.cluster_info
  - link: https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/
    name: Organizing cluster access using kubeconfig files
    description: The kubeconfig format this module writes.
options:
  path:
    description: The kubeconfig file to write.
    type: path
    required: true
  server:
    description: API server URL, C(https://host:port).
    type: str
    required: true
  ca_cert_path:
    description:
      - CA certificate file on the host, embedded as C(certificate-authority-data)
        (or referenced, with O(embed_ca=false)).
    type: path
  ca_cert:
    description: CA certificate PEM text, embedded. Mutually exclusive with O(ca_cert_path).
    type: str
  embed_ca:
    description: Embed the CA of O(ca_cert_path) instead of referencing the path.
    type: bool
    default: true
  token:
    description: Bearer token for the user, e.g. a bootstrap token C(<token-id>.<token-secret>).
    type: str
  client_cert_path:
    description: Client certificate path for the user (referenced). With O(client_key_path).
    type: path
  client_key_path:
    description: Client key path for the user (referenced). With O(client_cert_path).
    type: path
  cluster_name:
    description: Name of the cluster entry.
    type: str
    default: default
  user_name:
    description: Name of the user entry.
    type: str
    default: default
  context_name:
    description: Name of the context entry (made current).
    type: str
    default: default
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: Tokens and keys are shown as C(REDACTED).
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
notes:
  - O(mode) defaults to C(0600) here, since a kubeconfig holds credentials.
"""

EXAMPLES = r"""
- name: Bootstrap kubeconfig of the kubelet (the lesson's "Creating the Bootstrap kubeconfig")
  hardway.nodejoin.kubeconfig:
    path: /etc/kubernetes/bootstrap-kubelet.conf
    server: https://control-plane:6443
    ca_cert_path: /etc/kubernetes/pki/ca.crt
    token: "{{ join_token.token }}"
  no_log: true
"""

RETURN = r"""
path:
  description: The kubeconfig written.
  returned: always
  type: str
  sample: /etc/kubernetes/bootstrap-kubelet.conf
server:
  description: The API server URL in the kubeconfig.
  returned: always
  type: str
  sample: https://10.0.0.10:6443
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kubeconfig as kc
from ansible_collections.hardway.nodejoin.plugins.module_utils._files import write_file


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            server=dict(type="str", required=True),
            ca_cert_path=dict(type="path"),
            ca_cert=dict(type="str"),
            embed_ca=dict(type="bool", default=True),
            token=dict(type="str", no_log=True),
            client_cert_path=dict(type="path"),
            client_key_path=dict(type="path", no_log=False),
            cluster_name=dict(type="str", default="default"),
            user_name=dict(type="str", default="default"),
            context_name=dict(type="str", default="default"),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
        mutually_exclusive=[("ca_cert_path", "ca_cert"), ("token", "client_cert_path")],
        required_one_of=[("ca_cert_path", "ca_cert"), ("token", "client_cert_path")],
        required_together=[("client_cert_path", "client_key_path")],
    )
    if not kc.HAS_YAML:
        module.fail_json(msg="the Python library PyYAML is required on this host (Debian: python3-yaml)")
    p = module.params
    if p["mode"] is None:
        p["mode"] = "0600"
    path = p["path"]

    ca_pem = p["ca_cert"]
    ca_path = None
    if p["ca_cert_path"]:
        if p["embed_ca"]:
            try:
                with open(p["ca_cert_path"], "rb") as f:
                    ca_pem = f.read()
            except (IOError, OSError) as exc:
                module.fail_json(msg="cannot read the CA certificate %s: %s" % (p["ca_cert_path"], to_native(exc)))
        else:
            ca_path = p["ca_cert_path"]
    try:
        wanted = kc.build(p["server"], ca_pem=ca_pem, ca_path=ca_path, token=p["token"],
                          client_cert_path=p["client_cert_path"], client_key_path=p["client_key_path"],
                          cluster_name=p["cluster_name"], user_name=p["user_name"], context_name=p["context_name"])
    except kc.KubeconfigError as exc:
        module.fail_json(msg=str(exc))

    current = None
    if os.path.exists(path):
        try:
            with open(path, "r") as f:
                current = kc.loads(f.read())
        except kc.KubeconfigError as exc:
            module.warn("%s: %s; it will be replaced" % (path, exc))
            current = {"invalid": True}
    changed = not kc.equal(current, wanted)
    result = dict(changed=changed, path=path, server=p["server"])
    if module._diff and changed:
        result["diff"] = dict(before_header=path, after_header=path,
                              before=kc.dumps(kc.redact(current)) if current else "",
                              after=kc.dumps(kc.redact(wanted)))
    if changed and not module.check_mode:
        directory = os.path.dirname(path) or "."
        if not os.path.isdir(directory):
            module.fail_json(msg="directory %s does not exist" % directory)
        # 0600 from creation when the mode is symbolic; the token is never readable by others
        write_file(module, path, to_bytes(kc.dumps(wanted)), p["mode"])
    if os.path.exists(path) or module.check_mode:
        file_args = module.load_file_common_arguments(p)
        if os.path.exists(path):
            result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
