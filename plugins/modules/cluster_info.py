#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_info
short_description: Discover the cluster CA from kube-public/cluster-info, verified by a bootstrap token and CA pinning
version_added: 0.1.0
description:
  - Token discovery as C(kubeadm join --discovery-token-ca-cert-hash) does it, for a worker that does
    not have the cluster CA yet.
  - Fetches the ConfigMap C(kube-public/cluster-info) anonymously over TLS without trusting the server,
    waits for the bootstrapsigner's detached JWS C(jws-kubeconfig-<token-id>), verifies it with the
    bootstrap token (HS256, key = token-secret), then checks the CA in the ConfigMap's kubeconfig
    against O(ca_cert_hashes) (sha256 of the SubjectPublicKeyInfo, RFC 7469).
  - Then fetches C(cluster-info) a second time, verifying TLS with the discovered CA, and requires
    the same kubeconfig, so the CA is proven to belong to the server answering.
  - Needs C(--controllers=*,bootstrapsigner,tokencleaner) on kube-controller-manager, a token with the
    C(signing) usage, and anonymous read of C(cluster-info) (kube-apiserver C(--anonymous-auth=true)
    plus the kubeadm Role/RoleBinding C(kubeadm:bootstrap-signer-clusterinfo)). The token is never
    sent to the unverified server.
  - Only reads; changes nothing.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - cryptography and PyJWT (Python libraries) on the host that runs the module
