# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run hardway.nodejoin.systemd_unit_flags in process, the way ansible-core's own unit tests do."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible.module_utils import basic

from ansible_collections.hardway.nodejoin.plugins.modules import systemd_unit_flags
from ansible_collections.hardway.nodejoin.tests.unit.helpers import APISERVER_UNIT as APISERVER


EXPECTED = APISERVER.replace(
    "    --client-ca-file=/etc/kubernetes/pki/ca.crt\n",
    "    --client-ca-file=/etc/kubernetes/pki/ca.crt \\\n"
    "    --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt \\\n"
    "    --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key \\\n"
    "    --enable-bootstrap-token-auth=true\n")

FLAGS = {
    "kubelet-client-certificate": "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
    "--kubelet-client-key": "/etc/kubernetes/pki/apiserver-kubelet-client.key",
    "enable-bootstrap-token-auth": True,  # YAML boolean -> "true"
}


def run_module(monkeypatch, capsys, args, check_mode=False, diff=False):
    """Call main() with the given module args; return (exit code, result dict)."""
    module_args = dict(args)
    module_args["_ansible_check_mode"] = check_mode
    module_args["_ansible_diff"] = diff
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": module_args}).encode("utf-8")
    monkeypatch.setattr(basic, "_ANSIBLE_ARGS", payload)
    monkeypatch.setattr(basic, "_ANSIBLE_PROFILE", "legacy", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        systemd_unit_flags.main()
    out = capsys.readouterr().out
    return exit_info.value.code, json.loads(out)


@pytest.fixture
def unit(tmp_path):
    path = tmp_path / "kube-apiserver.service"
    path.write_text(APISERVER)
    os.chmod(str(path), 0o640)
    return path


def test_change_with_backup_and_diff(monkeypatch, capsys, unit):
    code, result = run_module(monkeypatch, capsys, {"path": str(unit), "flags": FLAGS, "backup": True}, diff=True)
    assert code == 0, result
    assert result["changed"] is True
    assert unit.read_text() == EXPECTED
    # atomic_move keeps the mode of the file it replaces
    assert stat.S_IMODE(os.stat(str(unit)).st_mode) == 0o640

    backup = result["backup_file"]
    assert os.path.dirname(backup) == str(unit.parent)
    with open(backup) as handle:
        assert handle.read() == APISERVER
    # no temporary file left behind
    assert sorted(p.name for p in unit.parent.iterdir()) == sorted([unit.name, os.path.basename(backup)])

    assert result["diff"] == {
        "before": APISERVER,
        "after": EXPECTED,
        "before_header": "%s (content)" % unit,
        "after_header": "%s (content)" % unit,
    }
    assert result["flags_changed"] == [
        {"flag": "--kubelet-client-certificate", "before": False,
         "after": "/etc/kubernetes/pki/apiserver-kubelet-client.crt", "action": "added"},
        {"flag": "--kubelet-client-key", "before": False,
         "after": "/etc/kubernetes/pki/apiserver-kubelet-client.key", "action": "added"},
        {"flag": "--enable-bootstrap-token-auth", "before": False, "after": "true", "action": "added"},
    ]
    assert result["exec_start_flags"]["--enable-bootstrap-token-auth"] == "true"
    assert result["exec_start_flags"]["--etcd-servers"] == "https://127.0.0.1:2379"
    assert len(result["exec_start_flags"]) == 11


def test_check_mode_predicts_and_writes_nothing(monkeypatch, capsys, unit):
    before_stat = os.stat(str(unit))
    code, result = run_module(monkeypatch, capsys, {"path": str(unit), "flags": FLAGS, "backup": True},
                              check_mode=True, diff=True)
    assert code == 0, result
    assert result["changed"] is True
    assert result["diff"]["after"] == EXPECTED
    assert len(result["flags_changed"]) == 3
    assert "backup_file" not in result
    assert unit.read_text() == APISERVER
    assert os.stat(str(unit)).st_mtime_ns == before_stat.st_mtime_ns
    assert [p.name for p in unit.parent.iterdir()] == [unit.name]


def test_second_run_is_unchanged(monkeypatch, capsys, unit):
    code, first = run_module(monkeypatch, capsys, {"path": str(unit), "flags": FLAGS})
    assert code == 0 and first["changed"] is True
    mtime = os.stat(str(unit)).st_mtime_ns
    code, second = run_module(monkeypatch, capsys, {"path": str(unit), "flags": FLAGS, "backup": True})
    assert code == 0, second
    assert second["changed"] is False
    assert second["flags_changed"] == []
    assert "backup_file" not in second
    assert unit.read_text() == EXPECTED
    assert os.stat(str(unit)).st_mtime_ns == mtime


def test_state_absent_removes_flags(monkeypatch, capsys, unit):
    code, result = run_module(monkeypatch, capsys, {
        "path": str(unit), "state": "absent",
        "flags": {"client-ca-file": None, "--anonymous-auth": "ignored", "not-there": None},
    })
    assert code == 0, result
    assert result["changed"] is True
    assert unit.read_text() == APISERVER.replace("    --anonymous-auth=false \\\n", "").replace(
        "    --tls-cert-file=/etc/kubernetes/pki/apiserver.crt \\\n"
        "    --client-ca-file=/etc/kubernetes/pki/ca.crt\n",
        "    --tls-cert-file=/etc/kubernetes/pki/apiserver.crt\n")
    assert [(c["flag"], c["action"]) for c in result["flags_changed"]] == [
        ("--client-ca-file", "removed"), ("--anonymous-auth", "removed")]
    assert "--client-ca-file" not in result["exec_start_flags"]


def test_bare_flag_and_in_place_change(monkeypatch, capsys, unit):
    code, result = run_module(monkeypatch, capsys, {
        "path": str(unit), "flags": {"anonymous-auth": None, "authorization-mode": "Node,RBAC,ABAC"}})
    assert code == 0, result
    text = unit.read_text()
    assert "    --anonymous-auth \\\n" in text
    assert "    --authorization-mode=Node,RBAC,ABAC \\\n" in text
    assert result["exec_start_flags"]["--anonymous-auth"] is None


def test_missing_file_fails(monkeypatch, capsys, tmp_path):
    missing = tmp_path / "nope.service"
    code, result = run_module(monkeypatch, capsys, {"path": str(missing), "flags": FLAGS})
    assert code == 1
    assert result["failed"] is True
    assert "does not exist" in result["msg"]
    assert str(missing) in result["msg"]
    assert not missing.exists()


def test_unit_file_error_is_reported_with_path(monkeypatch, capsys, tmp_path):
    path = tmp_path / "bad.service"
    path.write_text("[Unit]\nDescription=no service section\n")
    code, result = run_module(monkeypatch, capsys, {"path": str(path), "flags": FLAGS})
    assert code == 1
    assert result["msg"].startswith("%s: no [Service] section" % path)


def test_value_with_space_is_refused(monkeypatch, capsys, unit):
    code, result = run_module(monkeypatch, capsys, {"path": str(unit), "flags": {"v": "a b"}})
    assert code == 1
    assert "systemd quoting is out of scope" in result["msg"]
    assert unit.read_text() == APISERVER


def test_same_flag_twice_in_request_fails(monkeypatch, capsys, unit):
    code, result = run_module(monkeypatch, capsys, {"path": str(unit), "flags": {"v": "1", "--v": "2"}})
    assert code == 1
    assert "give each flag once" in result["msg"]


def test_file_mode_change_only(monkeypatch, capsys, unit):
    code, result = run_module(monkeypatch, capsys, {"path": str(unit), "flags": {}, "mode": "0644"})
    assert code == 0, result
    assert result["changed"] is True
    assert result["flags_changed"] == []
    assert stat.S_IMODE(os.stat(str(unit)).st_mode) == 0o644
    assert unit.read_text() == APISERVER
