# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests for plugins/module_utils/_unit_resolve.py and _systemd_unit.exec_start_assignments
(pure Python: the readers of files and /proc are injected)."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.hardway.nodejoin.tests.unit.helpers import KUBELET_UNIT as KUBELET
from ansible_collections.hardway.nodejoin.plugins.module_utils import _unit_resolve as ur
from ansible_collections.hardway.nodejoin.plugins.module_utils._systemd_unit import exec_start_assignments
from ansible_collections.hardway.nodejoin.plugins.module_utils._unit_resolve import UnitResolveError

FRAGMENT_PATH = "/etc/systemd/system/kubelet.service"
OVERRIDE_PATH = "/etc/systemd/system/kubelet.service.d/override.conf"


# what 'systemctl edit kubelet' leaves to replace the command
OVERRIDE = """\
### Editing /etc/systemd/system/kubelet.service.d/override.conf
[Service]
ExecStart=
ExecStart=/usr/local/bin/kubelet \\
    --config-dir /etc/kubelet.d/ \\
    --kubeconfig=/etc/kubernetes/kubelet.conf
"""

ENV_ONLY = "[Service]\nEnvironment=KUBELET_EXTRA_ARGS=--v=2\n"
RESET_ONLY = "[Service]\nExecStart=\n"


# ---------------------------------------------------------------------------
# exec_start_assignments (_systemd_unit)
# ---------------------------------------------------------------------------

def test_assignments_of_a_fragment_join_continuations():
    assert exec_start_assignments(KUBELET) == [
        ("command", "/usr/local/bin/kubelet      --config-dir /var/lib/kubelet/config.d/      --node-ip=10.77.0.11"),
    ]


def test_assignments_of_an_override_are_reset_then_command():
    found = exec_start_assignments(OVERRIDE)
    assert [kind for kind, _value in found] == ["reset", "command"]
    assert found[0] == ("reset", "")
    assert found[1][1].split() == ["/usr/local/bin/kubelet", "--config-dir", "/etc/kubelet.d/",
                                   "--kubeconfig=/etc/kubernetes/kubelet.conf"]


def test_assignments_several_reset_command_pairs_in_order():
    text = "[Service]\nExecStart=\nExecStart=/bin/a --x=1\nExecStart=\nExecStart=/bin/b --y=2\n"
    assert exec_start_assignments(text) == [
        ("reset", ""), ("command", "/bin/a --x=1"), ("reset", ""), ("command", "/bin/b --y=2"),
    ]


def test_assignments_skip_comments_inside_continuations():
    text = ("[Service]\n"
            "ExecStart=/bin/a \\\n"
            "# --commented=out \\\n"
            "    ; --also=out \\\n"
            "    --kept=1\n"
            "Restart=always\n")
    found = exec_start_assignments(text)
    assert len(found) == 1
    assert found[0][0] == "command"
    assert found[0][1].split() == ["/bin/a", "--kept=1"]
    assert "commented" not in found[0][1] and "also" not in found[0][1]


def test_assignments_without_a_service_section_are_empty():
    assert exec_start_assignments("[Unit]\nDescription=x\nExecStart=/bin/a --x=1\n") == []


def test_assignments_only_in_service_sections():
    text = "[X-Other]\nExecStart=/bin/other\n[Service]\nExecStart = /bin/a --x=1\n[Install]\nExecStart=/bin/b\n"
    assert exec_start_assignments(text) == [("command", "/bin/a --x=1")]


def test_assignments_of_a_drop_in_without_exec_start():
    assert exec_start_assignments(ENV_ONLY) == []


def test_assignments_blank_reset_with_crlf():
    assert exec_start_assignments("[Service]\r\nExecStart=  \r\nExecStart=/bin/a\r\n") == [
        ("reset", ""), ("command", "/bin/a"),
    ]


# ---------------------------------------------------------------------------
# parse_show / unit_files
# ---------------------------------------------------------------------------

