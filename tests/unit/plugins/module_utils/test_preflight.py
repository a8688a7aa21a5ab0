# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for plugins/module_utils/_preflight.py (pure Python, no host or network) and for the host-independent
helpers of the node_preflight module (_transport_message, _check_runtime on sockets in a temporary folder)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import copy
import datetime
import os
import shutil
import socket
import ssl
import tempfile
from urllib.error import URLError

import pytest

from ansible_collections.hardway.nodejoin.plugins.module_utils import _preflight as pf

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)


# ---------------------------------------------------------------------------
# kubelet_node_name
# ---------------------------------------------------------------------------

def test_node_name_flag_wins_over_config_and_hostname():
    flags = {"--hostname-override": "Worker-Flag"}
    assert pf.kubelet_node_name(flags, {"hostnameOverride": "worker-config"}, "host") == "worker-flag"


def test_node_name_ignores_a_config_hostname_override():
    # KubeletConfiguration has no hostnameOverride field (k8s.io/kubelet config/v1beta1): only the flag counts
    assert pf.kubelet_node_name({"--v": "2"}, {"hostnameOverride": "Worker-Config"}, "host") == "host"


def test_node_name_from_hostname_trimmed_and_lowercased():
    assert pf.kubelet_node_name({}, {}, "  Worker-1.Example.ORG \n") == "worker-1.example.org"


@pytest.mark.parametrize("flags,config", [
    (None, None),
    ({"--hostname-override": ""}, {"hostnameOverride": ""}),
    ({"--hostname-override": None}, {}),
], ids=["nothing", "empty-values", "bare-flag"])
def test_node_name_falls_back_to_hostname(flags, config):
    assert pf.kubelet_node_name(flags, config, "NODE7") == "node7"


def test_node_name_nothing_at_all_is_empty():
    assert pf.kubelet_node_name(None, None, None) == ""


# ---------------------------------------------------------------------------
# merge_config
# ---------------------------------------------------------------------------

def test_merge_nested_later_wins_lists_replaced_none_skipped():
    base = {"kind": "KubeletConfiguration", "authentication": {"anonymous": {"enabled": True},
                                                               "webhook": {"enabled": False}},
            "clusterDNS": ["10.96.0.10", "10.96.0.11"], "cgroupDriver": "cgroupfs"}
    drop_in = {"authentication": {"anonymous": {"enabled": False}, "x509": {"clientCAFile": "/ca.crt"}},
               "clusterDNS": ["10.32.0.10"], "cgroupDriver": "systemd"}
    assert pf.merge_config([base, None, drop_in]) == {
        "kind": "KubeletConfiguration",
        "authentication": {"anonymous": {"enabled": False}, "webhook": {"enabled": False},
                           "x509": {"clientCAFile": "/ca.crt"}},
        "clusterDNS": ["10.32.0.10"],
        "cgroupDriver": "systemd",
    }


def test_merge_scalar_replaces_mapping_and_mapping_replaces_scalar():
    assert pf.merge_config([{"a": {"b": 1}, "c": 1}, {"a": 2, "c": {"d": 3}}]) == {"a": 2, "c": {"d": 3}}


def test_merge_order_matters():
    assert pf.merge_config([{"a": 1}, {"a": 2}]) == {"a": 2}
    assert pf.merge_config([{"a": 2}, {"a": 1}]) == {"a": 1}


@pytest.mark.parametrize("docs", [[], [None], [None, "text", ["list"]]], ids=["empty", "none", "no-dicts"])
def test_merge_without_mappings_is_empty(docs):
    assert pf.merge_config(docs) == {}


def test_merge_top_level_documents_are_not_replaced():
    first, second = {"a": 1}, {"b": 2}
    saved = copy.deepcopy([first, second])
    assert pf.merge_config([first, second]) == {"a": 1, "b": 2}
    assert [first, second] == saved


# ---------------------------------------------------------------------------
# kubelet_api_settings / stricter_api_settings
# ---------------------------------------------------------------------------

DEFAULTS = dict(anonymous=False, webhook=True, authorization="Webhook", read_only_port=0)


@pytest.mark.parametrize("config", [None, {}, {"authentication": None, "authorization": None},
                                    {"authentication": {"anonymous": {}, "webhook": {}}, "authorization": {}}],
                         ids=["None", "empty", "null-sections", "empty-sections"])
