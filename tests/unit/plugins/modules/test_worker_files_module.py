# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-process tests of the worker_files module on a temporary folder: modes from creation,
copies before writes, idempotence, check mode, diff, the token never in the result, and the
snapshot in a failure's result."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import stat

import yaml

from ansible_collections.hardway.nodejoin.plugins.modules import worker_files as worker_files_module
from ansible_collections.hardway.nodejoin.tests.unit.helpers import run_module

SERVER = "https://10.0.0.10:6443"
TOKEN = "abcdef.0123456789abcdef"
CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def run(args, monkeypatch, capsys, check_mode=False, diff=False):
    return run_module(worker_files_module.main, args, monkeypatch, capsys, check_mode=check_mode, diff=diff)


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


def args_for(tmp_path, **extra):
    args = dict(
        files=[dict(path=str(tmp_path / "pki" / "ca.crt"), content=CA_PEM, mode="0644"),
               dict(path=str(tmp_path / "cni" / "net.d" / "99-loopback.conf"), content="{}\n", mode="0644", dir_mode="0750")],
        bootstrap_kubeconfig=dict(path=str(tmp_path / "bootstrap-kubelet.conf"), server=SERVER, ca_cert=CA_PEM, token=TOKEN),
        snapshot=[str(tmp_path / "kubelet.service")],
        backup_dir=str(tmp_path / "backup"),
    )
    args.update(extra)
    return args


def test_writes_copies_and_is_idempotent(tmp_path, monkeypatch, capsys):
    unit = tmp_path / "kubelet.service"
    unit.write_text("[Service]\n")
    os.chmod(str(unit), 0o640)
    result = run(args_for(tmp_path), monkeypatch, capsys, diff=True)
    assert result["changed"] is True, result
    boot = tmp_path / "bootstrap-kubelet.conf"
    assert mode_of(boot) == 0o600
    assert yaml.safe_load(boot.read_text())["users"][0]["user"]["token"] == TOKEN
    assert (tmp_path / "pki" / "ca.crt").read_text() == CA_PEM and mode_of(tmp_path / "pki" / "ca.crt") == 0o644
    assert mode_of(tmp_path / "pki") == 0o755 and mode_of(tmp_path / "cni") == 0o750
    assert mode_of(tmp_path / "backup") == 0o700
    copy = tmp_path / "backup" / str(unit).replace("/", "%")
    assert copy.read_text() == "[Service]\n" and mode_of(copy) == 0o640
    assert result["backups"] == [str(copy)]
    exists = dict((r["item"], r["stat"]["exists"]) for r in result["snapshot"]["results"])
    assert exists == {str(unit): True, str(tmp_path / "pki" / "ca.crt"): False,
                      str(tmp_path / "cni" / "net.d" / "99-loopback.conf"): False, str(boot): False}
    assert result["files"][str(boot)] == dict(changed=True, created=True, mode="0600")
    assert TOKEN not in json.dumps(result) and "0123456789abcdef" not in json.dumps(result)
    boot_diff = [d for d in result["diff"] if d["after_header"] == str(boot)][0]
    assert "hidden" in boot_diff["after"]

    again = run(args_for(tmp_path), monkeypatch, capsys, diff=True)
    assert again["changed"] is False and again["diff"] == [], again
    assert not any(f["changed"] for f in again["files"].values())
    assert again["written"] == []


def test_check_mode_writes_nothing(tmp_path, monkeypatch, capsys):
    result = run(args_for(tmp_path), monkeypatch, capsys, check_mode=True, diff=True)
    assert result["changed"] is True and len(result["diff"]) == 3
    assert sorted(os.listdir(str(tmp_path))) == []


def test_mode_only_change_is_set(tmp_path, monkeypatch, capsys):
    run(args_for(tmp_path), monkeypatch, capsys)
    ca = tmp_path / "pki" / "ca.crt"
    os.chmod(str(ca), 0o666)
    result = run(args_for(tmp_path), monkeypatch, capsys)
    assert result["files"][str(ca)]["changed"] is True and mode_of(ca) == 0o644
    assert result["written"] == [str(ca)]


def test_a_failure_after_the_snapshot_returns_it(tmp_path, monkeypatch, capsys):
    (tmp_path / "pki").mkdir()
    (tmp_path / "cni").write_text("a file where a folder belongs\n")
    result = run(args_for(tmp_path), monkeypatch, capsys)
    assert result["failed"] is True
    assert "nothing was written" in result["msg"] and "then run again" in result["msg"]
    assert [r["stat"]["exists"] for r in result["snapshot"]["results"]] == [False, False, False, False]
    assert not (tmp_path / "pki" / "ca.crt").exists()


def test_bad_server_fails_without_the_token(tmp_path, monkeypatch, capsys):
    args = args_for(tmp_path)
    args["bootstrap_kubeconfig"]["server"] = "http://10.0.0.10:6443"
    result = run(args, monkeypatch, capsys)
    assert result["failed"] is True and "https://" in result["msg"]
    assert TOKEN not in json.dumps(result)


def test_finish_removes_the_bootstrap_kubeconfig_and_keeps_the_first_record(tmp_path, monkeypatch, capsys):
    run(args_for(tmp_path), monkeypatch, capsys)
    boot, backup, record = tmp_path / "bootstrap-kubelet.conf", tmp_path / "backup", tmp_path / "pre-join"
    finish = dict(absent=[str(boot)], finish_backup=dict(dir=str(backup), keep_as=str(record), record='{"a": 1}\n'))
    checked = run(finish, monkeypatch, capsys, check_mode=True)
    assert checked["changed"] is True and boot.exists() and backup.exists()
    result = run(finish, monkeypatch, capsys)
    assert result["changed"] is True and result["removed"] == [str(boot)] and result["kept_as"] == str(record)
    assert not boot.exists() and not backup.exists()
    assert (record / "record.json").read_text() == '{"a": 1}\n' and mode_of(record / "record.json") == 0o600
    assert mode_of(record) == 0o700
    # a later join: its copies go, the first record stays
    backup.mkdir()
    (backup / "copy").write_text("x")
    again = run(dict(finish, finish_backup=dict(finish["finish_backup"], record='{"b": 2}\n')), monkeypatch, capsys)
    assert again["changed"] is True and again["kept_as"] is None and again["removed"] == []
    assert not backup.exists() and (record / "record.json").read_text() == '{"a": 1}\n'
    assert run(finish, monkeypatch, capsys)["changed"] is False