def test_parse_show_key_values():
    text = ("LoadState=loaded\nActiveState=active\nMainPID=4242\n"
            "FragmentPath=%s\nDropInPaths=/run/a.conf /usr/lib/b.conf\n" % FRAGMENT_PATH)
    assert ur.parse_show(text) == {
        "LoadState": "loaded", "ActiveState": "active", "MainPID": "4242",
        "FragmentPath": FRAGMENT_PATH, "DropInPaths": "/run/a.conf /usr/lib/b.conf",
    }


def test_parse_show_value_keeps_later_equals_and_ignores_lines_without_one():
    assert ur.parse_show("Environment=A=1 B=2\nnot a property\n\n") == {"Environment": "A=1 B=2"}


@pytest.mark.parametrize("text", ["", None])
def test_parse_show_empty(text):
    assert ur.parse_show(text) == {}


def test_unit_files_fragment_then_drop_ins_in_given_order():
    show = {"FragmentPath": FRAGMENT_PATH,
            "DropInPaths": "/run/systemd/system/kubelet.service.d/10-a.conf "
                           "/usr/lib/systemd/system/kubelet.service.d/20-b.conf"}
    assert ur.unit_files(show) == [FRAGMENT_PATH,
                                   "/run/systemd/system/kubelet.service.d/10-a.conf",
                                   "/usr/lib/systemd/system/kubelet.service.d/20-b.conf"]


def test_unit_files_without_fragment_or_drop_ins():
    assert ur.unit_files({"FragmentPath": "", "DropInPaths": "/etc/x.conf"}) == ["/etc/x.conf"]
    assert ur.unit_files({"FragmentPath": FRAGMENT_PATH, "DropInPaths": ""}) == [FRAGMENT_PATH]
    assert ur.unit_files({}) == []


# ---------------------------------------------------------------------------
# effective_exec_start
# ---------------------------------------------------------------------------

def test_effective_fragment_only():
    path, command = ur.effective_exec_start([(FRAGMENT_PATH, KUBELET)])
    assert path == FRAGMENT_PATH
    assert command.split() == ["/usr/local/bin/kubelet", "--config-dir", "/var/lib/kubelet/config.d/",
                               "--node-ip=10.77.0.11"]


def test_effective_systemctl_edit_override_wins():
    path, command = ur.effective_exec_start([(FRAGMENT_PATH, KUBELET), (OVERRIDE_PATH, OVERRIDE)])
    assert path == OVERRIDE_PATH
    assert "--kubeconfig=/etc/kubernetes/kubelet.conf" in command.split()
    assert "--node-ip=10.77.0.11" not in command


def test_effective_drop_in_that_only_resets_is_an_error():
    with pytest.raises(UnitResolveError) as info:
        ur.effective_exec_start([(FRAGMENT_PATH, KUBELET), ("/etc/x.conf", RESET_ONLY)])
    message = str(info.value)
    assert "none of %s, /etc/x.conf sets an ExecStart= that is in effect" % FRAGMENT_PATH in message
    assert "systemctl cat" in message


def test_effective_two_commands_in_one_file_is_an_error():
    text = "[Service]\nExecStart=/bin/a --x=1\nExecStart=/bin/b --x=2\n"
    with pytest.raises(UnitResolveError, match=r"^/etc/two\.conf sets ExecStart= more than once"):
        ur.effective_exec_start([("/etc/two.conf", text)])


def test_effective_two_commands_in_one_drop_in_after_a_reset_is_an_error():
    text = "[Service]\nExecStart=\nExecStart=/bin/a\nExecStart=/bin/b\n"
    with pytest.raises(UnitResolveError, match=r"/run/d\.conf sets ExecStart= more than once"):
        ur.effective_exec_start([(FRAGMENT_PATH, KUBELET), ("/run/d.conf", text)])


def test_effective_no_file_sets_a_command():
    with pytest.raises(UnitResolveError, match=r"none of /etc/a\.conf sets"):
        ur.effective_exec_start([("/etc/a.conf", ENV_ONLY)])
    with pytest.raises(UnitResolveError, match=r"sets an ExecStart= that is in effect"):
        ur.effective_exec_start([])