def test_api_settings_defaults_when_unset(config):
    assert pf.kubelet_api_settings(config) == DEFAULTS


def test_api_settings_read_from_config():
    config = {"authentication": {"anonymous": {"enabled": True}, "webhook": {"enabled": False}},
              "authorization": {"mode": "AlwaysAllow"}, "readOnlyPort": 10255}
    assert pf.kubelet_api_settings(config) == dict(anonymous=True, webhook=False, authorization="AlwaysAllow",
                                                   read_only_port=10255)


def test_api_settings_read_only_port_as_text():
    assert pf.kubelet_api_settings({"readOnlyPort": "10255"})["read_only_port"] == 10255


WEAK = dict(anonymous=True, webhook=False, authorization="AlwaysAllow")
STRICT = dict(anonymous=False, webhook=True, authorization="Webhook")


def test_stricter_never_weakens_and_reports_kept_names():
    settings, kept = pf.stricter_api_settings(dict(STRICT, read_only_port=0), WEAK)
    assert settings == STRICT
    assert kept == ["authentication.anonymous.enabled", "authentication.webhook.enabled", "authorization.mode"]


def test_stricter_wanted_strict_over_weak_existing_is_written_as_wanted():
    settings, kept = pf.stricter_api_settings(dict(WEAK, read_only_port=10255), STRICT)
    assert settings == STRICT
    assert kept == []


def test_stricter_keeps_only_the_stricter_parts():
    existing = dict(anonymous=True, webhook=True, authorization="AlwaysAllow", read_only_port=0)
    settings, kept = pf.stricter_api_settings(existing, WEAK)
    assert settings == dict(anonymous=True, webhook=True, authorization="AlwaysAllow")
    assert kept == ["authentication.webhook.enabled"]


@pytest.mark.parametrize("existing", [None, {}], ids=["None", "empty"])
def test_stricter_without_existing_takes_wanted(existing):
    settings, kept = pf.stricter_api_settings(existing, WEAK)
    assert settings == WEAK
    assert kept == []
    assert settings is not WEAK


def test_stricter_does_not_change_its_inputs():
    existing, wanted = dict(STRICT, read_only_port=0), dict(WEAK)
    pf.stricter_api_settings(existing, wanted)
    assert wanted == WEAK and existing == dict(STRICT, read_only_port=0)


# ---------------------------------------------------------------------------
# versions
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,version", [
    ("v1.36.3", (1, 36, 3)),
    ("Kubernetes v1.36.3", (1, 36, 3)),
    ("1.36", (1, 36, 0)),
    ("v1.31.0-rc.1+abc", (1, 31, 0)),
    ("", None),
    (None, None),
    ("unknown", None),
])
def test_parse_version(text, version):
    assert pf.parse_version(text) == version


def test_skew_same_version_ok():
    assert pf.version_skew_problem("v1.36.3", "v1.36.0") is None


def test_skew_newer_kubelet_refused():
    problem = pf.version_skew_problem("Kubernetes v1.37.0", "v1.36.3")
    assert problem == ("the kubelet (v1.37) is newer than kube-apiserver (v1.36): the version skew policy forbids "
                       "it; install a kubelet of v1.36 or older")


def test_skew_newer_patch_of_the_same_minor_ok():
    assert pf.version_skew_problem("v1.36.9", "v1.36.1") is None


def test_skew_three_minors_older_ok():
    assert pf.version_skew_problem("v1.33.9", "v1.36.3") is None


def test_skew_four_minors_older_refused():
    assert pf.version_skew_problem("v1.32.0", "v1.36.3") == (
        "the kubelet (v1.32) is more than 3 minor versions older than kube-apiserver (v1.36): upgrade the kubelet")


def test_skew_limit_is_a_parameter():
    assert pf.version_skew_problem("v1.34.0", "v1.36.0", max_minor_skew=1) is not None
    assert pf.version_skew_problem("v1.35.0", "v1.36.0", max_minor_skew=1) is None


@pytest.mark.parametrize("kubelet,server", [(None, "v1.36.3"), ("v1.10.0", None), ("?", "??"), ("", "v1.36.0")])
def test_skew_unknown_versions_pass(kubelet, server):
    assert pf.version_skew_problem(kubelet, server) is None


