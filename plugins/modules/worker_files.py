#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: worker_files
short_description: Write a worker's join files in one run, after copies of what they replace
version_added: 0.2.0
description:
  - Writes the files a worker's join needs (the cluster CA certificate, the kubelet's bootstrap
    kubeconfig with the bootstrap token, kubelet configuration drop-ins, a CNI config) in one module
    run, instead of a C(stat) and a C(copy) per file.
  - "Before it writes anything it takes the snapshot: which of the files and of the further paths
    in O(snapshot) exist, and, with O(backup_dir), copies of those that exist (mode, owner and
    content kept) in that folder (made C(0700)), named by the path with C(/) replaced by C(%)."
  - Each file is written only when its content differs (the bootstrap kubeconfig when its meaning
    differs, as M(hardway.nodejoin.kubeconfig) compares); a file whose content is right but whose
    mode is not only gets its mode set. Writes are atomic (temporary file in the same folder, then
    rename) and the file has its mode from creation on, so a secret file is never readable by others.
  - Missing parent folders are made with the file's O(files[].dir_mode); folders that exist are left
    as they are (a stricter mode found on the host is kept).
  - The bootstrap kubeconfig is built in the module from O(bootstrap_kubeconfig.server),
    O(bootstrap_kubeconfig.ca_cert) and O(bootstrap_kubeconfig.token), so the token is only in a
    C(no_log) option and never in the task's arguments, diff or result.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
requirements:
  - PyYAML on the host that runs the module (for O(bootstrap_kubeconfig))
seealso:
  - module: hardway.nodejoin.kubeconfig
  - link: https://kubernetes.io/docs/reference/access-authn-authz/kubelet-tls-bootstrapping/
    name: TLS bootstrapping
    description: The bootstrap kubeconfig and the CA the kubelet needs before its first start.