def test_effective_drop_ins_apply_in_the_order_given():
    run = ("/run/systemd/system/kubelet.service.d/10-run.conf", "[Service]\nExecStart=\nExecStart=/bin/run-cmd\n")
    usr = ("/usr/lib/systemd/system/kubelet.service.d/20-usr.conf",
           "[Service]\nExecStart=\nExecStart=/bin/usr-cmd\n")
    assert ur.effective_exec_start([(FRAGMENT_PATH, KUBELET), run, usr]) == (usr[0], "/bin/usr-cmd")
    assert ur.effective_exec_start([(FRAGMENT_PATH, KUBELET), usr, run]) == (run[0], "/bin/run-cmd")


def test_effective_drop_in_without_exec_start_keeps_the_fragment():
    path, command = ur.effective_exec_start([(FRAGMENT_PATH, KUBELET), ("/etc/env.conf", ENV_ONLY)])
    assert path == FRAGMENT_PATH
    assert command.startswith("/usr/local/bin/kubelet ")


def test_effective_reset_after_override_then_new_command_in_later_drop_in():
    later = ("/etc/99.conf", "[Service]\nExecStart=\nExecStart=/bin/last --z\n")
    files = [(FRAGMENT_PATH, KUBELET), (OVERRIDE_PATH, OVERRIDE), ("/etc/50.conf", RESET_ONLY), later]
    assert ur.effective_exec_start(files) == ("/etc/99.conf", "/bin/last --z")


# ---------------------------------------------------------------------------
# env_references
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("command,names", [
    ("/usr/local/bin/kubelet $KUBELET_ARGS", ["KUBELET_ARGS"]),
    ("/usr/local/bin/kubelet ${KUBELET_ARGS} --v=2", ["KUBELET_ARGS"]),
    ("/bin/k $A ${B} $A ${_C1}", ["A", "B", "_C1"]),
    ("/usr/local/bin/kubelet --node-ip=10.0.0.1", []),
    ("", []),
    (None, []),
], ids=["dollar", "braces", "several-no-repeats", "none", "empty", "None"])
def test_env_references(command, names):
    assert ur.env_references(command) == names


# ---------------------------------------------------------------------------
# parse_cmdline / argv_flags
# ---------------------------------------------------------------------------

def test_parse_cmdline_bytes_with_trailing_nul():
    raw = b"/usr/local/bin/kubelet\0--config-dir\0/var/lib/kubelet/config.d/\0--node-ip=10.0.0.1\0"
    assert ur.parse_cmdline(raw) == ["/usr/local/bin/kubelet", "--config-dir", "/var/lib/kubelet/config.d/",
                                     "--node-ip=10.0.0.1"]


def test_parse_cmdline_without_trailing_nul_and_with_empty_argument():
    assert ur.parse_cmdline(b"/bin/a\0\0--b") == ["/bin/a", "", "--b"]


def test_parse_cmdline_text_and_invalid_utf8():
    assert ur.parse_cmdline("/bin/a\0--x=1\0") == ["/bin/a", "--x=1"]
    assert ur.parse_cmdline(b"/bin/a\0--x=\xff\0") == ["/bin/a", u"--x=\ufffd"]


def test_parse_cmdline_empty():
    assert ur.parse_cmdline(b"") == []


def test_argv_flags_forms():
    argv = ["/usr/local/bin/kubelet", "--a=b", "--c", "d", "--bare", "--e=", "--f=x=y", "--g", "--h", "-v", "2"]
    assert ur.argv_flags(argv) == {"--a": "b", "--c": "d", "--bare": None, "--e": "", "--f": "x=y",
                                   "--g": None, "--h": None}


def test_argv_flags_executable_is_never_a_flag():
    assert ur.argv_flags(["--looks-like-a-flag", "--x=1"]) == {"--x": "1"}
    assert ur.argv_flags([]) == {}