# ---------------------------------------------------------------------------
# clock skew
# ---------------------------------------------------------------------------

def test_clock_skew_from_imf_fixdate():
    assert pf.clock_skew_seconds("Sun, 29 Nov 2026 11:59:30 GMT", NOW) == 30.0
    assert pf.clock_skew_seconds("Sun, 29 Nov 2026 12:00:45 GMT", NOW) == -45.0


def test_clock_skew_other_zone():
    assert pf.clock_skew_seconds("Sun, 29 Nov 2026 13:00:10 +0100", NOW) == -10.0


@pytest.mark.parametrize("header", [None, "", "garbage", "Sun, 99 Foo 2026 99:99:99 GMT"])
def test_clock_skew_unreadable_is_none(header):
    assert pf.clock_skew_seconds(header, NOW) is None


def test_clock_skew_problem_within_limit():
    assert pf.clock_skew_problem(None, 30) is None
    assert pf.clock_skew_problem(30.0, 30) is None
    assert pf.clock_skew_problem(-30.0, 30) is None


def test_clock_skew_problem_ahead_and_behind():
    ahead = pf.clock_skew_problem(90.4, 30)
    assert ahead.startswith("this host's clock is 90 s ahead of the API server's (more than 30 s)")
    behind = pf.clock_skew_problem(-31, 30)
    assert behind.startswith("this host's clock is 31 s behind the API server's (more than 30 s)")
    assert "synchronise the clock" in behind


# ---------------------------------------------------------------------------
# token_review_problem
# ---------------------------------------------------------------------------

SERVER = "https://10.0.0.10:6443"
TOKEN_ID = "abcdef"
SECRET = "0123456789abcdef"


def _review(username, groups):
    return {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
            "status": {"userInfo": {"username": username, "groups": groups}}}


def test_token_401_names_the_token_id_and_never_the_secret():
    problem, user = pf.token_review_problem(401, {"kind": "Status", "code": 401}, TOKEN_ID, SERVER)
    assert user == {}
    assert problem.startswith("the API server %s does not accept bootstrap token %s (401 Unauthorized)"
                              % (SERVER, TOKEN_ID))
    assert "--enable-bootstrap-token-auth=true" in problem
    assert SECRET not in problem and "%s.%s" % (TOKEN_ID, SECRET) not in problem


def test_token_404_passes():
    assert pf.token_review_problem(404, None, TOKEN_ID, SERVER) == (None, {})


def test_token_other_status_is_a_problem():
    problem, user = pf.token_review_problem(500, None, TOKEN_ID, SERVER)
    assert problem == "checking bootstrap token abcdef against %s failed with HTTP 500" % SERVER
    assert user == {}


def test_token_wrong_username():
    body = _review("system:serviceaccount:kube-system:default", ["system:serviceaccounts"])
    problem, user = pf.token_review_problem(201, body, TOKEN_ID, SERVER)
    assert problem == ("the API server %s authenticates the token as 'system:serviceaccount:kube-system:default', "
                       "not system:bootstrap:abcdef: this is no bootstrap token" % SERVER)
    assert user["username"] == "system:serviceaccount:kube-system:default"


def test_token_without_user_info():
    problem, user = pf.token_review_problem(201, {}, TOKEN_ID, SERVER)
    assert "authenticates the token as None, not system:bootstrap:abcdef" in problem
    assert user == {}


def test_token_missing_group():
    body = _review("system:bootstrap:abcdef", ["system:authenticated"])
    problem, user = pf.token_review_problem(201, body, TOKEN_ID, SERVER)
    assert problem == "token abcdef is not in the group system:bootstrappers on %s" % SERVER
    assert user["groups"] == ["system:authenticated"]


@pytest.mark.parametrize("status", [200, 201])
def test_token_ok(status):
    groups = ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"]
    problem, user = pf.token_review_problem(status, _review("system:bootstrap:abcdef", groups), TOKEN_ID, SERVER)
    assert problem is None
    assert user == {"username": "system:bootstrap:abcdef", "groups": groups}


# ---------------------------------------------------------------------------
# runtime: cgroup driver, swap, containerd config
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("driver,systemd_cgroup", [("systemd", True), ("cgroupfs", False), (None, True),
                                                   ("systemd", None)])