options:
  files:
    description: The files to write, rendered on the controller.
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the file.
        type: path
        required: true
      content:
        description: The file's content.
        type: str
        required: true
      mode:
        description: The file's mode, octal (C('0644')); it has it from its creation on.
        type: raw
        default: "0644"
      secret:
        description: The diff shows C(content hidden) instead of its content.
        type: bool
        default: false
      dir_mode:
        description: Mode of a missing parent folder (octal); existing folders stay as they are.
        type: raw
        default: "0755"
  bootstrap_kubeconfig:
    description:
      - The kubelet's bootstrap kubeconfig (one cluster with the CA embedded, one user with the
        bootstrap token), a secret file. Its path is part of the snapshot.
    type: dict
    suboptions:
      path:
        description: Where the kubelet reads it (C(--bootstrap-kubeconfig)).
        type: path
        required: true
      server:
        description: API server URL, C(https://host:port).
        type: str
        required: true
      ca_cert:
        description: The cluster CA certificate, PEM text (embedded as C(certificate-authority-data)).
        type: str
        required: true
      token:
        description: The bootstrap token, C(<token-id>.<token-secret>).
        type: str
        required: true
      mode:
        description: The file's mode from its creation on.
        type: raw
        default: "0600"
      dir_mode:
        description: Mode of a missing parent folder.
        type: raw
        default: "0755"
  snapshot:
    description:
      - Further paths whose existence the snapshot records (and which are copied with O(backup_dir)),
        e.g. the kubelet unit file and the kubelet's kubeconfig. The paths of O(files) and of
        O(bootstrap_kubeconfig) are always part of it.
    type: list
    elements: path
    default: []
  backup_dir:
    description:
      - Folder for copies of the snapshot paths that exist, made before any file is written. It is
        made (also when nothing exists to copy) and set to C(0700) unless in check mode. Without it
        no copies are made.
    type: path
  absent:
    description:
      - Files that must no longer exist, removed after the writes (e.g. the bootstrap kubeconfig once
        the kubelet has its own credentials, so the bootstrap token leaves the disk). A folder is not
        removed; the module fails and names it.
    type: list
    elements: path
    default: []
  finish_backup:
    description:
      - The end of a join, after the writes and removals. The copies' folder O(finish_backup.dir)
        becomes O(finish_backup.keep_as) (with O(finish_backup.record) written into it first) when
        that folder does not exist yet; otherwise, or without O(finish_backup.keep_as), it is removed.
    type: dict
    suboptions:
      dir:
        description: The copies' folder (the O(backup_dir) of the run that made them).
        type: path
        required: true
      keep_as:
        description: Folder the copies become, kept from the first join on (the pre-join record).
        type: path
      record:
        description: Content of C(record.json) (mode C(0600)) written into the copies' folder before it is kept.
        type: str
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Reports the snapshot and what would change; writes nothing, makes no copies.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: One diff per changed file; a secret file and the bootstrap kubeconfig show C(content hidden).
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
notes:
  - The content of O(files) is part of the task's arguments; put a credential in
    O(bootstrap_kubeconfig), or set C(no_log) on the task.
"""

EXAMPLES = r"""
- name: The CA, the bootstrap kubeconfig and the kubelet drop-ins, after copies of what they replace
  hardway.nodejoin.worker_files:
    files:
      - path: /etc/kubernetes/pki/ca.crt
        content: "{{ ca_pem }}"
        mode: "0644"
      - path: /etc/kubernetes/kubelet.conf.d/70-authnz.conf
        content: "{{ lookup('ansible.builtin.template', '70-authnz.conf.j2') }}"
        mode: "0644"
    bootstrap_kubeconfig:
      path: /etc/kubernetes/bootstrap-kubelet.conf
      server: https://10.0.0.10:6443
      ca_cert: "{{ ca_pem }}"
      token: "{{ bootstrap_token }}"
    snapshot:
      - /etc/systemd/system/kubelet.service
      - /etc/kubernetes/kubelet.conf
    backup_dir: /var/lib/hardway-nodejoin/join-backup
  register: join_files

- name: Restart the kubelet when one of its files changed
  ansible.builtin.systemd_service:
    name: kubelet
    state: restarted
  when: join_files.changed
"""

RETURN = r"""
files:
  description: Per file of O(files) and O(bootstrap_kubeconfig) (by path) whether it changed (or would, in check mode) and whether it was created.
  returned: success
  type: dict
  sample:
    /etc/kubernetes/pki/ca.crt: {changed: true, created: true, mode: "0644"}
    /etc/kubernetes/bootstrap-kubelet.conf: {changed: true, created: true, mode: "0600"}
snapshot:
  description:
    - Which of the paths existed before anything was written, in the shape a loop of
      M(ansible.builtin.stat) registers (the snapshot paths in their order, then the files).
  returned: always, also on a failure after the snapshot was taken
  type: dict
  sample:
    results:
      - {item: /etc/kubernetes/pki/ca.crt, stat: {exists: false, path: /etc/kubernetes/pki/ca.crt}}
      - {item: /etc/systemd/system/kubelet.service, stat: {exists: true, path: /etc/systemd/system/kubelet.service}}
backup_dir:
  description: The folder of the copies, or null without O(backup_dir).
  returned: always, also on a failure after the snapshot was taken
  type: str
  sample: /var/lib/hardway-nodejoin/join-backup
backups:
  description: The copies made (none in check mode).
  returned: always, also on a failure after the snapshot was taken
  type: list
  elements: str
  sample: ["/var/lib/hardway-nodejoin/join-backup/%etc%systemd%system%kubelet.service"]
removed:
  description: The files of O(absent) removed.
  returned: success
  type: list
  elements: str
  sample: [/etc/kubernetes/bootstrap-kubelet.conf]
kept_as:
  description: The folder the copies became (O(finish_backup.keep_as)), or null when they were removed or there were none.
  returned: success
  type: str
  sample: /var/lib/hardway-nodejoin/pre-join
written:
  description: The files written so far (on a failure, those written before it).
  returned: always, also on a failure after the snapshot was taken
  type: list
  elements: str
  sample: [/etc/kubernetes/pki/ca.crt]
"""

import os
import shutil
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native
from ansible_collections.hardway.nodejoin.plugins.module_utils import _files
from ansible_collections.hardway.nodejoin.plugins.module_utils import _kubeconfig as kc
from ansible_collections.hardway.nodejoin.plugins.module_utils import _worker_files as wf


def _read(path, with_content):
    """``{exists, regular, content, mode}`` of ``path`` (see ``_worker_files.plan``)."""
    try:
        st = os.lstat(path)
    except OSError:
        return dict(exists=False, regular=False, content=None, mode=None)
    out = dict(exists=True, regular=stat.S_ISREG(st.st_mode), content=None, mode=stat.S_IMODE(st.st_mode))
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.stat(path)
        except OSError:
            return out
        out.update(regular=stat.S_ISREG(target.st_mode), mode=stat.S_IMODE(target.st_mode))
    if with_content and out["regular"]:
        with open(path, "rb") as f:
            out["content"] = f.read()
    return out


def main():
    file_spec = dict(
        path=dict(type="path", required=True),
        content=dict(type="str", required=True),
        mode=dict(type="raw", default="0644"),
        secret=dict(type="bool", default=False),
        dir_mode=dict(type="raw", default="0755"),
    )
    module = AnsibleModule(
        argument_spec=dict(
            files=dict(type="list", elements="dict", default=[], options=file_spec),
            bootstrap_kubeconfig=dict(type="dict", options=dict(
                path=dict(type="path", required=True),
                server=dict(type="str", required=True),
                ca_cert=dict(type="str", required=True),
                token=dict(type="str", required=True, no_log=True),
                mode=dict(type="raw", default="0600"),
                dir_mode=dict(type="raw", default="0755"),
            )),
            snapshot=dict(type="list", elements="path", default=[]),
            backup_dir=dict(type="path"),
            absent=dict(type="list", elements="path", default=[]),
            finish_backup=dict(type="dict", options=dict(
                dir=dict(type="path", required=True),
                keep_as=dict(type="path"),
                record=dict(type="str"),
            )),
        ),
        supports_check_mode=True,
    )
    p = module.params
    entries = [dict(path=f["path"], content=to_bytes(f["content"]), mode=f["mode"], secret=f["secret"],
                    dir_mode=f["dir_mode"]) for f in p["files"]]
    boot = p["bootstrap_kubeconfig"]
    if boot:
        if not kc.HAS_YAML:
            module.fail_json(msg="the Python library PyYAML is required on this host (Debian: python3-yaml)")
        try:
            config = kc.build(boot["server"], ca_pem=boot["ca_cert"], token=boot["token"])
        except kc.KubeconfigError as exc:
            module.fail_json(msg="bootstrap kubeconfig %s: %s" % (boot["path"], exc))
        entries.append(dict(path=boot["path"], content=to_bytes(kc.dumps(config)), mode=boot["mode"],
                            secret=True, dir_mode=boot["dir_mode"], kind="kubeconfig"))
    backup_dir = p["backup_dir"]
    try:
        files = wf.normalise_files(entries)
        paths = list(p["snapshot"]) + [e["path"] for e in files]
        wanted = set(e["path"] for e in files)
        state = dict((path, _read(path, path in wanted)) for path in paths)
        folders = set(folder for e in files for folder in wf.parents(e["path"]) if os.path.isdir(folder))
        decided = wf.plan(files, p["snapshot"], state, folders, backup_dir=backup_dir)
        finish = p["finish_backup"] or {}
        ending = wf.plan_finish(dict((path, _read(path, False)) for path in p["absent"]),
                                bool(finish) and os.path.isdir(finish["dir"]), keep_as=finish.get("keep_as") or None,
                                keep_as_exists=bool(finish.get("keep_as")) and os.path.lexists(finish["keep_as"]))
    except (wf.WorkerFilesError, IOError, OSError) as exc:
        module.fail_json(msg=to_native(exc))

    result = dict(changed=decided["changed"] or ending["changed"], snapshot=decided["snapshot"], backup_dir=backup_dir,
                  backups=[], written=[], removed=list(ending["remove"]),
                  kept_as=finish.get("keep_as") if ending["keep"] else None,
                  files=dict((d["path"], dict(changed=d["changed"], created=d["created"] and d["changed"],
                                              mode="%04o" % d["mode"])) for d in decided["files"]))
    if module._diff:
        result["diff"] = [d["diff"] for d in decided["files"] if d["diff"]]
    if module.check_mode:
        module.exit_json(**result)

    def fail(msg):
        failed = dict(result)
        for key in ("files", "diff", "removed", "kept_as"):
            failed.pop(key, None)
        module.fail_json(msg=msg, **failed)

    by_path = dict((e["path"], e) for e in files)
    try:
        if backup_dir:
            if not os.path.isdir(backup_dir):
                os.makedirs(backup_dir, 0o700)
            os.chmod(backup_dir, 0o700)
            for path, copy in decided["backups"]:
                st = os.stat(path)
                with open(path, "rb") as f:
                    _files.atomic_write(copy, f.read(), mode=stat.S_IMODE(st.st_mode), uid=st.st_uid, gid=st.st_gid)
                result["backups"].append(copy)
        for folder, mode in decided["make_folders"]:
            os.mkdir(folder, mode)
            os.chmod(folder, mode)  # mkdir's mode is masked by the umask
    except (_files.FileWriteError, IOError, OSError) as exc:
        fail("nothing was written: cannot make the copies or folders the files need (%s); free the disk "
             "or fix the folder's permissions, then run again" % to_native(exc))
    for d in decided["files"]:
        try:
            if d["write"]:
                # the collection's one atomic writer, mode from creation; not _files.write_file, whose
                # failure ends the module without the snapshot the role's rollback needs
                _files.atomic_write(d["path"], by_path[d["path"]]["content"], mode=d["mode"])
            elif d["chmod"]:
                os.chmod(d["path"], d["mode"])
        except _files.FileWriteError as exc:
            fail("%s; fix that, then run again" % exc)
        except (IOError, OSError) as exc:
            fail("cannot set the mode of %s: %s" % (d["path"], to_native(exc)))
        if d["changed"]:
            result["written"].append(d["path"])
    try:
        for path in ending["remove"]:
            os.unlink(path)
        if ending["keep"]:
            if finish.get("record") is not None:
                _files.atomic_write(os.path.join(finish["dir"], "record.json"), to_bytes(finish["record"]), mode=0o600)
            os.rename(finish["dir"], finish["keep_as"])
        elif ending["remove_dir"]:
            shutil.rmtree(finish["dir"])
    except (_files.FileWriteError, IOError, OSError) as exc:
        fail("the files are written, but the end of the join failed: %s; fix that, then run again" % to_native(exc))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
