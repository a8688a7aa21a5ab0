# -*- coding: utf-8 -*-
"""Tests for _report (the join report) and its filter join_report."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.hardway.nodejoin.plugins.filter import join_report as join_report_filter
from ansible_collections.hardway.nodejoin.plugins.module_utils import _report

SIGNER = "kubernetes.io/kube-apiserver-client-kubelet"
JOINED = dict(result="joined", node_name="worker1", kubelet_restarted="2026-11-29T10:00:03.500000Z", token_id="abcdef",
              node=dict(name="worker1", ready="True", ready_reason="KubeletReady", ready_message="ok",
                        registered="2026-11-29T10:00:05Z", ready_since="2026-11-29T10:00:06Z"),
              csr=dict(name="csr-1", username="system:bootstrap:abcdef", condition="Approved,Issued", signer_name=SIGNER,
                       created="2026-11-29T10:00:04Z", approved="2026-11-29T10:00:04Z"))
TOKEN = "2026-11-29T10:00:00.100000Z"


def test_parse_time():
    assert _report.parse_time("2026-11-29T10:00:04Z").second == 4
    assert _report.parse_time("2026-11-29T10:00:03.500000Z").microsecond == 500000
    assert _report.parse_time("") is None and _report.parse_time(None) is None and _report.parse_time("soon") is None


def test_joined_worker_has_every_milestone_in_seconds_after_the_token():
    record = _report.node_record("worker1", JOINED, TOKEN)
    assert record["result"] == "joined" and record["reason"] is None and record["ready"] == "True"
    assert record["csr"] == dict(name="csr-1", signer_name=SIGNER, condition="Approved,Issued")
    assert record["seconds"] == dict(token_made=0.0, kubelet_restarted=3.4, csr_created=3.9, csr_approved=3.9,
                                     node_registered=4.9, ready=5.9)
    line = _report.report_line(record)
    assert line.startswith("worker1: joined; node worker1; token 2026-11-29T10:00:00.100000Z -> kubelet restarted")
    assert "Ready 2026-11-29T10:00:06Z (+5.9 s)" in line and "CSR csr-1 Approved,Issued by " + SIGNER in line


def test_not_ready_node_says_why():
    outcome = dict(JOINED, node=dict(JOINED["node"], ready="False", ready_message="cni plugin not initialized"))
    record = _report.node_record("worker1", outcome, TOKEN)
    assert record["reason"] == "NotReady: cni plugin not initialized"
    assert record["milestones"]["ready"] is None and record["seconds"]["ready"] is None


def test_already_joined_has_no_token_time():
    outcome = dict(JOINED, result="already_joined", kubelet_restarted=None, token_id=None)
    record = _report.node_record("worker2", outcome, TOKEN)
    assert record["milestones"]["token_made"] is None and record["seconds"]["ready"] is None
    assert record["milestones"]["node_registered"] == "2026-11-29T10:00:05Z"
    assert _report.report_line(record).startswith("worker2: already joined; node worker1; CSR made")


def test_failed_and_silent_workers():
    failed = dict(result="failed", stage="preflight", node_name=None,
                  reason="container runtime: /run/containerd/containerd.sock does not answer")
    records = _report.join_report({"worker3": failed, "worker2": None, "worker1": JOINED}, TOKEN)
    assert [r["host"] for r in records] == ["worker1", "worker2", "worker3"]
    assert records[2]["result"] == "failed" and records[2]["csr"] is None
    assert records[2]["line"] == ("worker3: failed; at preflight: container runtime: "
                                  "/run/containerd/containerd.sock does not answer")
    assert records[1]["result"] == "failed" and "unreachable" in records[1]["reason"]
    # unknown results are failures
    assert _report.node_record("w", dict(result="maybe"))["result"] == "failed"


def test_no_secret_and_json():
    outcome = dict(JOINED, token="abcdef.0123456789abcdef")
    record = _report.join_report({"worker1": outcome}, TOKEN)[0]
    text = json.dumps(record)
    assert "0123456789abcdef" not in text and record["token_id"] == "abcdef"


def test_filter_registered():
    assert join_report_filter.FilterModule().filters()["join_report"] is _report.join_report