def test_cgroup_driver_matching_or_unknown_passes(driver, systemd_cgroup):
    assert pf.cgroup_driver_problem(driver, systemd_cgroup) is None


def test_cgroup_driver_mismatch():
    assert pf.cgroup_driver_problem("cgroupfs", True) == (
        "the kubelet's cgroupDriver is cgroupfs but containerd's runc uses systemd (SystemdCgroup = true): pods "
        "would fail; make them the same (kubelet config cgroupDriver, or containerd's SystemdCgroup)")
    assert "uses cgroupfs (SystemdCgroup = false)" in pf.cgroup_driver_problem("systemd", False)


SWAPS_HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"


def test_swap_header_only_is_no_swap():
    assert pf.swap_problem(SWAPS_HEADER, True) is None
    assert pf.swap_problem(SWAPS_HEADER + "\n", True) is None
    assert pf.swap_problem("", True) is None
    assert pf.swap_problem(None, True) is None


def test_swap_on_with_fail_swap_on():
    swaps = SWAPS_HEADER + "/dev/sda2   partition\t1048572\t0\t-2\n/swapfile   file\t524284\t0\t-3\n"
    problem = pf.swap_problem(swaps, True)
    assert problem.startswith("swap is on (/dev/sda2, /swapfile) and the kubelet's failSwapOn is true")


def test_swap_on_without_fail_swap_on_passes():
    assert pf.swap_problem(SWAPS_HEADER + "/dev/sda2 partition 1048572 0 -2\n", False) is None


CONTAINERD_DUMP = """\
version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
    BinaryName = ""
    SystemdCgroup = %s
"""


@pytest.mark.parametrize("text,value", [
    (CONTAINERD_DUMP % "true", True),
    (CONTAINERD_DUMP % "false", False),
    (CONTAINERD_DUMP.replace("    SystemdCgroup = %s\n", ""), None),
    (CONTAINERD_DUMP % "true" + "[x.options]\n  SystemdCgroup=false\n", None),
    (CONTAINERD_DUMP % "true" + "[x.options]\n  SystemdCgroup = true\n", True),
    ("", None),
    (None, None),
], ids=["true", "false", "absent", "inconsistent", "consistent-twice", "empty", "None"])
def test_runc_systemd_cgroup(text, value):
    assert pf.runc_systemd_cgroup(text) is value


# ---------------------------------------------------------------------------
# join_state
# ---------------------------------------------------------------------------

NOT_JOINED = dict(kubeconfig_exists=False, kubeconfig="/etc/kubernetes/kubelet.conf")


def test_join_state_kubeconfig_exists_is_joined():
    worker = dict(kubeconfig_exists=True, kubeconfig="/var/lib/kubelet/kubeconfig")
    node = dict(name="worker1", ready="True", machine_id="other")
    assert pf.join_state(worker, node, "mine") == (
        "joined", "the kubelet runs with the kubeconfig /var/lib/kubelet/kubeconfig")


def test_join_state_ready_node_of_another_machine_is_refused():
    state, reason = pf.join_state(NOT_JOINED, dict(name="worker1", ready="True", machine_id="aaaa"), "bbbb")
    assert state == "refuse"
    assert reason == ("a Ready Node named worker1 already exists and belongs to machine aaaa: delete it "
                      "(kubectl delete node worker1, or playbooks/remove.yml) or give this machine another name "
                      "(the kubelet's --hostname-override)")


@pytest.mark.parametrize("node_machine,machine_id", [("", "bbbb"), (None, "bbbb"), ("aaaa", ""), ("aaaa", None)])
def test_join_state_ready_node_with_unknown_machine_is_refused(node_machine, machine_id):
    state, reason = pf.join_state(NOT_JOINED, dict(name="w1", ready="True", machine_id=node_machine), machine_id)
    assert state == "refuse"
    assert reason.startswith("a Ready Node named w1 already exists")


def test_join_state_ready_node_of_the_same_machine_joins():
    assert pf.join_state(NOT_JOINED, dict(name="worker1", ready="True", machine_id="aaaa"), "aaaa") == ("join", None)


@pytest.mark.parametrize("ready", ["False", "Unknown", None])
def test_join_state_not_ready_node_of_another_machine_is_refused_without_replace(ready):
    state, reason = pf.join_state(NOT_JOINED, dict(name="worker1", ready=ready, machine_id="aaaa"), "bbbb")
    assert state == "refuse"
    assert reason.startswith("a Node named worker1 already exists and belongs to machine aaaa (Ready: %s)" % ready)
    assert "set worker_replace=true" in reason


