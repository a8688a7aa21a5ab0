# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for plugins/module_utils/_systemd_unit.py (pure Python, no Ansible needed)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.hardway.nodejoin.plugins.module_utils._systemd_unit import (
    ABSENT,
    UnitFileError,
    edit_flags,
    parse_exec_start,
)
from ansible_collections.hardway.nodejoin.tests.unit.helpers import APISERVER_UNIT as APISERVER
from ansible_collections.hardway.nodejoin.tests.unit.helpers import KUBELET_UNIT as KUBELET


COMMENTED = """\
# /etc/systemd/system/kube-proxy.service -- managed by hand
; old style comment
[Unit]
Description=Kubernetes Kube Proxy

[Service]
# the proxy reads most settings from its config file
ExecStart=/usr/local/bin/kube-proxy \\
    --config=/var/lib/kube-proxy/kube-proxy-config.yaml \\
# --v=4 is too noisy
    ; --profiling=true \\
    --hostname-override=worker-0
# trailing comment right after the command
Restart=on-failure

[Install]
WantedBy=multi-user.target
"""

ONE_LINE = """\
[Service]
ExecStart=/usr/bin/foo --a=1 --b=2
"""

# the lines that follow ExecStart= in APISERVER, for building expectations
_API_TAIL = """\
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
"""


def _api_head(*flag_lines):
    lines = [
        "[Unit]",
        "Description=Kubernetes API Server",
        "Documentation=https://github.com/kubernetes/kubernetes",
        "",
        "[Service]",
        "ExecStart=/usr/local/bin/kube-apiserver \\",
    ]
    body = ["    %s \\" % line for line in flag_lines[:-1]] + ["    %s" % flag_lines[-1]]
    return "\n".join(lines + body) + "\n" + _API_TAIL


_API_FLAGS = [
    "--service-cluster-ip-range=10.96.0.0/12",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
    "--etcd-servers=https://127.0.0.1:2379",
    "--anonymous-auth=false",
    "--authorization-mode=Node,RBAC",
    "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
    "--client-ca-file=/etc/kubernetes/pki/ca.crt",
]


def test_expectation_helper_rebuilds_apiserver():
    # guards the helper used by the exact-text tests below
    assert _api_head(*_API_FLAGS) == APISERVER


# ---------------------------------------------------------------------------
# round trips / parsing
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [APISERVER, KUBELET, COMMENTED, ONE_LINE], ids=["apiserver", "kubelet", "commented", "one-line"])
def test_round_trip_without_requests(text):
    new, changes = edit_flags(text)
    assert new == text
    assert changes == []


@pytest.mark.parametrize("text", [APISERVER, KUBELET, COMMENTED, ONE_LINE], ids=["apiserver", "kubelet", "commented", "one-line"])
def test_round_trip_when_every_flag_already_matches(text):
    present = dict(parse_exec_start(text))
    new, changes = edit_flags(text, present=present, absent=["--not-there"])
    assert new == text
    assert changes == []


def test_parse_apiserver():
    assert parse_exec_start(APISERVER) == [
        ("--service-cluster-ip-range", "10.96.0.0/12"),
        ("--service-account-issuer", "https://kubernetes.default.svc.cluster.local"),
        ("--service-account-key-file", "/etc/kubernetes/pki/sa.pub"),
        ("--etcd-servers", "https://127.0.0.1:2379"),
        ("--anonymous-auth", "false"),
        ("--authorization-mode", "Node,RBAC"),
        ("--tls-cert-file", "/etc/kubernetes/pki/apiserver.crt"),
        ("--client-ca-file", "/etc/kubernetes/pki/ca.crt"),
    ]


def test_parse_kubelet_mixed_forms():
    assert parse_exec_start(KUBELET) == [
        ("--config-dir", "/var/lib/kubelet/config.d/"),
        ("--node-ip", "10.77.0.11"),
    ]


def test_parse_skips_comment_lines_inside_the_block():
    # "; --profiling=true \" is a comment line, not an argument (systemd.syntax(7))
    assert parse_exec_start(COMMENTED) == [
        ("--config", "/var/lib/kube-proxy/kube-proxy-config.yaml"),
        ("--hostname-override", "worker-0"),
    ]


