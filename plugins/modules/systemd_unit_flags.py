#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
---
module: systemd_unit_flags
short_description: Ensure C(--flag=value) arguments in the ExecStart= of a systemd service unit
version_added: 0.1.0
description:
  - Adds, changes or removes C(--flag=value) arguments of the single C(ExecStart=) command line in the
    C([Service]) section of a systemd unit file or drop-in, for example to give a hand written
    C(kube-apiserver.service) the kubelet client certificate flags.
  - Every other part of the file is kept byte for byte, including the other flags, the backslash
    continuation lines, their indentation and comment lines. When nothing has to change the file is not
    written.
  - An existing flag is changed in place and keeps its form (C(--x=old) becomes C(--x=new), C(--x old)
    becomes C(--x new)). A missing flag is appended as C(--flag=value), on the same line for a one-line
    C(ExecStart=), otherwise on a new continuation line after the last one, with the indentation of the
    existing continuation lines (4 spaces if there are none).
  - A token starting with C(--) is a flag. In C(--flag value) form a flag token followed by a token that
    does not start with C(-) takes that token as its value; a flag followed by another flag or by the end
    of the command is a bare boolean flag. The executable and its special prefixes (C(@), C(-), C(:),
    C(+), C(!), C(!!), see the systemd.service(5) man page) are kept and never matched as flags.
  - Continuation lines and comments are read as described in the systemd.syntax(7) man page. An empty C(ExecStart=)
    reset line followed by one real C(ExecStart=), as used in drop-ins, is accepted; the real one is edited.
  - The module does not reload systemd or restart the service; use a handler with
    M(ansible.builtin.systemd_service) and C(daemon_reload=true) for that.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
options:
  path:
    description:
      - The unit file or drop-in to edit. It must exist.
    type: path
    required: true
  flags:
    description:
      - Flags to manage, as a mapping of flag name to value.
      - Names may be given with or without the leading C(--); they are normalised to C(--name). Only long
        C(--) options are handled.
      - A null value (V(null) or V(~)) means a bare boolean flag, written as C(--flag) without a value.
      - Boolean values are written as C(true)/C(false), numbers as their decimal text.
      - Values must not contain whitespace, newlines, quotes or backslashes; systemd quoting is out of scope
        and such values are refused. C(%) specifiers and C($VAR) references are written as given and
        expanded by systemd.
      - With O(state=absent) only the names are used and the values are ignored.
      - An empty mapping changes nothing and just reports RV(exec_start_flags).
    type: dict
    required: true
  state:
    description:
      - V(present) ensures each flag is present with the given value.
      - V(absent) removes each flag (and a space separated value belonging to it). A continuation line left
        empty is removed and the trailing backslash of the new last line is dropped.
    type: str
    choices: [present, absent]
    default: present
  backup:
    description:
      - Create a backup file including the timestamp information so you can get the original file back if
        you somehow clobbered it incorrectly. Only made when the file changes.
    type: bool
    default: false
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
notes:
  - The file is rewritten atomically (a temporary file in the same directory is moved over it); the owner,
    group, mode and SELinux context of the existing file are kept unless set with the file options.
  - Fails without changing anything when the unit has no C([Service]) section, no C(ExecStart=), more than
    one non-empty C(ExecStart=), or when a managed flag appears more than once in the command line.
seealso:
  - module: ansible.builtin.lineinfile
  - module: ansible.builtin.systemd_service
"""

EXAMPLES = r"""
- name: Let the API server talk to kubelets and accept bootstrap tokens
  hardway.nodejoin.systemd_unit_flags:
    path: /etc/systemd/system/kube-apiserver.service
    flags:
      kubelet-client-certificate: /etc/kubernetes/pki/apiserver-kubelet-client.crt
      kubelet-client-key: /etc/kubernetes/pki/apiserver-kubelet-client.key
      enable-bootstrap-token-auth: "true"
    backup: true
  notify: Restart kube-apiserver

- name: Add a bare boolean flag (written as --v2-mode without a value)
  hardway.nodejoin.systemd_unit_flags:
    path: /etc/systemd/system/example.service
    flags:
      --v2-mode: null

- name: Remove a flag that is no longer wanted
  hardway.nodejoin.systemd_unit_flags:
    path: /etc/systemd/system/kubelet.service
    flags:
      register-node:
    state: absent
  notify: Restart kubelet

