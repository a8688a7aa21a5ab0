# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The join report: one record and one line per worker, from what the worker role published
(``worker_join_result``) or why it failed. Pure functions, no Ansible imports.

Times are RFC 3339 UTC strings: the API's (``metadata.creationTimestamp``, condition times; whole
seconds) and the controller's (token made, kubelet restarted; microseconds). Seconds between
milestones are counted from the token, so they mix the controller's clock with the API server's:
as exact as those clocks agree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.hardway.nodejoin.plugins.module_utils._nodes import parse_time

#: The milestones of a join, in order: (key, what the line calls it).
MILESTONES = (
    ("token_made", "token"),
    ("kubelet_restarted", "kubelet restarted"),
    ("csr_created", "CSR made"),
    ("csr_approved", "CSR approved"),
    ("node_registered", "Node registered"),
    ("ready", "Ready"),
)

#: Results a record can have.
RESULTS = ("joined", "already_joined", "would_join", "pending_approval", "failed")


def node_record(host, outcome, token_made=None):
    """One worker's record (dict) of the join report.

    :param host: inventory name of the worker.
    :param outcome: the worker's ``worker_join_result`` (``result``, ``node_name``,
        ``kubelet_restarted``, ``token_id``, ``node`` and ``csr`` as node_join_wait returns them), or a
        failure: ``{"result": "failed", "reason": str, "stage": str, "node_name": str|None}``; ``None``
        when the worker left nothing (e.g. unreachable).
    :param token_made: when the control plane made (or reused) the bootstrap token, RFC 3339.
    :returns: dict ``host``, ``node_name``, ``result`` (one of :data:`RESULTS`), ``reason`` (why it failed,
        or why the Node is NotReady; else ``None``), ``stage``, ``token_id``, ``csr`` (``name``,
        ``signer_name``, ``condition`` or ``None``), ``ready`` (``True``/``False``/``Unknown``/``None``),
        ``milestones`` (:data:`MILESTONES` keys to RFC 3339 strings or ``None``) and ``seconds`` (the same
        keys to seconds after ``token_made``, rounded to 0.1, or ``None``). Never a token secret: only the
        token id is copied.
    """
    outcome = outcome or {"result": "failed", "reason": "no result from this worker (unreachable, or the run "
                                                        "stopped before it)", "stage": None}
    node = outcome.get("node") or {}
    csr = outcome.get("csr") or {}
    result = outcome.get("result") if outcome.get("result") in RESULTS else "failed"
    joined = result in ("joined", "already_joined")
    milestones = dict(
        token_made=token_made if result == "joined" else None,
        kubelet_restarted=outcome.get("kubelet_restarted"),
        csr_created=csr.get("created"),
        csr_approved=csr.get("approved"),
        node_registered=node.get("registered"),
        ready=node.get("ready_since") if node.get("ready") == "True" else None,
    )
    reason = outcome.get("reason")
    if joined and node and node.get("ready") != "True":
        reason = "NotReady: %s" % (node.get("ready_message") or node.get("ready_reason") or "no Ready condition")
    start = parse_time(milestones["token_made"])
    seconds = {}
    for key, _label in MILESTONES:
        at = parse_time(milestones[key])
        seconds[key] = round((at - start).total_seconds(), 1) if at and start else None
    return dict(
        host=host,
        node_name=outcome.get("node_name") or node.get("name"),
        result=result,
        reason=reason,
        stage=outcome.get("stage"),
        token_id=outcome.get("token_id"),
        csr=dict(name=csr.get("name"), signer_name=csr.get("signer_name"), condition=csr.get("condition"))
        if csr else None,
        ready=node.get("ready") if node else None,
        milestones=milestones,
        seconds=seconds,
    )


def report_line(record):
    """The one line (str) a record prints as: host, result, node, milestones (with seconds after the
    token when known), CSR name and signer, and the reason when there is one."""
    parts = ["%s: %s" % (record["host"], record["result"].replace("_", " "))]
    if record.get("node_name"):
        parts.append("node %s" % record["node_name"])
    steps = []
    for key, label in MILESTONES:
        at = record["milestones"].get(key)
        if not at:
            continue
        secs = record["seconds"].get(key)
        steps.append("%s %s%s" % (label, at, "" if secs is None or key == "token_made" else " (+%.1f s)" % secs))
    if steps:
        parts.append(" -> ".join(steps))
    if record.get("csr"):
        parts.append("CSR %s %s by %s" % (record["csr"]["name"], record["csr"]["condition"], record["csr"]["signer_name"]))
    if record.get("reason"):
        parts.append(("at %s: " % record["stage"] if record.get("stage") else "") + record["reason"])
    return "; ".join(parts)


def join_report(outcomes, token_made=None):
    """Records of every worker, sorted by host: ``outcomes`` maps host to what :func:`node_record`
    takes; each record gets its :func:`report_line` as ``line``."""
    records = []
    for host in sorted(outcomes or {}):
        record = node_record(host, outcomes[host], token_made)
        record["line"] = report_line(record)
        records.append(record)
    return records