@pytest.mark.parametrize("ready", ["False", "Unknown", None])
def test_join_state_not_ready_node_of_another_machine_is_replaced_when_asked(ready):
    state, reason = pf.join_state(NOT_JOINED, dict(name="worker1", ready=ready, machine_id="aaaa"), "bbbb",
                                  replace=True)
    assert state == "replace" and "replaces the stale Node worker1" in reason


def test_join_state_ready_node_of_another_machine_is_refused_even_with_replace():
    assert pf.join_state(NOT_JOINED, dict(name="w1", ready="True", machine_id="aaaa"), "bbbb", replace=True)[0] == "refuse"


@pytest.mark.parametrize("ready", ["False", "True"])
def test_join_state_node_of_the_same_machine_joins_again(ready):
    # a worker reset (playbooks/reset.yml) keeps its machine id: the plain join takes it back
    assert pf.join_state(NOT_JOINED, dict(name="worker1", ready=ready, machine_id="aaaa"), "aaaa") == ("join", None)


def test_join_state_no_node_joins():
    assert pf.join_state(NOT_JOINED, None, "bbbb") == ("join", None)
    assert pf.join_state({}, None) == ("join", None)


# ---------------------------------------------------------------------------
# likely_cause
# ---------------------------------------------------------------------------

LOG_401 = 'E1129 bootstrap.go:266] part of the existing bootstrap client certificate ... Unauthorized'
LOG_X509 = ('E1129 certificate_manager.go:562] ... tls: failed to verify certificate: x509: certificate signed by '
            'unknown authority')
LOG_REFUSED = 'E1129 reflector.go:158] dial tcp 10.0.0.10:6443: connect: connection refused'
LOG_403 = ('E1129 csr.go:261] certificatesigningrequests.certificates.k8s.io is forbidden: User '
           '"system:bootstrap:abcdef" cannot create resource')


@pytest.mark.parametrize("line,words", [
    (LOG_401, "rejected the bootstrap token (401)"),
    (LOG_X509, "TLS failed (x509)"),
    ("Get https://10.0.0.10:6443: certificate has expired or is not yet valid", "TLS failed (x509)"),
    (LOG_REFUSED, "cannot reach the API server"),
    ("dial tcp 10.0.0.10:6443: i/o timeout", "cannot reach the API server"),
    (LOG_403, "may not create CSRs (403)"),
    ("Error: Forbidden", "may not create CSRs (403)"),
])
def test_likely_cause(line, words):
    cause = pf.likely_cause(["I1129 server.go:487] Kubelet version v1.36.3", line])
    assert words in cause


@pytest.mark.parametrize("lines", [[], None, ["I1129 all fine", "W1129 something else"]], ids=["empty", "None", "none"])
def test_likely_cause_none(lines):
    assert pf.likely_cause(lines) is None


def test_likely_cause_newest_line_wins():
    assert "x509" in pf.likely_cause([LOG_401, LOG_X509, "I1129 retrying"])
    assert "401" in pf.likely_cause([LOG_X509, LOG_401, "I1129 retrying"])
    assert "cannot reach" in pf.likely_cause(iter([LOG_403, LOG_REFUSED]))


# ---------------------------------------------------------------------------
# the node_preflight module's host-independent helpers
# ---------------------------------------------------------------------------

def _module():
    from ansible_collections.hardway.nodejoin.plugins.modules import node_preflight

    return node_preflight


@pytest.fixture
def sock_dir(tmp_path):
    """A folder whose socket paths fit in sun_path (108 bytes)."""
    if len(str(tmp_path)) < 90:
        yield str(tmp_path)
        return
    short = tempfile.mkdtemp(prefix="np-")
    try:
        yield short
    finally:
        shutil.rmtree(short)


@pytest.mark.parametrize("exc", [
    URLError("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate"),
    ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number"),
], ids=["verify-failed", "ssl-error"])
def test_transport_message_tls(exc):
    message = _module()._transport_message(SERVER, exc, True)
    assert message.startswith("TLS to %s failed: " % SERVER)
    assert "SSL" in message
    assert "did not sign the API server's certificate" in message


