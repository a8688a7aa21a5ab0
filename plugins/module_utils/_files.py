# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one file writer of this collection's modules: atomic, with the final mode from creation.

:func:`atomic_write` (no Ansible imports) replaces a file the way ``AnsibleModule.atomic_move``
does (a temporary file in the destination folder, then ``rename(2)``, which POSIX makes atomic
within one file system), with two differences that matter for keys and tokens:

* the temporary file gets its final permission bits and owner *before the first byte is
  written* (``mkstemp`` creates it 0600, then ``fchown``/``fchmod``), so a secret is never
  readable by others, not even for a moment. ``atomic_move`` instead copies the old file's
  mode onto the new one (``keep_dest_attrs``, not switchable before ansible-core 2.18) and
  ``chmod``s a newly created file to ``0666 & ~umask`` *after* the rename;
* the data is ``fsync``ed before the rename and the folder after it, so a crash leaves the
  old or the new file, never an empty one.

When the rename cannot be done (a file bind-mounted into a container: ``EBUSY``; some network
or synced file systems: ``EXDEV``, ``EPERM``, ``EACCES``, ``ETXTBSY``) or no temporary file can
be made in the folder, it fails unless ``unsafe_writes`` is set; then it writes the file in
place, as ``atomic_move``'s ``_unsafe_writes`` does, but truncating, ``fchown``ing and
``fchmod``ing it before writing the content.

:func:`write_file` is the AnsibleModule side: owner, group and ``unsafe_writes`` from the
module's file common arguments, ``backup``, the SELinux context as ``atomic_move`` keeps it,
and ``fail_json`` with the path and the error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import inspect
import os
import stat
import tempfile

#: errno values of ``rename(2)`` (and of making the temporary file) for which ansible's
#: ``atomic_move`` falls back to other ways, and this writer to an in-place write when
#: ``unsafe_writes`` is set.
FALLBACK_ERRNOS = (errno.EPERM, errno.EXDEV, errno.EACCES, errno.ETXTBSY, errno.EBUSY, errno.EROFS)


class FileWriteError(Exception):
    """The file could not be written; ``str()`` names the path, the step and the OS error."""


def octal_mode(mode):
    """Permission bits (int) of a numeric mode, or ``None`` for a symbolic one or ``None``.

    ``mode`` is an int (``0o600``) or an octal string (``"0600"``, ``"600"``), as the
    ``mode`` file argument of Ansible modules takes it; symbolic modes (``"u=rw,g=r"``) are
    left to ``AnsibleModule.set_fs_attributes_if_different``.
    """
    if mode is None or isinstance(mode, bool):
        return None
    if isinstance(mode, int):
        return mode & 0o7777
    try:
        return int(str(mode).strip(), 8) & 0o7777
    except ValueError:
        return None


def resolve_owner(owner):
    """uid (int) of ``owner`` (a user name or a number as str/int), ``None`` for ``None``.

    Raises :class:`FileWriteError` for an unknown user name.
    """
    return _resolve(owner, "user", "pwd", "getpwnam", "pw_uid")


def resolve_group(group):
    """gid (int) of ``group`` (a group name or a number as str/int), ``None`` for ``None``.

    Raises :class:`FileWriteError` for an unknown group name.
    """
    return _resolve(group, "group", "grp", "getgrnam", "gr_gid")


def _resolve(name, what, module_name, lookup, field):
    if name is None or name == "":
        return None
    text = str(name).strip()
    if text.isdigit():
        return int(text)
    database = __import__(module_name)
    try:
        return getattr(getattr(database, lookup)(text), field)
    except KeyError:
        raise FileWriteError("%s %r does not exist on this host" % (what, text))


