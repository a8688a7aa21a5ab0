# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_worker_files.py: the snapshot, copies, folders, writes and diffs."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import pytest

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kubeconfig as kc
from ansible_collections.hardway.nodejoin.plugins.module_utils import _worker_files as wf

CA = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
TOKEN = "abcdef.0123456789abcdef"
BOOT = kc.dumps(kc.build("https://10.0.0.10:6443", ca_pem=CA, token=TOKEN)).encode()


def absent():
    return dict(exists=False, regular=False, content=None, mode=None)


def present(content=None, mode=0o644, regular=True):
    return dict(exists=True, regular=regular, content=content, mode=mode)


def files(*entries):
    return wf.normalise_files([dict(e) for e in entries])


CA_FILE = dict(path="/etc/kubernetes/pki/ca.crt", content=CA, mode="0644")
BOOT_FILE = dict(path="/etc/kubernetes/bootstrap-kubelet.conf", content=BOOT, mode="0600", secret=True, kind="kubeconfig")
UNIT = "/etc/systemd/system/kubelet.service"


def test_backup_name_is_the_path_with_percent():
    assert wf.backup_name("/etc/kubernetes/pki/ca.crt") == "%etc%kubernetes%pki%ca.crt"


def test_parents_outermost_first():
    assert wf.parents("/etc/cni/net.d/99-loopback.conf") == ["/etc", "/etc/cni", "/etc/cni/net.d"]


def test_fresh_worker_writes_all_makes_folders_and_snapshots_in_the_stat_loop_shape():
    fs = files(CA_FILE, BOOT_FILE)
    state = {CA_FILE["path"]: absent(), BOOT_FILE["path"]: absent(), UNIT: present()}
    out = wf.plan(fs, [CA_FILE["path"], BOOT_FILE["path"], UNIT], state, {"/etc", "/etc/kubernetes"},
                  backup_dir="/var/lib/hardway-nodejoin/backup")
    assert out["snapshot"] == {"results": [
        {"item": CA_FILE["path"], "stat": {"exists": False, "path": CA_FILE["path"]}},
        {"item": BOOT_FILE["path"], "stat": {"exists": False, "path": BOOT_FILE["path"]}},
        {"item": UNIT, "stat": {"exists": True, "path": UNIT}},
    ]}
    assert out["backups"] == [(UNIT, "/var/lib/hardway-nodejoin/backup/%etc%systemd%system%kubelet.service")]
    assert out["make_folders"] == [("/etc/kubernetes/pki", 0o755)]
    assert [(f["path"], f["write"], f["created"], f["mode"]) for f in out["files"]] == [
        (CA_FILE["path"], True, True, 0o644), (BOOT_FILE["path"], True, True, 0o600)]
    assert out["changed"] is True


def test_files_not_among_the_snapshot_paths_are_added_once():
    fs = files(CA_FILE)
    out = wf.plan(fs, [UNIT], {CA_FILE["path"]: absent(), UNIT: absent()}, {"/etc", "/etc/kubernetes", "/etc/kubernetes/pki"})
    assert [r["item"] for r in out["snapshot"]["results"]] == [UNIT, CA_FILE["path"]]
    assert out["backups"] == []  # no backup_dir, no copies


def test_equal_files_change_nothing():
    fs = files(CA_FILE, BOOT_FILE)
    state = {CA_FILE["path"]: present(CA), BOOT_FILE["path"]: present(BOOT, 0o600)}
    out = wf.plan(fs, [], state, {"/etc", "/etc/kubernetes", "/etc/kubernetes/pki"}, backup_dir="/b")
    assert out["changed"] is False
    assert all(f["diff"] is None and not f["write"] and not f["chmod"] for f in out["files"])
    assert out["backups"] == [(CA_FILE["path"], "/b/%etc%kubernetes%pki%ca.crt"),
                              (BOOT_FILE["path"], "/b/%etc%kubernetes%bootstrap-kubelet.conf")]


def test_kubeconfig_compared_by_meaning_not_bytes():
    reformatted = kc.dumps(kc.loads(BOOT.decode()))
    reordered = ("current-context: default\n" + reformatted.replace("current-context: default\n", "")).encode()
    assert reordered != BOOT
    out = wf.plan(files(BOOT_FILE), [], {BOOT_FILE["path"]: present(reordered, 0o600)}, {"/etc", "/etc/kubernetes"})
    assert out["changed"] is False


def test_invalid_existing_kubeconfig_is_replaced():
    out = wf.plan(files(BOOT_FILE), [], {BOOT_FILE["path"]: present(b"{not: [yaml", 0o600)}, {"/etc", "/etc/kubernetes"})
    assert out["files"][0]["write"] is True


def test_mode_only_difference_is_a_chmod_with_a_mode_diff():
    out = wf.plan(files(CA_FILE), [], {CA_FILE["path"]: present(CA, 0o666)}, {"/etc", "/etc/kubernetes", "/etc/kubernetes/pki"})
    f = out["files"][0]
    assert (f["write"], f["chmod"], f["changed"]) == (False, True, True)
    assert f["diff"]["before"] == "# mode 0666\n" and f["diff"]["after"] == "# mode 0644\n"


