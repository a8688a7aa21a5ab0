# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of module_utils/_files.py, the one atomic file writer.

"Never readable by others for a moment" is checked by watching every os call the writer and
ansible's atomic_move make (write, chmod, fchmod, rename) and looking at the modes of the
temporary file and of the destination each time.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import errno
import os
import stat

import pytest

from ansible.module_utils import basic

from ansible_collections.hardway.nodejoin.plugins.module_utils import _files
from ansible_collections.hardway.nodejoin.plugins.modules import kubeconfig as kubeconfig_module
from ansible_collections.hardway.nodejoin.tests.unit.helpers import run_module

SECRET = b"token: abcdef.0123456789abcdef\n"


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


class Watch:
    """Records, after each watched os call, the mode of every file in ``folder`` holding ``secret``."""

    def __init__(self, monkeypatch, folder, secret=SECRET):
        self.folder, self.secret, self.seen, self.fd_modes = str(folder), secret, [], []
        for name in ("write", "chmod", "fchmod", "rename", "replace", "fchown", "chown"):
            self._wrap(monkeypatch, name)

    def _wrap(self, monkeypatch, name):
        real = getattr(os, name)

        def spy(*args, **kwargs):
            out = real(*args, **kwargs)
            if name == "write":
                self.fd_modes.append(stat.S_IMODE(os.fstat(args[0]).st_mode))
            self._look(name)
            return out

        monkeypatch.setattr(os, name, spy)

    def _look(self, op):
        for entry in os.listdir(self.folder):
            path = os.path.join(self.folder, entry)
            with open(path, "rb") as handle:
                if self.secret in handle.read():
                    self.seen.append((op, entry, mode_of(path)))

    def widest(self):
        return max((mode & 0o077 for _op, _entry, mode in self.seen), default=0)


# --- atomic_write ------------------------------------------------------------------------

def test_new_file_has_its_mode_before_the_first_byte(tmp_path, monkeypatch):
    dest = tmp_path / "bootstrap-kubelet.conf"
    watch = Watch(monkeypatch, tmp_path)
    result = _files.atomic_write(str(dest), SECRET, mode=0o600)
    assert result == dict(created=True, unsafe_write=False)
    assert dest.read_bytes() == SECRET and mode_of(dest) == 0o600
    assert watch.fd_modes and set(watch.fd_modes) == {0o600}
    assert watch.seen and watch.widest() == 0
    assert os.listdir(str(tmp_path)) == [dest.name]  # no temporary file left


def test_replacing_a_wide_file_never_shows_the_secret_wide(tmp_path, monkeypatch):
    dest = tmp_path / "key.pem"
    dest.write_bytes(b"old\n")
    os.chmod(str(dest), 0o644)
    watch = Watch(monkeypatch, tmp_path)
    result = _files.atomic_write(str(dest), SECRET, mode=0o600)
    assert result["created"] is False
    assert dest.read_bytes() == SECRET and mode_of(dest) == 0o600
    assert watch.widest() == 0, watch.seen


def test_mode_none_keeps_the_old_mode_or_takes_the_umask(tmp_path):
    dest = tmp_path / "unit.service"
    dest.write_bytes(b"old\n")
    os.chmod(str(dest), 0o640)
    _files.atomic_write(str(dest), b"new\n")
    assert mode_of(dest) == 0o640 and dest.read_bytes() == b"new\n"
    fresh = tmp_path / "fresh"
    old_umask = os.umask(0o027)
    try:
        _files.atomic_write(str(fresh), b"x")
    finally:
        os.umask(old_umask)
    assert mode_of(fresh) == 0o640


def _refuse_rename(monkeypatch, code=errno.EBUSY):
    def refuse(src, dst):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "rename", refuse)


def test_rename_refused_fails_and_leaves_the_old_file(tmp_path, monkeypatch):
    dest = tmp_path / "ca.crt"
    dest.write_bytes(b"old\n")
    _refuse_rename(monkeypatch)
    with pytest.raises(_files.FileWriteError) as info:
        _files.atomic_write(str(dest), SECRET, mode=0o600)
    assert str(dest) in str(info.value) and "unsafe_writes=true" in str(info.value)
    assert dest.read_bytes() == b"old\n"
    assert os.listdir(str(tmp_path)) == [dest.name]


def test_rename_refused_other_errno_gets_no_unsafe_hint(tmp_path, monkeypatch):
    _refuse_rename(monkeypatch, errno.ENOSPC)
    with pytest.raises(_files.FileWriteError) as info:
        _files.atomic_write(str(tmp_path / "x"), b"x", mode=0o600, unsafe_writes=True)
    assert "unsafe_writes" not in str(info.value)