def atomic_write(path, content, mode=None, uid=None, gid=None, unsafe_writes=False, move=None):
    """Replace (or create) the file ``path`` with ``content``, atomically.

    :param path: destination path (str or bytes); its folder must exist.
    :param content: the new content, bytes.
    :param mode: permission bits (int) the file has from its creation on; ``None`` keeps the
        mode of the file it replaces, or, for a new file, ``0666 & ~umask`` (what
        ``atomic_move`` gives a new file).
    :param uid: owner (int), ``None`` for the owner of the file it replaces (or the process's
        for a new file). A failure to set an owner that was asked for is an error; keeping the
        old owner is done on a best-effort basis, like ``atomic_move``.
    :param gid: group (int), the same way.
    :param unsafe_writes: write in place when the atomic way is impossible (see the module
        docstring).
    :param move: ``move(tmp, path)`` puts the finished temporary file in place instead of
        ``os.rename`` and the fallback above (:func:`write_file` passes ansible's
        ``atomic_move``); any exception it raises becomes a :class:`FileWriteError`.
    :returns: dict ``created`` (bool: there was no file before), ``unsafe_write`` (bool: it
        was written in place).
    :raises FileWriteError: naming ``path`` and what failed; the temporary file is removed.
    """
    path = os.path.abspath(os.fsdecode(path))
    folder = os.path.dirname(path)
    try:
        old = os.stat(path)
    except OSError:
        old = None
    keep_owner = uid is None and gid is None
    if old is not None:
        uid = old.st_uid if uid is None else uid
        gid = old.st_gid if gid is None else gid
    if mode is None:
        mode = stat.S_IMODE(old.st_mode) if old is not None else 0o666 & ~_umask()
    result = dict(created=old is None, unsafe_write=False)
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp", dir=folder)
    except OSError as exc:
        if unsafe_writes and exc.errno in FALLBACK_ERRNOS:
            _write_in_place(path, content, mode, uid, gid, keep_owner)
            result["unsafe_write"] = True
            return result
        raise FileWriteError("cannot make a temporary file in %s for %s: %s%s"
                             % (folder, path, exc.strerror or exc, _unsafe_hint(exc)))
    try:
        try:
            _fill(fd, content, mode, uid, gid, keep_owner)
        finally:
            os.close(fd)
        if move is not None:
            try:
                move(tmp, path)
            except Exception as exc:  # atomic_move raises plain Exception with its own message
                raise FileWriteError("cannot put %s in place: %s" % (path, exc))
            return result
        try:
            os.rename(tmp, path)
        except OSError as exc:
            if not (unsafe_writes and exc.errno in FALLBACK_ERRNOS):
                raise FileWriteError("cannot rename %s to %s: %s%s"
                                     % (tmp, path, exc.strerror or exc, _unsafe_hint(exc)))
            _write_in_place(path, content, mode, uid, gid, keep_owner)
            result["unsafe_write"] = True
        else:
            _fsync_folder(folder)
    except OSError as exc:
        raise FileWriteError("cannot write %s: %s" % (path, exc.strerror or exc))
    finally:
        if os.path.lexists(tmp):
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return result


def _fill(fd, content, mode, uid, gid, keep_owner):
    """Owner, then mode (a chown may clear set-id bits), then the bytes, then fsync."""
    if uid is not None or gid is not None:
        try:
            os.fchown(fd, -1 if uid is None else uid, -1 if gid is None else gid)
        except OSError as exc:
            if not (keep_owner and exc.errno == errno.EPERM):
                raise
    os.fchmod(fd, mode)
    view = memoryview(content)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def _write_in_place(path, content, mode, uid, gid, keep_owner):
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, mode & 0o777)
    except OSError as exc:
        raise FileWriteError("cannot write %s in place (unsafe_writes): %s" % (path, exc.strerror or exc))
    try:
        _fill(fd, content, mode, uid, gid, keep_owner)
    except OSError as exc:
        raise FileWriteError("cannot write %s in place (unsafe_writes): %s" % (path, exc.strerror or exc))
    finally:
        os.close(fd)


def _fsync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder; the rename is done anyway
        pass
    finally:
        os.close(fd)