def test_argv_flags_last_occurrence_wins():
    assert ur.argv_flags(["/bin/k", "--v=2", "--node-ip", "10.0.0.1", "--v=4", "--node-ip=10.0.0.2"]) == {
        "--v": "4", "--node-ip": "10.0.0.2"}


def test_argv_flags_single_dash_options_are_ignored():
    assert ur.argv_flags(["/bin/k", "-v", "4", "-x=1", "--y", "-z"]) == {"--y": None}


def test_argv_flags_value_starting_with_a_dash_makes_a_bare_flag():
    assert ur.argv_flags(["/bin/k", "--a", "-1"]) == {"--a": None}


def test_argv_flags_stop_at_double_dash():
    # pflag: "--" ends the flags; what follows are arguments, not flags
    assert ur.argv_flags(["/bin/k", "--a=1", "--", "--b=2", "--a=3"]) == {"--a": "1"}


# ---------------------------------------------------------------------------
# missing_flags / describe_missing
# ---------------------------------------------------------------------------

ARGV = ["/usr/local/bin/kubelet", "--config-dir", "/etc/kubelet.d/", "--rotate-certificates",
        "--node-ip=10.0.0.1"]


def test_missing_flags_none_missing():
    wanted = {"--config-dir": "/etc/kubelet.d/", "--node-ip": "10.0.0.1", "--rotate-certificates": None}
    assert ur.missing_flags(ARGV, wanted) == []


def test_missing_flags_absent_and_other_value():
    wanted = {"--kubeconfig": "/etc/kubernetes/kubelet.conf", "--node-ip": "10.0.0.2"}
    assert ur.missing_flags(ARGV, wanted) == [
        {"flag": "--kubeconfig", "wanted": "/etc/kubernetes/kubelet.conf", "running": False},
        {"flag": "--node-ip", "wanted": "10.0.0.2", "running": "10.0.0.1"},
    ]


@pytest.mark.parametrize("wanted", ["true", "True", "TRUE"])
def test_missing_flags_bare_flag_means_true(wanted):
    assert ur.missing_flags(ARGV, {"--rotate-certificates": wanted}) == []


def test_missing_flags_bare_flag_is_not_false_nor_a_value():
    assert ur.missing_flags(ARGV, {"--rotate-certificates": "false"}) == [
        {"flag": "--rotate-certificates", "wanted": "false", "running": None}]
    assert ur.missing_flags(ARGV, {"--rotate-certificates": "x"}) == [
        {"flag": "--rotate-certificates", "wanted": "x", "running": None}]


def test_missing_flags_wanted_bare_but_running_with_a_value():
    assert ur.missing_flags(ARGV, {"--node-ip": None}) == [
        {"flag": "--node-ip", "wanted": None, "running": "10.0.0.1"}]


def test_missing_flags_of_a_process_that_is_gone():
    assert ur.missing_flags([], {"--a": "1"}) == [{"flag": "--a", "wanted": "1", "running": False}]


def test_describe_missing():
    problems = [{"flag": "--kubeconfig", "wanted": "/k.conf", "running": False},
                {"flag": "--node-ip", "wanted": "10.0.0.2", "running": "10.0.0.1"},
                {"flag": "--bare", "wanted": "x", "running": None}]
    assert ur.describe_missing("kubelet", problems, OVERRIDE_PATH) == (
        "the running kubelet does not have the requested flags (--kubeconfig is missing; "
        "--node-ip is '10.0.0.1', not '10.0.0.2'; --bare is None, not 'x'); systemd starts it from "
        "%s: check that file and its drop-ins ('systemctl cat kubelet')" % OVERRIDE_PATH)


def test_describe_missing_unknown_file():
    message = ur.describe_missing("kube-proxy", [{"flag": "--a", "wanted": "1", "running": False}], None)
    assert "systemd starts it from an unknown file" in message
    assert "(--a is missing)" in message


# ---------------------------------------------------------------------------
# inspect
# ---------------------------------------------------------------------------

def _show(**props):
    values = dict(LoadState="loaded", ActiveState="active", MainPID="4242", FragmentPath=FRAGMENT_PATH,
                  DropInPaths="")
    values.update(props)
    return "".join("%s=%s\n" % (k, values[k]) for k in ur.SHOW_PROPERTIES)