def test_parse_one_line_bare_and_space_forms():
    text = "[Service]\nExecStart=/usr/bin/foo -v 2 --a=1 --bare --c value --d --e= pos\n"
    assert parse_exec_start(text) == [
        ("--a", "1"),
        ("--bare", None),
        ("--c", "value"),
        ("--d", None),
        ("--e", ""),
    ]


def test_parse_value_keeps_everything_after_first_equals():
    text = "[Service]\nExecStart=/usr/bin/foo --feature-gates=A=true,B=false\n"
    assert parse_exec_start(text) == [("--feature-gates", "A=true,B=false")]


@pytest.mark.parametrize("prefix", ["-", "+", ":", "!", "!!", "-+", "|"])
def test_parse_exec_prefix_is_ignored(prefix):
    text = "[Service]\nExecStart=%s/usr/bin/foo --a=1\n" % prefix
    assert parse_exec_start(text) == [("--a", "1")]


def test_parse_at_prefix_skips_argv0_even_if_it_looks_like_a_flag():
    text = "[Service]\nExecStart=@/usr/bin/foo --argv0-name --a=1\n"
    assert parse_exec_start(text) == [("--a", "1")]


def test_quoted_word_is_one_token():
    text = '[Service]\nExecStart=/usr/bin/foo --msg="a b" --c=1\n'
    assert parse_exec_start(text) == [("--msg", '"a b"'), ("--c", "1")]


def test_key_with_blanks_around_equals_and_other_sections_ignored():
    text = (
        "[X-Custom]\n"
        "ExecStart=/usr/bin/not-this --zzz=1\n"
        "[Service]\n"
        "  ExecStart = /usr/bin/foo --a=1\n"
    )
    assert parse_exec_start(text) == [("--a", "1")]


def test_several_service_sections_are_merged():
    text = "[Service]\nType=simple\n[Unit]\nDescription=x\n[Service]\nExecStart=/usr/bin/foo --a=1\n"
    assert parse_exec_start(text) == [("--a", "1")]


# ---------------------------------------------------------------------------
# adding
# ---------------------------------------------------------------------------

def test_add_flags_to_apiserver_exact_text():
    new, changes = edit_flags(APISERVER, present={
        "--kubelet-client-certificate": "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
        "--kubelet-client-key": "/etc/kubernetes/pki/apiserver-kubelet-client.key",
        "--enable-bootstrap-token-auth": "true",
    })
    assert new == _api_head(*(_API_FLAGS + [
        "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
        "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
        "--enable-bootstrap-token-auth=true",
    ]))
    assert changes == [
        {"flag": "--kubelet-client-certificate", "before": ABSENT,
         "after": "/etc/kubernetes/pki/apiserver-kubelet-client.crt", "action": "added"},
        {"flag": "--kubelet-client-key", "before": ABSENT,
         "after": "/etc/kubernetes/pki/apiserver-kubelet-client.key", "action": "added"},
        {"flag": "--enable-bootstrap-token-auth", "before": ABSENT, "after": "true", "action": "added"},
    ]


def test_add_to_one_line_appends_on_same_line():
    new, changes = edit_flags(ONE_LINE, present={"--c": "3", "--d": None})
    assert new == "[Service]\nExecStart=/usr/bin/foo --a=1 --b=2 --c=3 --d\n"
    assert [c["action"] for c in changes] == ["added", "added"]


def test_add_bare_boolean_flag_multi_line():
    new, dummy = edit_flags(KUBELET, present={"--rotate-certificates": None})
    assert new == KUBELET.replace(
        "    --node-ip=10.77.0.11\n",
        "    --node-ip=10.77.0.11 \\\n    --rotate-certificates\n")


@pytest.mark.parametrize("indent", ["  ", "\t", "        "], ids=["two", "tab", "eight"])
def test_add_uses_indentation_of_continuation_lines(indent):
    text = "[Service]\nExecStart=/usr/bin/foo \\\n%s--a=1\nRestart=always\n" % indent
    new, dummy = edit_flags(text, present={"--b": "2"})
    assert new == "[Service]\nExecStart=/usr/bin/foo \\\n%s--a=1 \\\n%s--b=2\nRestart=always\n" % (indent, indent)


