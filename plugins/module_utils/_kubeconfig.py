# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubeconfig files with one cluster, one user and one context.

The structure follows the ``v1`` ``Config`` of ``k8s.io/client-go/tools/clientcmd/api/v1``
(what ``kubectl config set-cluster/set-credentials/set-context`` write). Comparison is
semantic (parsed YAML, key order and formatting ignored), so an equal file is never
rewritten. No Ansible imports; YAML by PyYAML.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import copy

try:
    import yaml

    HAS_YAML = True
except ImportError:  # pragma: no cover
    yaml = None
    HAS_YAML = False

REDACTED = "REDACTED"
#: user fields that hold secrets (redacted in diffs and returns)
SECRET_USER_FIELDS = ("token", "client-key-data", "password")


class KubeconfigError(ValueError):
    """Bad input for a kubeconfig (missing server, both token and certificate, ...)."""


def _b64(pem):
    if isinstance(pem, str):
        pem = pem.encode("utf-8")
    return base64.b64encode(pem).decode("ascii")


def build(server, ca_pem=None, ca_path=None, token=None, client_cert_pem=None, client_key_pem=None,
          client_cert_path=None, client_key_path=None, cluster_name="default", user_name="default",
          context_name="default", insecure_skip_tls_verify=False):
    """A kubeconfig (dict) with one cluster, user and context, the context current.

    ``server`` is the API server URL (``https://host:6443``). The cluster's CA is embedded
    (``ca_pem``, PEM str/bytes, written as ``certificate-authority-data``) or referenced
    (``ca_path``). The user authenticates with a bearer ``token`` (e.g. a bootstrap token)
    or a client certificate, embedded (``client_cert_pem`` + ``client_key_pem``) or by path.
    Raises :class:`KubeconfigError` on contradictory or missing input.
    """
    if not server or not server.startswith("https://"):
        raise KubeconfigError("server must be an https:// URL, e.g. https://10.0.0.10:6443 (got %r)" % (server,))
    cluster = {"server": server}
    if ca_pem and ca_path:
        raise KubeconfigError("give the CA either embedded (ca_pem) or as a path (ca_path), not both")
    if ca_pem:
        cluster["certificate-authority-data"] = _b64(ca_pem)
    elif ca_path:
        cluster["certificate-authority"] = ca_path
    elif insecure_skip_tls_verify:
        cluster["insecure-skip-tls-verify"] = True
    else:
        raise KubeconfigError("a CA certificate is required to verify the API server (ca_pem or ca_path)")
    user = {}
    has_cert = any((client_cert_pem, client_key_pem, client_cert_path, client_key_path))
    if token and has_cert:
        raise KubeconfigError("give either a token or a client certificate for the user, not both")
    if token:
        user["token"] = token
    elif client_cert_pem or client_key_pem:
        if not (client_cert_pem and client_key_pem):
            raise KubeconfigError("an embedded client certificate needs both the certificate and the key")
        user["client-certificate-data"] = _b64(client_cert_pem)
        user["client-key-data"] = _b64(client_key_pem)
    elif client_cert_path or client_key_path:
        if not (client_cert_path and client_key_path):
            raise KubeconfigError("a client certificate by path needs both client_cert_path and client_key_path")
        user["client-certificate"] = client_cert_path
        user["client-key"] = client_key_path
    else:
        raise KubeconfigError("the user needs credentials: a token or a client certificate")
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster_name, "cluster": cluster}],
        "users": [{"name": user_name, "user": user}],
        "contexts": [{"name": context_name, "context": {"cluster": cluster_name, "user": user_name}}],
        "current-context": context_name,
        "preferences": {},
    }


def loads(text):
    """Parse kubeconfig YAML text into a dict; ``None`` for empty text.

    Raises :class:`KubeconfigError` when the text is not a YAML mapping.
    """
    if not text or not text.strip():
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KubeconfigError("existing kubeconfig is not valid YAML: %s" % exc)
    if not isinstance(data, dict):
        raise KubeconfigError("existing kubeconfig is not a YAML mapping")
    return data


def dumps(config):
    """YAML text of a kubeconfig dict (str, block style, keys in the given order)."""
    return yaml.safe_dump(config, default_flow_style=False, sort_keys=False)


def _normalise(config):
    """Comparable form: lists of named entries become dicts keyed by name; empty
    ``preferences`` and absent ones compare equal."""
    if config is None:
        return None
    out = dict(config)
    for key in ("clusters", "users", "contexts"):
        out[key] = dict((e.get("name"), e) for e in (config.get(key) or []) if isinstance(e, dict))
    if not out.get("preferences"):
        out.pop("preferences", None)
    return out


def equal(a, b):
    """True when kubeconfigs ``a`` and ``b`` (dicts or None) mean the same thing."""
    return _normalise(a) == _normalise(b)


def redact(config):
    """A deep copy of ``config`` with tokens, keys and passwords replaced by ``REDACTED``."""
    if config is None:
        return None
    out = copy.deepcopy(config)
    for entry in out.get("users") or []:
        user = entry.get("user") or {}
        for field in SECRET_USER_FIELDS:
            if field in user:
                user[field] = REDACTED
    return out


def server_and_ca(config, context=None):
    """``(server, ca_pem_bytes_or_None, ca_path_or_None)`` of a kubeconfig's (current) context.

    Raises :class:`KubeconfigError` when the context or its cluster is missing.
    """
    context = context or config.get("current-context")
    contexts = dict((c.get("name"), c.get("context") or {}) for c in config.get("contexts") or [])
    if context not in contexts:
        raise KubeconfigError("context %r not found in kubeconfig" % (context,))
    clusters = dict((c.get("name"), c.get("cluster") or {}) for c in config.get("clusters") or [])
    cluster = clusters.get(contexts[context].get("cluster"))
    if cluster is None:
        raise KubeconfigError("cluster of context %r not found in kubeconfig" % (context,))
    data = cluster.get("certificate-authority-data")
    return cluster.get("server"), base64.b64decode(data) if data else None, cluster.get("certificate-authority")