class Readers(object):
    """Injected readers that record what they were asked."""

    def __init__(self, files, cmdlines=None):
        self.files = files
        self.cmdlines = cmdlines or {}
        self.read = []
        self.pids = []

    def read_file(self, path):
        self.read.append(path)
        if path not in self.files:
            raise IOError(13, "Permission denied", path)
        return self.files[path]

    def read_cmdline(self, pid):
        self.pids.append(pid)
        return self.cmdlines.get(pid, [])


def test_inspect_loaded_unit_with_drop_in():
    readers = Readers({FRAGMENT_PATH: KUBELET, OVERRIDE_PATH: OVERRIDE},
                      {4242: ["/usr/local/bin/kubelet", "--config-dir", "/etc/kubelet.d/", "--v=2"]})
    info = ur.inspect("kubelet.service", _show(DropInPaths=OVERRIDE_PATH), readers.read_file, readers.read_cmdline)
    assert info == dict(
        load_state="loaded", active_state="active", main_pid=4242, fragment_path=FRAGMENT_PATH,
        drop_in_paths=[OVERRIDE_PATH],
        running_argv=["/usr/local/bin/kubelet", "--config-dir", "/etc/kubelet.d/", "--v=2"],
        running_flags={"--config-dir": "/etc/kubelet.d/", "--v": "2"},
        exec_start_path=OVERRIDE_PATH,
        exec_start_flags={"--config-dir": "/etc/kubelet.d/", "--kubeconfig": "/etc/kubernetes/kubelet.conf"},
        env_references=[], editable=True)
    assert readers.read == [FRAGMENT_PATH, OVERRIDE_PATH]
    assert readers.pids == [4242]


def test_inspect_command_with_env_reference_is_not_editable():
    drop_in = "[Service]\nEnvironment=KUBELET_ARGS=--v=2\nExecStart=\nExecStart=/usr/local/bin/kubelet $KUBELET_ARGS\n"
    readers = Readers({FRAGMENT_PATH: KUBELET, "/etc/10-env.conf": drop_in})
    info = ur.inspect("kubelet.service", _show(DropInPaths="/etc/10-env.conf", MainPID="0"),
                      readers.read_file, readers.read_cmdline)
    assert info["exec_start_path"] == "/etc/10-env.conf"
    assert info["env_references"] == ["KUBELET_ARGS"]
    assert info["editable"] is False
    assert info["exec_start_flags"] == {}


def test_inspect_not_found_unit_reads_nothing():
    readers = Readers({})
    show = "LoadState=not-found\nActiveState=inactive\nMainPID=0\nFragmentPath=\nDropInPaths=\n"
    info = ur.inspect("nope.service", show, readers.read_file, readers.read_cmdline)
    assert info == dict(load_state="not-found", active_state="inactive", main_pid=0, fragment_path="",
                        drop_in_paths=[], running_argv=[], running_flags={})
    assert readers.read == [] and readers.pids == []


def test_inspect_unreadable_file_is_an_error_naming_it():
    readers = Readers({FRAGMENT_PATH: KUBELET})
    with pytest.raises(UnitResolveError) as info:
        ur.inspect("kubelet.service", _show(DropInPaths="/etc/secret.conf"), readers.read_file, readers.read_cmdline)
    assert str(info.value).startswith("cannot read /etc/secret.conf, a file of kubelet.service: ")
    assert "Permission denied" in str(info.value)


def test_inspect_process_not_running():
    readers = Readers({FRAGMENT_PATH: KUBELET})
    info = ur.inspect("kubelet.service", _show(ActiveState="failed", MainPID="0"),
                      readers.read_file, readers.read_cmdline)
    assert info["main_pid"] == 0
    assert info["running_argv"] == [] and info["running_flags"] == {}
    assert readers.pids == []
    assert info["exec_start_path"] == FRAGMENT_PATH
    assert info["exec_start_flags"] == {"--config-dir": "/var/lib/kubelet/config.d/", "--node-ip": "10.77.0.11"}
    assert info["editable"] is True