def test_add_defaults_to_four_spaces_without_argument_lines():
    # a continued ExecStart= whose continuation is only an empty line
    text = "[Service]\nExecStart=/usr/bin/foo \\\n\nRestart=always\n"
    new, dummy = edit_flags(text, present={"--a": "1"})
    assert new == "[Service]\nExecStart=/usr/bin/foo \\\n    --a=1\n\nRestart=always\n"
    assert parse_exec_start(new) == [("--a", "1")]


def test_add_goes_after_last_argument_line_not_after_inner_comments():
    new, dummy = edit_flags(COMMENTED, present={"--cluster-cidr": "10.200.0.0/16"})
    assert new == COMMENTED.replace(
        "    --hostname-override=worker-0\n",
        "    --hostname-override=worker-0 \\\n    --cluster-cidr=10.200.0.0/16\n")
    assert parse_exec_start(new)[-1] == ("--cluster-cidr", "10.200.0.0/16")


def test_add_at_end_of_file_without_newline():
    text = "[Service]\nExecStart=/usr/bin/foo \\\n    --a=1"
    new, dummy = edit_flags(text, present={"--b": "2"})
    assert new == "[Service]\nExecStart=/usr/bin/foo \\\n    --a=1 \\\n    --b=2"


# ---------------------------------------------------------------------------
# changing in place
# ---------------------------------------------------------------------------

def test_change_equals_form_in_place():
    new, changes = edit_flags(APISERVER, present={"--authorization-mode": "Node,RBAC,ABAC"})
    assert new == APISERVER.replace("--authorization-mode=Node,RBAC \\", "--authorization-mode=Node,RBAC,ABAC \\")
    assert changes == [{"flag": "--authorization-mode", "before": "Node,RBAC",
                        "after": "Node,RBAC,ABAC", "action": "changed"}]


def test_change_space_form_in_place_keeps_form():
    new, changes = edit_flags(KUBELET, present={"--config-dir": "/etc/kubelet.d/"})
    assert new == KUBELET.replace("--config-dir /var/lib/kubelet/config.d/ \\", "--config-dir /etc/kubelet.d/ \\")
    assert changes == [{"flag": "--config-dir", "before": "/var/lib/kubelet/config.d/",
                        "after": "/etc/kubelet.d/", "action": "changed"}]


def test_change_space_form_to_dash_value_switches_to_equals():
    # "--config-dir -x" would read back as a bare flag, so "=" is used
    new, dummy = edit_flags(KUBELET, present={"--config-dir": "-x"})
    assert "    --config-dir=-x \\\n" in new
    assert parse_exec_start(new)[0] == ("--config-dir", "-x")


def test_change_one_line_value_in_place():
    new, dummy = edit_flags(ONE_LINE, present={"--a": "10"})
    assert new == "[Service]\nExecStart=/usr/bin/foo --a=10 --b=2\n"


def test_bare_flag_gets_value_and_value_becomes_bare():
    text = "[Service]\nExecStart=/usr/bin/foo --x --y=1 --z old\n"
    new, changes = edit_flags(text, present={"--x": "v", "--y": None, "--z": None})
    assert new == "[Service]\nExecStart=/usr/bin/foo --x=v --y --z\n"
    assert changes == [
        {"flag": "--x", "before": None, "after": "v", "action": "changed"},
        {"flag": "--y", "before": "1", "after": None, "action": "changed"},
        {"flag": "--z", "before": "old", "after": None, "action": "changed"},
    ]


def test_boolean_flag_true_false():
    text = "[Service]\nExecStart=/usr/bin/kube-apiserver --enable-bootstrap-token-auth=false\n"
    new, changes = edit_flags(text, present={"--enable-bootstrap-token-auth": "true"})
    assert new == "[Service]\nExecStart=/usr/bin/kube-apiserver --enable-bootstrap-token-auth=true\n"
    assert changes[0]["before"] == "false" and changes[0]["after"] == "true"


# ---------------------------------------------------------------------------
# removing
# ---------------------------------------------------------------------------

def test_remove_last_flag_fixes_backslash():
    new, changes = edit_flags(APISERVER, absent=["--client-ca-file"])
    assert new == _api_head(*_API_FLAGS[:-1])
    assert changes == [{"flag": "--client-ca-file", "before": "/etc/kubernetes/pki/ca.crt",
                        "after": ABSENT, "action": "removed"}]