def _umask():
    current = os.umask(0o022)
    os.umask(current)
    return current


def _unsafe_hint(exc):
    if exc.errno in FALLBACK_ERRNOS:
        return " (unsafe_writes=true writes the file in place where an atomic replace is impossible)"
    return ""


def read_file(module, path, what, missing_ok=False):
    """The bytes of the file ``path`` for a module; ``None`` when it does not exist and
    ``missing_ok``. Any other failure to read it fails the module (``module.fail_json``) with
    ``cannot read <what> <path>: <reason>``."""
    if missing_ok and not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s %s: %s" % (what, path, exc))


def write_file(module, path, content, mode=None, backup=False):
    """Write ``content`` (bytes) to ``path`` for an AnsibleModule with ``add_file_common_args``.

    ``mode`` is the module's mode argument (int, octal string, symbolic or ``None``): a
    numeric mode is the file's from its creation on; a symbolic one starts at 0600 and is
    left to ``set_fs_attributes_if_different``; ``None`` keeps the old file's mode (see
    :func:`atomic_write`). Owner, group and ``unsafe_writes`` come from ``module.params``;
    with ``backup`` an existing file is first copied by ``module.backup_local``.

    The finished temporary file is put in place by ``module.atomic_move`` (its fallbacks for
    ``unsafe_writes`` and its SELinux handling) with ``keep_dest_attrs=False`` (ansible-core
    2.17+) under a umask that makes its ``chmod`` of a new file give exactly ``mode``; on an
    ansible-core without ``keep_dest_attrs``, whose ``atomic_move`` would copy the old file's
    mode onto the new content, :func:`atomic_write`'s own rename and fallback are used, and the
    SELinux context is kept here as ``atomic_move`` would.

    :returns: dict ``created``, ``unsafe_write`` (see :func:`atomic_write`) and
        ``backup_file`` (the backup's path, or ``None``).
    Calls ``module.fail_json`` with the path and the error on failure.
    """
    params = module.params
    path = os.fsdecode(path)
    numeric = octal_mode(mode)
    if numeric is None and mode is not None:
        numeric = 0o600
    try:
        uid = resolve_owner(params.get("owner"))
        gid = resolve_group(params.get("group"))
    except FileWriteError as exc:
        module.fail_json(msg="cannot write %s: %s" % (path, exc))
    unsafe = bool(params.get("unsafe_writes"))
    backup_file = module.backup_local(path) if backup and os.path.exists(path) else None
    final_mode = numeric
    if final_mode is None:
        final_mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.exists(path) else 0o666 & ~_umask()

    def ansible_move(tmp, dest):
        old_umask = os.umask(0o777 & ~int(final_mode))
        try:
            module.atomic_move(tmp, dest, unsafe_writes=unsafe, keep_dest_attrs=False)
        finally:
            os.umask(old_umask)
        if uid is not None or gid is not None:  # atomic_move gives a new file the process's owner
            os.chown(dest, -1 if uid is None else uid, -1 if gid is None else gid)

    move = ansible_move if _has_keep_dest_attrs(module) else None
    context = None
    if move is None and module.selinux_enabled():  # atomic_move keeps it itself
        context = module.selinux_context(path) if os.path.exists(path) else module.selinux_default_context(path)
    try:
        result = atomic_write(path, content, mode=final_mode, uid=uid, gid=gid, unsafe_writes=unsafe, move=move)
    except FileWriteError as exc:
        module.fail_json(msg=str(exc), backup_file=backup_file)
    if context is not None:
        module.set_context_if_different(path, context, False)
    result["backup_file"] = backup_file
    return result


def _has_keep_dest_attrs(module):
    try:
        parameters = inspect.signature(module.atomic_move).parameters
    except (TypeError, ValueError):
        return False
    return "keep_dest_attrs" in parameters or any(p.kind == p.VAR_KEYWORD for p in parameters.values())