options:
  api_server:
    description: API server URL, C(https://host:port).
    type: str
    required: true
  token:
    description: The bootstrap token C(<token-id>.<token-secret>).
    type: str
    required: true
  ca_cert_hashes:
    description:
      - Pins C(sha256:<hex>) (as printed by C(hardway.nodejoin.ca_cert_hash)); discovery succeeds if
        a CA certificate in cluster-info matches any of them.
    type: list
    elements: str
    default: []
  unsafe_skip_ca_verification:
    description:
      - Accept whatever CA cluster-info holds once its JWS verifies, without pinning. Anyone who can
        answer in place of the API server and knows the token could then pose as the cluster.
    type: bool
    default: false
  timeout:
    description: Seconds to wait for cluster-info and its JWS for this token.
    type: int
    default: 60
  poll_interval:
    description: Seconds between attempts.
    type: float
    default: 1
extends_documentation_fragment:
  - hardway.nodejoin.read_only_attributes
seealso:
  - name: kubeadm join, discovery
    description: Discovering what cluster CA to trust.
    link: https://kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/
"""

EXAMPLES = r"""
- name: Discover and pin the cluster CA
  hardway.nodejoin.cluster_info:
    api_server: https://10.0.0.10:6443
    token: "{{ bootstrap_token }}"
    ca_cert_hashes:
      - sha256:7c3e5c4b5f6c1a0d8f0e1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60
  register: discovered
  no_log: true

- name: Write it
  ansible.builtin.copy:
    content: "{{ discovered.ca_cert }}"
    dest: /etc/kubernetes/pki/ca.crt
    mode: "0644"
"""

RETURN = r"""
ca_cert:
  description: The verified cluster CA certificate(s), PEM.
  returned: success
  type: str
  sample: |
    -----BEGIN CERTIFICATE-----
    MIIDBTCCAe2gAwIBAgIIY...
    -----END CERTIFICATE-----
ca_cert_hashes:
  description: Hashes of the CA certificates found (one per certificate).
  returned: success
  type: list
  elements: str
  sample: ["sha256:7c3e5c4b5f6c1a0d8f0e1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60"]
server:
  description: The API server URL that cluster-info announces.
  returned: success
  type: str
  sample: https://10.77.0.10:6443
token_id:
  description: token-id whose JWS was verified.
  returned: success
  type: str
  sample: abcdef
elapsed:
  description: Seconds spent waiting.
  returned: always
  type: float
  sample: 0.2
"""

import base64
import json
import os
import tempfile
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.urls import open_url
from ansible_collections.hardway.nodejoin.plugins.module_utils import _bootstrap_token as bt
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kubeconfig as kc
from ansible_collections.hardway.nodejoin.plugins.module_utils import _pki

CLUSTER_INFO_PATH = "/api/v1/namespaces/kube-public/configmaps/cluster-info"


def fetch_cluster_info(api_server, ca_path=None, timeout=10):
    """GET cluster-info anonymously; verify TLS with ``ca_path`` or not at all. Returns the data dict."""
    response = open_url(api_server.rstrip("/") + CLUSTER_INFO_PATH, method="GET", timeout=timeout,
                        validate_certs=ca_path is not None, ca_path=ca_path,
                        headers={"Accept": "application/json"})
    return json.loads(response.read()).get("data") or {}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            api_server=dict(type="str", required=True),
            token=dict(type="str", required=True, no_log=True),
            ca_cert_hashes=dict(type="list", elements="str", default=[]),
            unsafe_skip_ca_verification=dict(type="bool", default=False),
            timeout=dict(type="int", default=60),
            poll_interval=dict(type="float", default=1),
        ),
        supports_check_mode=True,
    )
    p = module.params
    start = time.time()
    try:
        token_id, token_secret = bt.parse_token(p["token"])
    except bt.BootstrapTokenError as exc:
        module.fail_json(msg=str(exc))
    pins = [h.strip().lower() for h in p["ca_cert_hashes"]]
    for pin in pins:
        if not pin.startswith("sha256:") or len(pin) != 71:
            module.fail_json(msg="invalid CA cert hash %r: expected sha256:<64 hex digits>" % pin)
    if not pins and not p["unsafe_skip_ca_verification"]:
        module.fail_json(msg="give ca_cert_hashes to pin the cluster CA (hardway.nodejoin.ca_cert_hash on the "
                             "control plane prints it), or set unsafe_skip_ca_verification=true explicitly")
    if not _pki.HAS_CRYPTOGRAPHY:
        module.fail_json(msg="the Python library cryptography is required (Debian: python3-cryptography)")

    jws_key = bt.JWS_KEY_PREFIX + token_id
    deadline = start + p["timeout"]
    data, last_error = None, None
    while True:
        try:
            data = fetch_cluster_info(p["api_server"])
            if jws_key in data:
                break
            last_error = ("cluster-info has no JWS signature for token-id %s: the token is unknown, expired, lacks "
                          "the signing usage, or kube-controller-manager does not run the bootstrapsigner "
                          "(--controllers=*,bootstrapsigner,tokencleaner)" % token_id)
        except Exception as exc:  # open_url raises HTTPError, URLError, SSL and socket errors
            code = getattr(exc, "code", None)
            if code in (401, 403):
                last_error = ("the API server refused an anonymous read of kube-public/cluster-info (HTTP %s): "
                              "discovery needs kube-apiserver --anonymous-auth=true and the Role/RoleBinding "
                              "kubeadm:bootstrap-signer-clusterinfo; or deliver the CA another way" % code)
            else:
                last_error = "cannot fetch cluster-info from %s: %s" % (p["api_server"], to_native(exc))
        if time.time() >= deadline:
            module.fail_json(msg="after %ss: %s" % (p["timeout"], last_error), elapsed=round(time.time() - start, 2))
        time.sleep(p["poll_interval"])

    content = data.get("kubeconfig")
    if not content:
        module.fail_json(msg="cluster-info has no kubeconfig key: this API server is not set up for token discovery")
    if not bt.verify_detached_jws(data[jws_key], content, token_id, token_secret):
        module.fail_json(msg="the JWS signature of cluster-info does not verify with this token: "
                             "cannot trust this API server")
    try:
        server, ca_pem = _only_cluster(kc.loads(content) or {})
        if not ca_pem:
            raise kc.KubeconfigError("no certificate-authority-data")
        found = _pki.ca_cert_hashes(ca_pem)
    except (kc.KubeconfigError, _pki.PKIError, ValueError) as exc:
        module.fail_json(msg="malformed kubeconfig in cluster-info: %s" % exc)
    if pins and not set(found) & set(pins):
        module.fail_json(msg="the CA in cluster-info (%s) matches none of the pinned ca_cert_hashes; refusing it"
                             % ", ".join(found), ca_cert_hashes=found)

    # Second fetch, now verifying TLS with the discovered CA: it must give the same kubeconfig.
    fd, ca_file = tempfile.mkstemp(prefix="cluster-ca-", suffix=".crt")
    try:
        os.write(fd, ca_pem)
        os.close(fd)
        try:
            secure = fetch_cluster_info(p["api_server"], ca_path=ca_file)
        except Exception as exc:
            module.fail_json(msg="second fetch of cluster-info with the discovered CA failed, so the CA does not "
                                 "belong to the server at %s: %s" % (p["api_server"], to_native(exc)))
    finally:
        os.unlink(ca_file)
    if secure.get("kubeconfig") != content:
        module.fail_json(msg="the kubeconfig in cluster-info differed between the unverified and the verified fetch")
    module.exit_json(changed=False, ca_cert=to_native(ca_pem), ca_cert_hashes=found, server=server,
                     token_id=token_id, elapsed=round(time.time() - start, 2))


def _only_cluster(config):
    """(server, ca_pem bytes or None) of the one cluster in cluster-info's kubeconfig."""
    clusters = config.get("clusters") or []
    if len(clusters) != 1:
        raise kc.KubeconfigError("expected exactly one cluster, found %d" % len(clusters))
    cluster = clusters[0].get("cluster") or {}
    data = cluster.get("certificate-authority-data")
    return cluster.get("server"), base64.b64decode(data) if data else None


if __name__ == "__main__":
    main()