def test_remove_middle_flag_drops_line():
    new, dummy = edit_flags(APISERVER, absent=["--anonymous-auth", "--etcd-servers"])
    assert new == _api_head(*[f for f in _API_FLAGS if not f.startswith(("--anonymous-auth", "--etcd-servers"))])


def test_remove_all_flags_leaves_single_line():
    names = [name for name, _value in parse_exec_start(APISERVER)]
    new, changes = edit_flags(APISERVER, absent=names)
    assert len(changes) == 8
    assert "ExecStart=/usr/local/bin/kube-apiserver\nRestart=on-failure\n" in new
    assert new.startswith("[Unit]\n") and new.endswith(_API_TAIL)


def test_remove_space_form_flag_and_value():
    new, changes = edit_flags(KUBELET, absent=["--config-dir"])
    assert new == KUBELET.replace("    --config-dir /var/lib/kubelet/config.d/ \\\n", "")
    assert changes[0]["before"] == "/var/lib/kubelet/config.d/"


def test_remove_value_on_its_own_line():
    text = "[Service]\nExecStart=/usr/bin/foo \\\n    --dir \\\n        /srv/data \\\n    --b=2\n"
    new, dummy = edit_flags(text, absent=["--dir"])
    assert new == "[Service]\nExecStart=/usr/bin/foo \\\n    --b=2\n"


def test_remove_token_from_line_with_several_tokens():
    text = "[Service]\nExecStart=/usr/bin/foo \\\n    --a=1 --b=2 --c=3 \\\n    --d=4\n"
    new, dummy = edit_flags(text, absent=["--a", "--c"])
    assert new == "[Service]\nExecStart=/usr/bin/foo \\\n    --b=2 \\\n    --d=4\n"


def test_remove_from_one_line():
    new, dummy = edit_flags(ONE_LINE, absent=["--a"])
    assert new == "[Service]\nExecStart=/usr/bin/foo --b=2\n"


def test_remove_last_flag_before_comment_does_not_swallow_next_key():
    # without fixing the backslash, systemd would skip the comment and glue
    # "Restart=on-failure" onto the command line
    new, dummy = edit_flags(COMMENTED, absent=["--hostname-override"])
    assert new == COMMENTED.replace(
        "    --config=/var/lib/kube-proxy/kube-proxy-config.yaml \\\n",
        "    --config=/var/lib/kube-proxy/kube-proxy-config.yaml\n").replace(
        "    --hostname-override=worker-0\n", "")
    assert parse_exec_start(new) == [("--config", "/var/lib/kube-proxy/kube-proxy-config.yaml")]
    assert "\nRestart=on-failure\n" in new


def test_remove_absent_flag_is_a_no_op():
    new, changes = edit_flags(KUBELET, absent=["--kubeconfig"])
    assert new is KUBELET or new == KUBELET
    assert changes == []


def test_add_and_remove_together():
    new, dummy = edit_flags(KUBELET, present={"--kubeconfig": "/var/lib/kubelet/kubeconfig"}, absent=["--node-ip"])
    assert new == KUBELET.replace(
        "    --config-dir /var/lib/kubelet/config.d/ \\\n    --node-ip=10.77.0.11\n",
        "    --config-dir /var/lib/kubelet/config.d/ \\\n    --kubeconfig=/var/lib/kubelet/kubeconfig\n")


# ---------------------------------------------------------------------------
# prefixes, drop-ins, line endings
# ---------------------------------------------------------------------------

def test_prefix_is_preserved_on_edit():
    text = "[Service]\nExecStart=-/usr/bin/foo --a=1\n"
    new, dummy = edit_flags(text, present={"--a": "2", "--b": "3"})
    assert new == "[Service]\nExecStart=-/usr/bin/foo --a=2 --b=3\n"


def test_at_prefix_argv0_untouched_on_edit():
    text = "[Service]\nExecStart=@/usr/bin/foo --argv0-name --a=1\n"
    new, changes = edit_flags(text, present={"--argv0-name": "x"})
    assert new == "[Service]\nExecStart=@/usr/bin/foo --argv0-name --a=1 --argv0-name=x\n"
    assert changes[0]["action"] == "added"


