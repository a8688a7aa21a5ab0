# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One round of the kubelet serving CSR approver: list, decide (``_csr_policy``), approve or deny.

Two callers share this file, so the policy has one source: the module
``hardway.nodejoin.kubelet_serving_csr_approve`` (during a playbook run) and the control
plane's systemd timer ``hardway-kubelet-serving-csr-approver.timer`` (between runs, so that a
kubelet's renewed serving certificate is approved without a human). The control_plane role
copies this file, ``_csr_policy.py``, ``_nodes.py`` and ``_poll.py`` unchanged to
``/usr/local/lib/hardway-nodejoin/python/ansible_collections/hardway/nodejoin/plugins/module_utils/``
on each control plane host, and the timer's service runs
``python3 -m ansible_collections.hardway.nodejoin.plugins.module_utils._csr_approver --config FILE``.
Hence: no Ansible imports here, only ``kubernetes``, ``cryptography`` and the standard library.

Sources: Kubernetes documentation "Certificate Signing Requests" (approval through the
``/approval`` subresource with an ``Approved`` or ``Denied`` condition of status True, reason
and message; ``status.certificate`` once the signer issued it) and "Kubelet TLS bootstrapping",
"Certificate rotation" (the kubelet requests and renews its serving certificate with signer
``kubernetes.io/kubelet-serving`` when ``serverTLSBootstrap`` is true).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import datetime
import json
import sys

from ansible_collections.hardway.nodejoin.plugins.module_utils import _csr_policy
from ansible_collections.hardway.nodejoin.plugins.module_utils._nodes import csr_condition, parse_time

#: Older than any CSR (for a ``creationTimestamp`` that cannot be read).
_LONG_AGO = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)

#: The ``reason`` of the conditions this approver writes (the message holds the details).
APPROVED_REASON = "HardwayNodejoinServingPolicy"
DENIED_REASON = "HardwayNodejoinServingPolicyDenied"


def is_undecided(csr):
    """True when a CSR (API JSON) has no Approved, Denied or Failed condition yet."""
    return not any(c.get("type") in ("Approved", "Denied", "Failed")
                   for c in ((csr.get("status") or {}).get("conditions") or []))


def other_addresses(node, inventory, nodes):
    """Names and addresses (list of str) of every node but ``node``: the inventory's workers
    (their names and addresses) and the cluster's Nodes (names and ``status.addresses``)."""
    found = []
    for name, addresses in (inventory or {}).items():
        if name != node:
            found.extend([name] + list(addresses or []))
    for name, obj in (nodes or {}).items():
        if name != node:
            found.extend([name] + _csr_policy.node_status_addresses(obj))
    return found


def plan(csrs, nodes, inventory, max_expiration_seconds=_csr_policy.DEFAULT_MAX_EXPIRATION_SECONDS,
         only=None):
    """Decide every undecided kubelet serving CSR of a listing.

    :param csrs: CSRs (list of API JSON dicts, ``sanitize_for_serialization`` of
        ``V1CertificateSigningRequest``); those of other signers and those decided already are
        left out.
    :param nodes: Node name -> Node (API JSON dict) for every Node of the cluster.
    :param inventory: node name -> names and addresses of that inventory worker (list of str).
    :param max_expiration_seconds: cap of ``spec.expirationSeconds`` (int).
    :param only: node names (list) whose CSRs are decided; CSRs from any other requester are
        left pending (``None``: decide all).
    :returns: list of ``{"name", "node", "username", "approve": bool, "reason"}`` in the
        listing's order.
    """
    decisions = []
    for csr in csrs or []:
        spec = csr.get("spec") or {}
        if spec.get("signerName") != _csr_policy.KUBELET_SERVING_SIGNER or not is_undecided(csr):
            continue
        node = _csr_policy.node_of_username(spec.get("username"))
        if only is not None and node not in only:
            continue
        try:
            facts = _csr_policy.request_facts(_csr_policy.parse_request(spec.get("request") or ""))
        except ValueError as exc:
            facts = str(exc)
        approve, reason = _csr_policy.decide(
            spec, facts, inventory,
            other_nodes_addresses=other_addresses(node, inventory, nodes),
            status_addresses=_csr_policy.node_status_addresses((nodes or {}).get(node)),
            max_expiration_seconds=max_expiration_seconds)
        decisions.append(dict(name=(csr.get("metadata") or {}).get("name"), node=node,
                              username=spec.get("username"), approve=approve, reason=reason))
    return decisions