def test_inspect_process_gone_between_show_and_read():
    readers = Readers({FRAGMENT_PATH: KUBELET})
    info = ur.inspect("kubelet.service", _show(MainPID="77"), readers.read_file, readers.read_cmdline)
    assert readers.pids == [77]
    assert info["main_pid"] == 77 and info["running_argv"] == [] and info["running_flags"] == {}


def test_inspect_garbage_main_pid_counts_as_not_running():
    readers = Readers({FRAGMENT_PATH: KUBELET})
    info = ur.inspect("kubelet.service", _show(MainPID="n/a"), readers.read_file, readers.read_cmdline)
    assert info["main_pid"] == 0 and readers.pids == []


def test_inspect_drop_in_that_only_resets_is_an_error():
    readers = Readers({FRAGMENT_PATH: KUBELET, "/etc/reset.conf": RESET_ONLY})
    with pytest.raises(UnitResolveError, match=r"sets an ExecStart= that is in effect"):
        ur.inspect("kubelet.service", _show(DropInPaths="/etc/reset.conf"), readers.read_file, readers.read_cmdline)


def test_inspect_unparsable_command_file_names_unit_and_path():
    # two flags of the same name: exec_start_assignments accepts it, parse_exec_start does not
    text = "[Service]\nExecStart=/usr/local/bin/kubelet --v=2 --v=4\n"
    readers = Readers({FRAGMENT_PATH: text})
    with pytest.raises(UnitResolveError) as info:
        ur.inspect("kubelet.service", _show(), readers.read_file, readers.read_cmdline)
    assert str(info.value).startswith("kubelet.service (%s): flag --v appears 2 times" % FRAGMENT_PATH)


def test_unit_resolve_error_is_value_error():
    assert issubclass(UnitResolveError, ValueError)


def test_show_properties_are_what_inspect_reads():
    assert ur.SHOW_PROPERTIES == ("LoadState", "ActiveState", "MainPID", "FragmentPath", "DropInPaths")


def test_process_start_time():
    # proc(5): starttime is field 22, counted after the command name, which may hold ") "
    stat = "4242 (kube let) x) S 1 4242 4242 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 12 0 12345 100 2 0"
    assert ur.process_start_time(stat, "cpu 1 2 3\nbtime 1795960000\nprocesses 9\n", 100) \
        == "2026-11-29T13:48:43.450000Z"
    assert ur.process_start_time(stat, "cpu 1 2 3\n", 100) is None
    assert ur.process_start_time("4242 (kubelet) S 1", "btime 1795960000\n", 100) is None
    assert ur.process_start_time("", "", 100) is None
    assert ur.main_started(999999999) is None


def test_unusable_names_what_to_fix():
    loaded = dict(load_state="loaded", editable=True, exec_start_path="/etc/systemd/system/x.service",
                  env_references=[])
    assert ur.unusable("x.service", loaded) is None
    assert "is not loaded (LoadState=not-found)" in ur.unusable("x.service", dict(loaded, load_state="not-found"))
    from_vars = dict(loaded, editable=False, env_references=["KUBE_ARGS"])
    assert ur.unusable("x.service", from_vars) is None, "editable only matters when required"
    message = ur.unusable("x.service", from_vars, require_editable=True)
    assert "$KUBE_ARGS" in message and "Put the flags on the ExecStart= line" in message


def test_running_missing_is_every_flag_when_not_running():
    wanted = {"--a": "1", "--b": None}
    assert ur.running_missing(0, [], wanted) == [dict(flag="--a", wanted="1", running=False),
                                                 dict(flag="--b", wanted=None, running=False)]
    assert ur.running_missing(42, ["/bin/x", "--a=1", "--b"], wanted) == []
    assert ur.running_missing(42, ["/bin/x", "--a=2"], wanted) == [
        dict(flag="--a", wanted="1", running="2"), dict(flag="--b", wanted=None, running=False)]