def test_drop_in_with_reset_line_edits_real_one():
    text = "[Service]\nExecStart=\nExecStart=/usr/local/bin/kubelet \\\n    --node-ip=10.77.0.11\n"
    new, dummy = edit_flags(text, present={"--node-ip": "10.77.0.12"})
    assert new == "[Service]\nExecStart=\nExecStart=/usr/local/bin/kubelet \\\n    --node-ip=10.77.0.12\n"


def test_crlf_line_endings_are_kept():
    text = "[Service]\r\nExecStart=/usr/bin/foo \\\r\n    --a=1\r\nRestart=always\r\n"
    assert edit_flags(text, present={"--a": "1"})[0] == text
    new, dummy = edit_flags(text, present={"--b": "2"})
    assert new == "[Service]\r\nExecStart=/usr/bin/foo \\\r\n    --a=1 \\\r\n    --b=2\r\nRestart=always\r\n"


def test_even_number_of_backslashes_is_not_a_continuation():
    text = "[Service]\nExecStart=/usr/bin/foo --a=x\\\\\n--b=2\n"
    # "--b=2" is a (broken) line of its own, not part of the command
    assert parse_exec_start(text) == [("--a", "x\\\\")]


# ---------------------------------------------------------------------------
# idempotence
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,present,absent", [
    (APISERVER, {"--kubelet-client-key": "/k.key", "--enable-bootstrap-token-auth": "true"}, None),
    (APISERVER, {"--anonymous-auth": None}, ["--client-ca-file", "--etcd-servers"]),
    (KUBELET, {"--config-dir": "/etc/k.d/", "--rotate-certificates": None}, ["--node-ip"]),
    (COMMENTED, {"--v": "2"}, ["--hostname-override"]),
    (ONE_LINE, {"--b": "20", "--c": None}, ["--a"]),
], ids=["apiserver-add", "apiserver-mixed", "kubelet", "commented", "one-line"])
def test_second_application_is_a_no_op(text, present, absent):
    once, changes = edit_flags(text, present=present, absent=absent)
    assert changes
    assert once != text
    twice, changes_again = edit_flags(once, present=present, absent=absent)
    assert changes_again == []
    assert twice == once
    result = dict(parse_exec_start(once))
    for name, value in (present or {}).items():
        assert result[name] == value
    for name in absent or []:
        assert name not in result


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------

def test_error_no_service_section():
    with pytest.raises(UnitFileError, match=r"no \[Service\] section"):
        parse_exec_start("[Unit]\nDescription=x\nExecStart=/usr/bin/foo --a=1\n")


def test_error_no_exec_start():
    with pytest.raises(UnitFileError, match=r"no non-empty ExecStart="):
        edit_flags("[Service]\nType=simple\n", present={"--a": "1"})


def test_error_only_reset_exec_start():
    with pytest.raises(UnitFileError, match=r"no non-empty ExecStart="):
        parse_exec_start("[Service]\nExecStart=\n")


def test_error_two_exec_starts_names_lines():
    text = "[Service]\nExecStart=/usr/bin/a --x=1\nExecStart=/usr/bin/b --x=2\n"
    with pytest.raises(UnitFileError, match=r"2 non-empty ExecStart=.*lines 2, 3"):
        edit_flags(text, present={"--x": "3"})


def test_error_reset_after_command():
    with pytest.raises(UnitFileError, match=r"line 3 resets the command set on line 2"):
        parse_exec_start("[Service]\nExecStart=/usr/bin/a --x=1\nExecStart=\n")


def test_error_duplicate_flag_names_flag_and_lines():
    text = "[Service]\nExecStart=/usr/bin/foo \\\n    --a=1 \\\n    --b=2 \\\n    --a=3\n"
    with pytest.raises(UnitFileError) as info:
        edit_flags(text, present={"--b": "5"})
    assert "--a appears 2 times" in str(info.value)
    assert "lines 3, 5" in str(info.value)


@pytest.mark.parametrize("name", ["a", "-a", "--", "--a=b", "--a b"])
def test_error_bad_flag_name(name):
    with pytest.raises(UnitFileError, match=r"flag name"):
        edit_flags(ONE_LINE, present={name: "1"})
    with pytest.raises(UnitFileError, match=r"flag name"):
        edit_flags(ONE_LINE, absent=[name])