def _serving_csrs_of(csrs, node, created_after=None):
    """The kubelet serving CSRs requested by ``system:node:<node>``, oldest first; with
    ``created_after`` (aware ``datetime``) only those created at or after it (an unparsable
    ``creationTimestamp`` counts as old)."""
    found = [c for c in csrs or []
             if (c.get("spec") or {}).get("signerName") == _csr_policy.KUBELET_SERVING_SIGNER
             and (c.get("spec") or {}).get("username") == _csr_policy.NODE_USER_PREFIX + node]
    if created_after is not None:
        found = [c for c in found
                 if (parse_time((c.get("metadata") or {}).get("creationTimestamp")) or _LONG_AGO) >= created_after]
    found.sort(key=lambda c: (c.get("metadata") or {}).get("creationTimestamp") or "")
    return found


def serving_csr_issued(csrs, node, created_after=None):
    """The newest CSR (API JSON) of signer kubelet-serving requested by ``system:node:<node>`` that
    is Approved and has its certificate, or ``None``. With ``created_after`` (aware ``datetime``)
    older CSRs do not count: a kubelet restarted to ask for a serving certificate must not be
    taken as served by the CSR of an earlier join."""
    found = [c for c in _serving_csrs_of(csrs, node, created_after) if csr_condition(c) == "Approved,Issued"]
    return found[-1] if found else None


def serving_csr_denied(csrs, node, created_after=None):
    """The newest Denied or Failed kubelet serving CSR of ``node`` (API JSON), or ``None``; with
    ``created_after`` as :func:`serving_csr_issued`."""
    found = [c for c in _serving_csrs_of(csrs, node, created_after)
             if any(k.get("type") in ("Denied", "Failed") for k in ((c.get("status") or {}).get("conditions") or []))]
    return found[-1] if found else None


def condition_message(csr, types=("Denied", "Failed")):
    """``"<type>: <reason>: <message>"`` of the first condition of ``types`` of a CSR (API JSON)."""
    for c in ((csr or {}).get("status") or {}).get("conditions") or []:
        if c.get("type") in types:
            return "%s: %s: %s" % (c.get("type"), c.get("reason"), c.get("message"))
    return ""


