#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
---
module: systemd_unit_info
short_description: What systemd really runs for a service, and the flags of the running process
version_added: 0.2.0
description:
  - Asks systemd (C(systemctl show)) which files make up a service unit, its fragment and its drop-ins in the
    order systemd applies them, and finds the one whose C(ExecStart=) is in effect. A unit changed with
    C(systemctl edit) keeps its command in C(/etc/systemd/system/<unit>.service.d/override.conf) after an
    empty C(ExecStart=); that drop-in, not the main unit file, is then what must be edited.
  - Reads the flags of the running process from C(/proc/<MainPID>/cmdline), so a caller can check that an
    edit really took effect after a restart.
  - Reports whether the command can be edited safely. It cannot when its flags come from C($VARIABLES)
    (C(Environment=)/C(EnvironmentFile=)), which an edit of the command line would not see.
author:
  - hardway.nodejoin maintainers (!UNKNOWN)
extends_documentation_fragment:
  - hardway.nodejoin.read_only_attributes
options:
  name:
    description:
      - The service, with or without the C(.service) suffix.
    type: str
    required: true
  require_editable:
    description:
      - Fail when the command in effect cannot be edited safely (see RV(editable)), naming the file and the
        variables.
    type: bool
    default: false
  expect_running_flags:
    description:
      - Flags the running process must have, as a mapping of C(--name) to value (V(null) for a bare flag).
      - The module fails when the service is not running, or a flag is missing or has another value, naming
        each flag and the file systemd starts the service from (unless O(fail_on_missing=false)).
    type: dict
  fail_on_missing:
    description:
      - With V(false), flags of O(expect_running_flags) that the process lacks are only reported in RV(missing).
    type: bool
    default: true
notes:
  - Values are compared as text; a bare boolean flag counts as V(true).
seealso:
  - module: hardway.nodejoin.systemd_unit_flags
"""

EXAMPLES = r"""
- name: Which file holds the kube-apiserver command
  hardway.nodejoin.systemd_unit_info:
    name: kube-apiserver
    require_editable: true
  register: apiserver_unit

- name: Edit that file
  hardway.nodejoin.systemd_unit_flags:
    path: "{{ apiserver_unit.exec_start_path }}"
    flags:
      --enable-bootstrap-token-auth: "true"

- name: After the restart, the running API server has the flag
  hardway.nodejoin.systemd_unit_info:
    name: kube-apiserver
    expect_running_flags:
      --enable-bootstrap-token-auth: "true"
"""

RETURN = r"""
load_state:
  description: systemd's LoadState (V(loaded), V(not-found), ...).
  returned: always
  type: str
  sample: loaded
active_state:
  description: systemd's ActiveState.
  returned: always
  type: str
  sample: active
main_pid:
  description: PID of the running main process, 0 when none.
  returned: always
  type: int
  sample: 4242
main_started:
  description:
    - When the running main process started (from C(/proc/<MainPID>/stat) and the boot time), RFC 3339 UTC,
      exact to the second; null when none runs.
  returned: always
  type: str
  sample: "2026-11-29T10:00:03.450000Z"
fragment_path:
  description: The unit file.
  returned: always
  type: str
  sample: /etc/systemd/system/kube-apiserver.service
drop_in_paths:
  description: The drop-ins, in the order systemd applies them.
  returned: always
  type: list
  elements: str
  sample: [/etc/systemd/system/kube-apiserver.service.d/override.conf]
exec_start_path:
  description: The file whose C(ExecStart=) is in effect (the one to edit).
  returned: when the unit is loaded
  type: str
  sample: /etc/systemd/system/kube-apiserver.service.d/override.conf
exec_start_flags:
  description: The C(--flags) of the command in effect, as written in RV(exec_start_path).
  returned: when the unit is loaded
  type: dict
  sample: {"--enable-bootstrap-token-auth": "true"}
env_references:
  description: C($VARIABLES) the command in effect uses.
  returned: when the unit is loaded
  type: list
  elements: str
  sample: []
editable:
  description: Whether the flags of the command can be edited in RV(exec_start_path).
  returned: when the unit is loaded
  type: bool
  sample: true
running_flags:
  description: The C(--flags) of the running process (empty when it does not run).
  returned: always
  type: dict
  sample: {"--enable-bootstrap-token-auth": "true"}
missing:
  description: Flags of O(expect_running_flags) the running process lacks or has with another value.
  returned: when O(expect_running_flags) is given
  type: list
  elements: dict
  sample: [{"flag": "--enable-bootstrap-token-auth", "wanted": "true", "running": false}]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.hardway.nodejoin.plugins.module_utils import _systemd_unit
from ansible_collections.hardway.nodejoin.plugins.module_utils import _unit_resolve as ur


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            require_editable=dict(type="bool", default=False),
            expect_running_flags=dict(type="dict"),
            fail_on_missing=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    unit, info = ur.inspect_service(module, module.params["name"])
    argv = info.pop("running_argv")
    result = dict(changed=False, **info)
    problem = ur.unusable(unit, result, module.params["require_editable"])
    if problem:
        module.fail_json(msg=problem, **result)
    path = result["exec_start_path"]
    wanted = module.params["expect_running_flags"]
    if wanted is not None:
        try:
            wanted = dict(_systemd_unit.normalise_flags(wanted))
        except _systemd_unit.UnitFileError as exc:
            module.fail_json(msg="expect_running_flags: %s" % exc, **result)
        result["missing"] = ur.running_missing(result["main_pid"], argv, wanted)
        if not result["main_pid"]:
            if not module.params["fail_on_missing"]:
                module.exit_json(**result)
            module.fail_json(msg="%s is not running (ActiveState=%s): 'journalctl -u %s' tells why"
                                 % (unit, result["active_state"], unit), **result)
        if result["missing"] and module.params["fail_on_missing"]:
            module.fail_json(msg=ur.describe_missing(unit, result["missing"], path), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