def test_transport_message_unreachable_verified():
    exc = URLError(ConnectionRefusedError(111, "Connection refused"))
    assert _module()._transport_message(SERVER, exc, True) == (
        "cannot reach the API server %s from this worker: [Errno 111] Connection refused. Check worker_api_server "
        "(host and port) and that kube-apiserver runs" % SERVER)


def test_transport_message_unreachable_not_verified_says_so():
    message = _module()._transport_message(SERVER, socket.timeout("timed out"), False)
    assert message.startswith("cannot reach the API server %s from this worker (TLS not verified yet): timed out"
                              % SERVER)


def test_check_runtime_missing_socket_is_one_problem_naming_it(tmp_path):
    path = str(tmp_path / "nothing-here.sock")
    problems = ["earlier"]
    _module()._check_runtime({"container_runtime_endpoint": path}, problems)
    assert len(problems) == 2 and problems[0] == "earlier"
    assert problems[1].startswith("the container runtime does not answer on %s (" % path)
    assert "No such file or directory" in problems[1]
    assert problems[1].endswith("start containerd (systemctl start containerd)")


def test_check_runtime_socket_nobody_listens_on(sock_dir):
    path = os.path.join(sock_dir, "dead.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(path)  # bound, never listening: connect is refused
        problems = []
        _module()._check_runtime({"container_runtime_endpoint": path}, problems)
    finally:
        server.close()
    assert len(problems) == 1
    assert problems[0].startswith("the container runtime does not answer on %s (" % path)


def test_check_runtime_listening_socket_is_no_problem(sock_dir):
    path = os.path.join(sock_dir, "ctrd.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(path)
        server.listen(1)
        problems = []
        _module()._check_runtime({"container_runtime_endpoint": path}, problems)
    finally:
        server.close()
    assert problems == []


def test_add_skips_none():
    problems = []
    _module()._add(problems, None)
    _module()._add(problems, "")
    _module()._add(problems, "a problem")
    assert problems == ["a problem"]


# ---------------------------------------------------------------------------
# kubelet API flags over the configuration
# ---------------------------------------------------------------------------

WANTED = dict(anonymous=False, webhook=True, authorization="Webhook")


def test_api_flags_override_the_configuration():
    config = {"authorization": {"mode": "Webhook"}, "authentication": {"anonymous": {"enabled": False}}}
    flags = {"--authorization-mode": "AlwaysAllow", "--anonymous-auth": None, "--read-only-port": "10255"}
    assert pf.kubelet_api_settings(config, flags) == dict(anonymous=True, webhook=True, authorization="AlwaysAllow",
                                                          read_only_port=10255)


def test_weakening_api_flags_are_problems_naming_the_flag():
    problems = pf.api_flag_problems({"--anonymous-auth": "true", "--authorization-mode": "AlwaysAllow",
                                     "--authentication-token-webhook": "false", "--read-only-port": "10255",
                                     "--node-ip": "10.0.0.1"}, WANTED)
    assert len(problems) == 4
    for flag in ("--anonymous-auth=true", "--authorization-mode=AlwaysAllow", "--authentication-token-webhook=false",
                 "--read-only-port=10255"):
        assert any(flag in p for p in problems), (flag, problems)


def test_flags_as_strict_as_wanted_are_no_problem():
    assert pf.api_flag_problems({"--anonymous-auth": "false", "--authorization-mode": "Webhook",
                                 "--read-only-port": "0"}, WANTED) == []
    assert pf.api_flag_problems({"--authorization-mode": "AlwaysAllow"},
                                dict(WANTED, authorization="AlwaysAllow")) == []


def test_cgroup_driver_from_cri_on_new_kubelets_with_containerd_2():
    # kubelet >= 1.34 takes the driver from containerd >= 2.0 over CRI: its own setting does not matter
    assert pf.cgroup_driver_problem("cgroupfs", True, "v1.36.3", "v2.1.4") is None
    # containerd 1.6 (Debian bookworm) does not report it: the mismatch counts
    assert "containerd's runc uses systemd" in pf.cgroup_driver_problem("cgroupfs", True, "v1.36.3", "1.6.20~ds1")
    assert pf.cgroup_driver_problem("cgroupfs", True, "v1.33.0", "v2.0.0") is not None
