# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a worker's join writes, decided in one place: the plan of the ``worker_files`` module.

A join writes a handful of small files on the worker (the cluster CA certificate, the kubelet's
bootstrap kubeconfig with the bootstrap token, kubelet configuration drop-ins, the loopback CNI
config). Each one as its own Ansible task costs a module run (a ``copy`` or ``template`` even two:
a stat, then the write); :func:`plan` decides for all of them at once, from what the module read on
the host, and the module then only carries it out:

* the **snapshot**: which of the paths the join may change exist now (in the shape a loop of
  ``ansible.builtin.stat`` registers, ``results: [{item: path, stat: {exists, path}}]``, which
  the role's rollback and pre-join record read), and which of them to copy into the backup
  folder (names: the path with ``/`` replaced by ``%``, as ``restore.yml`` reads them);
* per file: whether its content or mode differs (a kubeconfig is compared by meaning, as
  :mod:`._kubeconfig` does, so a file that only differs in formatting is left alone), the missing
  parent folders to make, and the diff (never the content of a secret file).

No Ansible imports; no I/O. The module reads the host (:func:`read_state`-shaped input) and writes
through the collection's one file writer (:mod:`._files`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.hardway.nodejoin.plugins.module_utils import _files
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kubeconfig as kc

#: what a diff shows instead of the content of a secret file
HIDDEN = "(content hidden: secret file)\n"
#: file kinds: ``text`` is compared byte by byte, ``kubeconfig`` by meaning
KINDS = ("text", "kubeconfig")


class WorkerFilesError(ValueError):
    """Bad input for :func:`plan`; ``str()`` says what to fix."""


def backup_name(path):
    """File name of the copy of ``path`` in the backup folder: ``/`` replaced by ``%``.

    ``/etc/kubernetes/pki/ca.crt`` -> ``%etc%kubernetes%pki%ca.crt`` (what the role's
    ``restore.yml`` reads: ``item | regex_replace('/', '%')``).
    """
    return path.replace("/", "%")


def parents(path):
    """The folders above ``path``, outermost first, without ``/``.

    ``/etc/cni/net.d/99-loopback.conf`` -> ``['/etc', '/etc/cni', '/etc/cni/net.d']``.
    """
    out = []
    folder = os.path.dirname(path)
    while folder and folder != "/":
        out.append(folder)
        folder = os.path.dirname(folder)
    return list(reversed(out))


def _mode(value, what):
    mode = _files.octal_mode(value)
    if mode is None:
        raise WorkerFilesError("%s must be an octal mode such as '0644' (got %r)" % (what, value))
    return mode


def normalise_files(files):
    """Checked copies of the file entries, modes as ints.

    :param files: list of dicts ``path`` (absolute str), ``content`` (bytes), ``mode`` (octal str
        or int), optional ``secret`` (bool, default False), ``dir_mode`` (octal, default 0755: a
        missing parent folder's mode), ``kind`` (``text`` or ``kubeconfig``, default ``text``).
    :returns: list of dicts with the same keys; ``mode``/``dir_mode`` ints, ``secret`` bool.
    :raises WorkerFilesError: a relative or repeated path, a mode that is not octal, an unknown
        kind, content that is not bytes.
    """
    out, seen = [], set()
    for entry in files:
        path = entry.get("path") or ""
        if not os.path.isabs(path) or os.path.normpath(path) != path:
            raise WorkerFilesError("each file needs an absolute, normalised path (got %r)" % (path,))
        if path in seen:
            raise WorkerFilesError("%s is listed twice: give each file once" % path)
        seen.add(path)
        kind = entry.get("kind") or "text"
        if kind not in KINDS:
            raise WorkerFilesError("%s: kind must be one of %s (got %r)" % (path, ", ".join(KINDS), kind))
        content = entry.get("content")
        if not isinstance(content, bytes):
            raise WorkerFilesError("%s: content must be bytes" % path)
        out.append(dict(path=path, content=content, kind=kind, secret=bool(entry.get("secret")),
                        mode=_mode(entry.get("mode"), "%s: mode" % path),
                        dir_mode=_mode(entry.get("dir_mode") or "0755", "%s: dir_mode" % path)))
    return out


def _differs(entry, current):
    """True when the content on the host (``current['content']``, bytes or None) is not wanted."""
    have = current.get("content")
    if have is None:
        return True
    if entry["kind"] == "kubeconfig":
        try:
            return not kc.equal(kc.loads(have.decode("utf-8")), kc.loads(entry["content"].decode("utf-8")))
        except (kc.KubeconfigError, UnicodeDecodeError):
            return True
    return have != entry["content"]


def _text(content):
    return content.decode("utf-8", "replace") if content is not None else ""


def _diff(entry, current, content_changed, mode_changed):
    path = entry["path"]
    before, after = [], []
    if mode_changed and current.get("exists"):
        before.append("# mode %04o\n" % current["mode"])
        after.append("# mode %04o\n" % entry["mode"])
    if content_changed:
        if entry["secret"]:
            before.append(HIDDEN if current.get("exists") else "")
            after.append(HIDDEN)
        else:
            before.append(_text(current.get("content")))
            after.append(_text(entry["content"]))
    return dict(before_header=path, after_header=path, before="".join(before), after="".join(after))


def plan(files, snapshot_paths, state, folders, backup_dir=None):
    """Decide what one run of the module does.

    :param files: the files to write, as :func:`normalise_files` returns them.
    :param snapshot_paths: further paths whose existence the snapshot records and whose copies
        it keeps (e.g. the kubelet unit file, the kubelet's kubeconfig); absolute paths.
    :param state: dict path -> ``{exists: bool, regular: bool, content: bytes or None, mode: int
        or None}`` for every path of ``files`` and ``snapshot_paths`` (``exists`` as ``lstat``
        sees it: a symlink, even a dangling one, exists; ``content`` only for the files to write,
        of what ``open`` reads through a symlink).
    :param folders: set of the folders (see :func:`parents`) that exist.
    :param backup_dir: folder for the copies, or ``None`` for no copies.
    :returns: dict
        ``snapshot``: ``{results: [{item, stat: {exists, path}}]}`` for the snapshot paths in
        their order, then the files' paths not among them;
        ``backups``: list of ``(path, copy path)`` for the snapshot paths that exist (empty
        without ``backup_dir``);
        ``make_folders``: list of ``(folder, mode)``, outermost first;
        ``files``: list of dicts ``path``, ``write`` (bool: the content differs), ``chmod``
        (bool: only the mode differs), ``changed``, ``created`` (bool), ``mode`` (int),
        ``secret``, ``diff`` (before/after dict, or ``None`` when unchanged);
        ``changed``: any file changed.
    :raises WorkerFilesError: a snapshot path that is not absolute, a file that exists but is
        no regular file (a folder, a socket, ...), or ``backup_dir`` among the paths.
    """
    order = list(snapshot_paths) + [e["path"] for e in files if e["path"] not in snapshot_paths]
    for path in order:
        if not os.path.isabs(path):
            raise WorkerFilesError("snapshot paths must be absolute (got %r)" % (path,))
    if backup_dir is not None and (not os.path.isabs(backup_dir) or backup_dir in order):
        raise WorkerFilesError("backup_dir must be an absolute folder that is none of the files (got %r)" % (backup_dir,))
    seen, results, backups = set(), [], []
    for path in order:
        if path in seen:
            continue
        seen.add(path)
        exists = bool(state[path]["exists"])
        results.append(dict(item=path, stat=dict(exists=exists, path=path)))
        if exists and backup_dir is not None:
            backups.append((path, os.path.join(backup_dir, backup_name(path))))

    make_folders, planned = [], set()
    decided = []
    for entry in files:
        current = state[entry["path"]]
        if current["exists"] and not current.get("regular", True):
            raise WorkerFilesError("%s exists but is no regular file: remove or move it, then run again" % entry["path"])
        for folder in parents(entry["path"]):
            if folder not in folders and folder not in planned:
                planned.add(folder)
                make_folders.append((folder, entry["dir_mode"]))
        write = _differs(entry, current)
        chmod = not write and current.get("mode") != entry["mode"]
        mode_changed = bool(current["exists"]) and current.get("mode") != entry["mode"]
        changed = write or chmod
        decided.append(dict(path=entry["path"], write=write, chmod=chmod, changed=changed,
                            created=not current["exists"], mode=entry["mode"], secret=entry["secret"],
                            diff=_diff(entry, current, write, mode_changed) if changed else None))
    return dict(snapshot=dict(results=results), backups=backups, make_folders=make_folders, files=decided,
                changed=any(d["changed"] for d in decided))


def plan_finish(absent_state, backup_dir_exists, keep_as=None, keep_as_exists=False):
    """Decide the end of a join: files to remove, and what becomes of the copies' folder.

    :param absent_state: dict path -> ``{exists: bool, regular: bool}`` (as :func:`plan`'s
        ``state``) of the files that must no longer exist (e.g. the bootstrap kubeconfig, whose
        token leaves the disk once the kubelet has its own credentials).
    :param backup_dir_exists: whether the copies' folder exists.
    :param keep_as: folder the copies become (the pre-join record, kept from the first join on),
        or ``None`` to only remove them.
    :param keep_as_exists: whether ``keep_as`` exists already (then the copies are removed and the
        record of the earlier join stays).
    :returns: dict ``remove`` (list of paths, in the given order), ``keep`` (bool: write the record
        into the copies' folder and rename it to ``keep_as``), ``remove_dir`` (bool: remove the
        copies' folder), ``changed`` (bool).
    :raises WorkerFilesError: a path to remove that is a folder or other non-file (it is left
        alone: say which, so it can be looked at).
    """
    remove = []
    for path, current in absent_state.items():
        if not current["exists"]:
            continue
        if not current.get("regular", True):
            raise WorkerFilesError("%s is no regular file: it is not removed; look at it, remove it by hand, then run again" % path)
        remove.append(path)
    keep = bool(backup_dir_exists and keep_as and not keep_as_exists)
    remove_dir = bool(backup_dir_exists and not keep)
    return dict(remove=remove, keep=keep, remove_dir=remove_dir, changed=bool(remove or keep or remove_dir))