def test_diff_shows_text_of_ordinary_files():
    out = wf.plan(files(CA_FILE), [], {CA_FILE["path"]: present(b"old\n")}, {"/etc", "/etc/kubernetes", "/etc/kubernetes/pki"})
    assert out["files"][0]["diff"] == dict(before_header=CA_FILE["path"], after_header=CA_FILE["path"],
                                           before="old\n", after=CA.decode())


def test_diff_of_a_secret_file_hides_the_content():
    other = kc.dumps(kc.build("https://10.0.0.10:6443", ca_pem=CA, token="abcdef.ffffffffffffffff")).encode()
    out = wf.plan(files(BOOT_FILE), [], {BOOT_FILE["path"]: present(other, 0o644)}, {"/etc", "/etc/kubernetes"})
    diff = out["files"][0]["diff"]
    assert TOKEN not in repr(diff) and "ffffffffffffffff" not in repr(diff)
    assert diff["before"] == "# mode 0644\n" + wf.HIDDEN and diff["after"] == "# mode 0600\n" + wf.HIDDEN
    created = wf.plan(files(BOOT_FILE), [], {BOOT_FILE["path"]: absent()}, {"/etc", "/etc/kubernetes"})
    assert created["files"][0]["diff"]["before"] == "" and created["files"][0]["diff"]["after"] == wf.HIDDEN


def test_missing_folders_once_each_with_the_first_files_dir_mode():
    fs = files(dict(path="/etc/cni/net.d/99-loopback.conf", content=b"{}", mode="0644", dir_mode="0750"),
               dict(path="/etc/cni/net.d/10-other.conf", content=b"{}", mode="0644"))
    out = wf.plan(fs, [], {f["path"]: absent() for f in fs}, {"/etc"})
    assert out["make_folders"] == [("/etc/cni", 0o750), ("/etc/cni/net.d", 0o750)]


def test_a_folder_where_a_file_belongs_fails_with_what_to_do():
    with pytest.raises(wf.WorkerFilesError, match="no regular file: remove or move it"):
        wf.plan(files(CA_FILE), [], {CA_FILE["path"]: present(None, 0o755, regular=False)}, {"/etc"})


@pytest.mark.parametrize("entry, message", [
    (dict(path="etc/ca.crt", content=b"x", mode="0644"), "absolute, normalised path"),
    (dict(path="/etc/../ca.crt", content=b"x", mode="0644"), "absolute, normalised path"),
    (dict(path="/etc/ca.crt", content=b"x", mode="u=rw"), "octal mode"),
    (dict(path="/etc/ca.crt", content=b"x", mode="0644", dir_mode="rwx"), "dir_mode must be an octal mode"),
    (dict(path="/etc/ca.crt", content=b"x", mode="0644", kind="json"), "kind must be one of"),
    (dict(path="/etc/ca.crt", content="text", mode="0644"), "content must be bytes"),
])
def test_bad_entries_fail_with_what_to_fix(entry, message):
    with pytest.raises(wf.WorkerFilesError, match=message):
        wf.normalise_files([entry])


def test_a_path_twice_fails():
    with pytest.raises(wf.WorkerFilesError, match="listed twice"):
        wf.normalise_files([dict(CA_FILE), dict(CA_FILE)])


def test_backup_dir_must_be_absolute_and_no_file():
    with pytest.raises(wf.WorkerFilesError, match="backup_dir"):
        wf.plan(files(CA_FILE), [], {CA_FILE["path"]: absent()}, set(), backup_dir="backup")
    with pytest.raises(wf.WorkerFilesError, match="backup_dir"):
        wf.plan(files(CA_FILE), [], {CA_FILE["path"]: absent()}, set(), backup_dir=CA_FILE["path"])


def test_finish_removes_existing_files_and_keeps_the_copies_as_the_first_record():
    out = wf.plan_finish({"/etc/kubernetes/bootstrap-kubelet.conf": present(), "/gone": absent()}, True,
                         keep_as="/var/lib/hardway-nodejoin/pre-join")
    assert out == dict(remove=["/etc/kubernetes/bootstrap-kubelet.conf"], keep=True, remove_dir=False, changed=True)


def test_finish_keeps_the_record_of_an_earlier_join_and_removes_the_copies():
    out = wf.plan_finish({}, True, keep_as="/var/lib/hardway-nodejoin/pre-join", keep_as_exists=True)
    assert out == dict(remove=[], keep=False, remove_dir=True, changed=True)


def test_finish_without_keep_as_removes_the_copies_and_nothing_left_is_no_change():
    assert wf.plan_finish({}, True)["remove_dir"] is True
    assert wf.plan_finish({"/x": absent()}, False, keep_as="/k")["changed"] is False


def test_finish_leaves_a_folder_alone_and_says_so():
    with pytest.raises(wf.WorkerFilesError, match="no regular file: it is not removed"):
        wf.plan_finish({"/etc/kubernetes/bootstrap-kubelet.conf": present(regular=False)}, False)