def approval_body(csr, decision, now=None):
    """The CSR (API JSON dict) with the decision's condition appended: the body of a PUT to its
    ``/approval`` subresource. ``now`` (an aware ``datetime``, default the current UTC time) is
    the condition's ``lastUpdateTime``. ``csr`` is not changed."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    condition = dict(type="Approved" if decision["approve"] else "Denied", status="True",
                     reason=APPROVED_REASON if decision["approve"] else DENIED_REASON,
                     message=decision["reason"][:1000],
                     lastUpdateTime=now.strftime("%Y-%m-%dT%H:%M:%SZ"))
    body = dict(csr)
    body["status"] = dict(csr.get("status") or {})
    body["status"]["conditions"] = list(body["status"].get("conditions") or []) + [condition]
    return body


def apply_decision(certs_api, csr, decision, call=None):
    """Write the decision onto the CSR through its ``/approval`` subresource.

    :param certs_api: a ``kubernetes.client.CertificatesV1Api``.
    :param csr: the CSR as listed (API JSON dict, with its ``metadata.resourceVersion``, so a
        CSR changed in between is not overwritten: the server answers 409).
    :param decision: one entry of :func:`plan`.
    :param call: ``call(fn, *args, **kwargs)`` that runs a client method (default: call it
        directly); the module passes ``KubeModule.call`` so errors read the same everywhere.
    :returns: ``"approved"`` or ``"denied"``, or ``"decided elsewhere"`` when the server
        answered 409 Conflict (another approver, e.g. the timer of another control plane,
        decided it in between). Other errors propagate.
    """
    call = call or (lambda fn, *a, **kw: fn(*a, **kw))
    try:
        call(certs_api.replace_certificate_signing_request_approval, csr["metadata"]["name"],
             approval_body(csr, decision))
    except Exception as exc:
        if getattr(exc, "status", None) == 409:
            return "decided elsewhere"
        raise
    return "approved" if decision["approve"] else "denied"


def run_round(certs_api, core_api, serialize, inventory, max_expiration_seconds, only=None, check_mode=False,
              call=None):
    """List CSRs and (when one is to be decided) Nodes, :func:`plan`, and, unless ``check_mode``,
    :func:`apply_decision` each.

    ``certs_api`` and ``core_api`` are ``kubernetes.client.CertificatesV1Api`` and ``CoreV1Api``,
    ``serialize`` the client's ``sanitize_for_serialization`` (object -> API JSON); the other
    parameters as :func:`plan` and :func:`apply_decision`. Returns ``(decisions, csrs)``: the
    decisions, each with ``"result"`` (approved, denied, decided elsewhere, or ``would approve``
    / ``would deny`` in check mode), and the CSRs listed (API JSON).
    """
    call = call or (lambda fn, *a, **kw: fn(*a, **kw))
    csrs = [serialize(c) for c in call(certs_api.list_certificate_signing_request).items]
    decisions = plan(csrs, None, inventory, max_expiration_seconds, only)
    if decisions:
        nodes = dict((n["metadata"]["name"], n) for n in (serialize(o) for o in call(core_api.list_node).items))
        decisions = plan(csrs, nodes, inventory, max_expiration_seconds, only)
    by_name = dict((c["metadata"]["name"], c) for c in csrs)
    for decision in decisions:
        if check_mode:
            decision["result"] = "would approve" if decision["approve"] else "would deny"
        else:
            decision["result"] = apply_decision(certs_api, by_name[decision["name"]], decision, call)
    return decisions, csrs


def main(argv=None):
    """The timer's entry point: one round with the settings of ``--config`` (JSON:
    ``{"kubeconfig": path, "client_cert": path, "client_key": path, "nodes": {node: [addresses]},
    "max_expiration_seconds": int}``), one JSON line per decision on stdout (the journal). The
    kubeconfig gives the API server and its CA; ``client_cert`` and ``client_key``, when set,
    replace its credentials (the approver's own identity, which RBAC lets do nothing but list
    CSRs and Nodes and approve kubelet-serving CSRs). Exit status 0, or 1 with the error on
    stderr."""
    parser = argparse.ArgumentParser(description="Approve or deny pending kubelet serving CSRs (one round).")
    parser.add_argument("--config", required=True, help="JSON settings written by the hardway.nodejoin.control_plane role")
    parser.add_argument("--dry-run", action="store_true", help="decide and print, change nothing")
    args = parser.parse_args(argv)
    try:
        with open(args.config) as handle:
            settings = json.load(handle)
        from kubernetes import client as k8s_client
        from kubernetes import config as k8s_config

        configuration = k8s_client.Configuration()
        k8s_config.load_kube_config(config_file=settings["kubeconfig"], client_configuration=configuration,
                                    persist_config=False)
        if settings.get("client_cert"):
            configuration.cert_file, configuration.key_file = settings["client_cert"], settings["client_key"]
            configuration.api_key, configuration.api_key_prefix = {}, {}
        api_client = k8s_client.ApiClient(configuration)
        timeout = int(settings.get("request_timeout", 15))
        decisions, _csrs = run_round(
            k8s_client.CertificatesV1Api(api_client), k8s_client.CoreV1Api(api_client),
            api_client.sanitize_for_serialization, settings["nodes"],
            int(settings.get("max_expiration_seconds", _csr_policy.DEFAULT_MAX_EXPIRATION_SECONDS)),
            check_mode=args.dry_run, call=lambda fn, *a, **kw: fn(*a, _request_timeout=timeout, **kw))
    except Exception as exc:  # the journal gets one line, the unit fails
        sys.stderr.write("kubelet serving CSR approver: %s: %s\n" % (type(exc).__name__, exc))
        return 1
    for decision in decisions:
        sys.stdout.write(json.dumps(decision, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