def test_unsafe_writes_writes_in_place_with_the_mode_first(tmp_path, monkeypatch):
    dest = tmp_path / "bind-mounted.conf"
    dest.write_bytes(b"old content\n")
    os.chmod(str(dest), 0o644)
    _refuse_rename(monkeypatch)
    watch = Watch(monkeypatch, tmp_path)
    result = _files.atomic_write(str(dest), SECRET, mode=0o600, unsafe_writes=True)
    assert result == dict(created=False, unsafe_write=True)
    assert dest.read_bytes() == SECRET and mode_of(dest) == 0o600
    assert watch.widest() == 0, watch.seen
    assert os.listdir(str(tmp_path)) == [dest.name]


def test_unsafe_writes_when_no_temporary_file_can_be_made(tmp_path, monkeypatch):
    dest = tmp_path / "f"

    def no_tmp(**kwargs):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(_files.tempfile, "mkstemp", no_tmp)
    with pytest.raises(_files.FileWriteError, match="cannot make a temporary file"):
        _files.atomic_write(str(dest), b"x", mode=0o600)
    assert not dest.exists()
    assert _files.atomic_write(str(dest), b"x", mode=0o600, unsafe_writes=True)["unsafe_write"] is True
    assert dest.read_bytes() == b"x" and mode_of(dest) == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_owner_is_set_before_the_content_and_old_owner_kept(tmp_path, monkeypatch):
    dest = tmp_path / "owned"
    owners = []
    real_write = os.write

    def write(fd, data):
        owners.append((os.fstat(fd).st_uid, os.fstat(fd).st_gid))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    _files.atomic_write(str(dest), b"x", mode=0o640, uid=65534, gid=65534)
    assert owners == [(65534, 65534)]
    assert (os.stat(str(dest)).st_uid, os.stat(str(dest)).st_gid) == (65534, 65534)
    _files.atomic_write(str(dest), b"y", mode=0o640)  # no owner asked: the old one is kept
    assert (os.stat(str(dest)).st_uid, os.stat(str(dest)).st_gid) == (65534, 65534)


def test_a_failing_move_becomes_a_file_write_error_and_cleans_up(tmp_path):
    def move(tmp, dest):
        raise Exception("Could not replace it")

    with pytest.raises(_files.FileWriteError, match="Could not replace it"):
        _files.atomic_write(str(tmp_path / "x"), b"x", mode=0o600, move=move)
    assert os.listdir(str(tmp_path)) == []


@pytest.mark.parametrize("mode, expected", [
    (0o600, 0o600), ("0600", 0o600), ("644", 0o644), ("u=rw", None), (None, None), (True, None),
])
def test_octal_mode(mode, expected):
    assert _files.octal_mode(mode) == expected


def test_resolve_owner_and_group():
    assert _files.resolve_owner("root") == 0 and _files.resolve_owner("0") == 0 and _files.resolve_owner(7) == 7
    assert _files.resolve_group("0") == 0 and _files.resolve_group(None) is None
    with pytest.raises(_files.FileWriteError, match="user 'no-such-user-hw' does not exist"):
        _files.resolve_owner("no-such-user-hw")
    with pytest.raises(_files.FileWriteError, match="group 'no-such-group-hw' does not exist"):
        _files.resolve_group("no-such-group-hw")


# --- write_file, through the kubeconfig module (the token file of issue #11) ---------------------

@pytest.mark.parametrize("old_ansible", [False, True], ids=["atomic_move", "atomic_move-without-keep_dest_attrs"])
@pytest.mark.parametrize("existing_mode", [None, 0o644])
def test_kubeconfig_token_file_is_never_readable_by_others(tmp_path, monkeypatch, capsys, old_ansible, existing_mode):
    folder = tmp_path / "etc"
    folder.mkdir()
    dest = folder / "bootstrap-kubelet.conf"
    if existing_mode is not None:
        dest.write_text("old: kubeconfig\n")
        os.chmod(str(dest), existing_mode)
    if old_ansible:  # ansible-core 2.16's signature: the writer must not let it copy the old mode
        real = basic.AnsibleModule.atomic_move

        def atomic_move(self, src, dest, unsafe_writes=False):
            return real(self, src, dest, unsafe_writes=unsafe_writes)

        monkeypatch.setattr(basic.AnsibleModule, "atomic_move", atomic_move)
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    old_umask = os.umask(0o022)
    try:
        watch = Watch(monkeypatch, folder, secret=b"0123456789abcdef")
        args = dict(path=str(dest), server="https://10.0.0.10:6443", ca_cert_path=str(ca),
                    token="abcdef.0123456789abcdef")
        result = run_module(kubeconfig_module.main, args, monkeypatch, capsys)
    finally:
        os.umask(old_umask)
    assert result["changed"] is True, result
    assert mode_of(dest) == 0o600
    assert watch.seen and watch.widest() == 0, watch.seen
    assert os.listdir(str(folder)) == [dest.name]