- name: Only read the flags of the command line
  hardway.nodejoin.systemd_unit_flags:
    path: /etc/systemd/system/kubelet.service
    flags: {}
  register: kubelet_unit

# The handlers used above, for reference:
#
# - name: Restart kube-apiserver
#   ansible.builtin.systemd_service:
#     name: kube-apiserver
#     state: restarted
#     daemon_reload: true
"""

RETURN = r"""
flags_changed:
  description:
    - One entry per flag that was (or in check mode would be) added, changed or removed, in request order.
    - RV(flags_changed[].before) and RV(flags_changed[].after) hold the value, null for a bare flag, or
      V(false) when the flag is not there.
  returned: always
  type: list
  elements: dict
  sample:
    - flag: --kubelet-client-certificate
      before: false
      after: /etc/kubernetes/pki/apiserver-kubelet-client.crt
      action: added
    - flag: --authorization-mode
      before: Node
      after: Node,RBAC
      action: changed
  contains:
    flag:
      description: The flag name, with the leading C(--).
      type: str
      sample: --kubelet-client-certificate
      returned: always
    before:
      description: The value before, null for a bare flag, V(false) when it was absent.
      type: raw
      sample: false
      returned: always
    after:
      description: The value after, null for a bare flag, V(false) when it is absent now.
      type: raw
      sample: /etc/kubernetes/pki/apiserver-kubelet-client.crt
      returned: always
    action:
      description: What happened to the flag.
      type: str
      sample: added
      returned: always
      choices: [added, changed, removed]
exec_start_flags:
  description: The flags of the resulting (in check mode the predicted) C(ExecStart=), null for bare flags.
  returned: success
  type: dict
  sample:
    --etcd-servers: https://127.0.0.1:2379
    --enable-bootstrap-token-auth: "true"
backup_file:
  description: Name of the backup file that was created.
  returned: changed and if O(backup=true)
  type: str
  sample: /etc/systemd/system/kube-apiserver.service.12345.2026-01-01@12:00:00~
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.text.converters import to_bytes, to_native

from ansible_collections.hardway.nodejoin.plugins.module_utils._files import write_file

from ansible_collections.hardway.nodejoin.plugins.module_utils._systemd_unit import (
    UnitFileError,
    edit_flags,
    normalise_flags,
    parse_exec_start,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            flags=dict(type="dict", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            backup=dict(type="bool", default=False),
        ),
        add_file_common_args=True,
        supports_check_mode=True,
    )
    path = module.params["path"]
    state = module.params["state"]
    b_path = to_bytes(path, errors="surrogate_or_strict")

    if not os.path.exists(b_path):
        module.fail_json(msg="%s does not exist; this module only edits the ExecStart= of an existing unit "
                             "file, create it first (for example with ansible.builtin.template)" % path)
    if os.path.isdir(b_path):
        module.fail_json(msg="%s is a directory; path must be a unit file" % path)

    try:
        requested = normalise_flags(module.params["flags"], state)
    except UnitFileError as exc:
        module.fail_json(msg="%s: %s" % (path, to_native(exc)))

    try:
        with open(b_path, "rb") as handle:
            before = handle.read().decode("utf-8", "surrogateescape")
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (path, to_native(exc)))

    try:
        if state == "present":
            after, changes = edit_flags(before, present=dict(requested))
        else:
            after, changes = edit_flags(before, absent=[name for name, _value in requested])
        resulting = parse_exec_start(after)
    except UnitFileError as exc:
        module.fail_json(msg="%s: %s" % (path, to_native(exc)))

    result = dict(
        changed=bool(changes),
        flags_changed=changes,
        exec_start_flags=dict(resulting),
    )
    if module._diff:
        result["diff"] = dict(
            before=before,
            after=after,
            before_header="%s (content)" % path,
            after_header="%s (content)" % path,
        )

    if changes and not module.check_mode:
        written = write_file(module, path, after.encode("utf-8", "surrogateescape"), backup=module.params["backup"])
        if written["backup_file"]:
            result["backup_file"] = written["backup_file"]

    file_args = module.load_file_common_arguments(module.params)
    result["changed"] = module.set_fs_attributes_if_different(file_args, result["changed"])

    module.exit_json(**result)


if __name__ == "__main__":
    main()