@pytest.mark.parametrize("value", ["a b", "a\nb", "a\tb", "x\n"])
def test_error_value_with_whitespace_or_newline(value):
    with pytest.raises(UnitFileError, match=r"systemd quoting is out of scope"):
        edit_flags(ONE_LINE, present={"--a": value})


@pytest.mark.parametrize("name", ["--x\n", "--x\r", "--a\x00b", "--a\x7f", "--a\x1b[31m", "--x\n--y"])
def test_error_flag_name_with_control_character_names_the_flag(name):
    # "--x\n" used to pass: "$" in the name pattern matched before the trailing newline
    for request in (dict(present={name: "1"}), dict(absent=[name])):
        with pytest.raises(UnitFileError) as info:
            edit_flags(ONE_LINE, **request)
        assert "flag name %r" % (name,) in str(info.value)
        assert "control character" in str(info.value) or "not a plain --name" in str(info.value)


@pytest.mark.parametrize("value", ["a\x00b", "a\x7f", "\x1b[31m", "a\x08"])
def test_error_value_with_control_character_names_the_flag(value):
    with pytest.raises(UnitFileError) as info:
        edit_flags(ONE_LINE, present={"--node-ip": value})
    assert "value of --node-ip contains a control character" in str(info.value)


def test_flag_value_with_a_newline_is_never_written():
    # the module turns UnitFileError into a failure: no extra line reaches the unit
    for present in ({"--x\n": "1"}, {"--x": "1\nExecStartPre=/bin/evil"}):
        with pytest.raises(UnitFileError):
            edit_flags(ONE_LINE, present=present)


@pytest.mark.parametrize("value", ['"x"', "it's", "a\\b"])
def test_error_value_with_quote_or_backslash(value):
    with pytest.raises(UnitFileError, match=r"out of scope"):
        edit_flags(ONE_LINE, present={"--a": value})


def test_error_non_string_value():
    with pytest.raises(UnitFileError, match=r"must be a string or None"):
        edit_flags(ONE_LINE, present={"--a": True})


def test_error_flag_both_present_and_absent():
    with pytest.raises(UnitFileError, match=r"both present and absent"):
        edit_flags(ONE_LINE, present={"--a": "1"}, absent=["--a"])


def test_error_multiple_commands_with_semicolon():
    with pytest.raises(UnitFileError, match=r"lone ';'"):
        parse_exec_start("[Service]\nExecStart=/usr/bin/a --x=1 ; /usr/bin/b\n")


def test_errors_do_not_depend_on_request():
    # the unit text is validated even when the request would change nothing
    with pytest.raises(UnitFileError):
        edit_flags("[Unit]\nDescription=x\n")


def test_unit_file_error_is_value_error():
    assert issubclass(UnitFileError, ValueError)


def test_normalise_flags():
    from ansible_collections.hardway.nodejoin.plugins.module_utils._systemd_unit import normalise_flags

    assert normalise_flags({"kubeconfig": "/etc/k.conf", "--v": 2, "--x": None, "--on": True, "--off": False,
                            "--ratio": 0.5}) == [
        ("--kubeconfig", "/etc/k.conf"), ("--v", "2"), ("--x", None), ("--on", "true"), ("--off", "false"),
        ("--ratio", "0.5")]
    assert normalise_flags({"--a": "1", "b": "2"}, state="absent") == [("--a", None), ("--b", None)]
    with pytest.raises(UnitFileError, match="flags 'a' and '--a' both mean --a"):
        normalise_flags({"a": "1", "--a": "2"})
    with pytest.raises(UnitFileError, match="value of flag --a must be a string, number, boolean or null, got list"):
        normalise_flags({"--a": ["x"]})
    # what edit_flags refuses is refused here already, so a template can use it too
    for flags, message in (({"-x": "1"}, "must start with '--'"), ({"--x\n": "1"}, "control character"),
                           ({"--a": "1\nExecStartPre=/bin/evil"}, "whitespace or a newline"),
                           ({"--a": "\x00"}, "value of --a contains a control character"),
                           ({"--a": "it's"}, "quote or backslash")):
        with pytest.raises(UnitFileError, match=message):
            normalise_flags(flags)
