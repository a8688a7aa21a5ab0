# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What systemd really runs for a service, and what the running process really got.

Pure Python (standard library only) so it can be unit tested and shipped as module_utils.

A unit's command comes from its fragment (``FragmentPath``) and its drop-ins
(``DropInPaths``, in the order ``systemctl show`` lists them, which is the order systemd
applies them: systemd.unit(5), "drop-in" directories). ``ExecStart=`` with an empty value
resets the command list (systemd.service(5)), which is how ``systemctl edit`` replaces a
command; the command in effect is the last non-empty ``ExecStart=`` after the last reset.
The flags a running process got are read from ``/proc/<MainPID>/cmdline`` (proc(5)),
NUL separated, and interpreted as Go's pflag does: ``--name=value`` or ``--name value``,
the last occurrence of a flag wins.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import os
import re

from ansible_collections.hardway.nodejoin.plugins.module_utils import _systemd_unit

try:
    _UTC = datetime.timezone.utc
except AttributeError:  # Python 2 (no module of this collection runs there; sanity compiles it)
    _UTC = None

#: ``$VAR`` / ``${VAR}`` references in a command line (systemd.service(5), "Command lines").
_ENV_REF_RE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")


class UnitResolveError(ValueError):
    """What systemd runs cannot be determined or edited safely; the message says why and
    what to do."""


def parse_show(text):
    """Parse ``systemctl show -p A -p B <unit>`` output into ``{"A": "value", ...}``.

    Lines are ``Key=Value`` (systemctl(1), "show"); a line without ``=`` is ignored.
    """
    result = {}
    for line in (text or "").splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            result[key.strip()] = value.strip()
    return result


def unit_files(show):
    """The files systemd read for a unit, in the order it applied them.

    :arg show: :func:`parse_show` output with ``FragmentPath`` and ``DropInPaths``
        (space separated absolute paths).
    :returns: ``[fragment, dropin1, ...]`` (the fragment left out when empty).
    """
    files = []
    if show.get("FragmentPath"):
        files.append(show["FragmentPath"])
    files.extend(p for p in (show.get("DropInPaths") or "").split() if p)
    return files


def effective_exec_start(files):
    """Find the file whose ``ExecStart=`` command systemd runs.

    :arg files: ``[(path, text), ...]`` in the order of :func:`unit_files`.
    :returns: ``(path, command)``: the file holding the command in effect and that
        command's text (``/usr/local/bin/kube-apiserver --v=2 ...``).
    :raises UnitResolveError: no file sets a command, a later file resets it without
        setting a new one, or one file sets more than one command.
    """
    current = None
    for path, text in files:
        for kind, value in _systemd_unit.exec_start_assignments(text):
            if kind == "reset":
                current = None
            elif current is not None and current[0] == path:
                raise UnitResolveError(
                    "%s sets ExecStart= more than once; a service runs one command: merge them" % path)
            else:
                current = (path, value)
    if current is None:
        raise UnitResolveError(
            "none of %s sets an ExecStart= that is in effect (a drop-in may reset it with an empty "
            "'ExecStart=' and set none): systemctl cat shows what systemd reads"
            % ", ".join(p for p, _t in files))
    return current


def env_references(command):
    """``$VAR``/``${VAR}`` names in a command line (list of str, in order, without repeats).

    Flags hidden in such variables (set by ``Environment=``/``EnvironmentFile=``) cannot
    be edited in the command line, so callers refuse to edit such a unit."""
    names = []
    for name in _ENV_REF_RE.findall(command or ""):
        if name not in names:
            names.append(name)
    return names


def parse_cmdline(raw):
    """``/proc/<pid>/cmdline`` (bytes, NUL separated, proc(5)) as a list of str."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    parts = raw.split("\0")
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def argv_flags(argv):
    """The ``--flags`` of a command line, as Go's pflag reads them.

    :arg argv: ``[executable, arg1, ...]``.
    :returns: ``{"--name": value}``; ``value`` is a str, or ``None`` for a bare flag.
        ``--a=1`` and ``--a 1`` (next word not starting with ``-``) give ``"1"``; the last
        occurrence wins (pflag sets scalars in order).
    """
    flags = {}
    words = list(argv[1:])
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            break  # pflag: "--" ends the flags, what follows are arguments
        if not word.startswith("--"):
            continue
        if "=" in word:
            name, value = word.split("=", 1)
        elif i < len(words) and not words[i].startswith("-"):
            name, value = word, words[i]
            i += 1
        else:
            name, value = word, None
        flags[name] = value
    return flags


def _same(wanted, actual):
    if wanted == actual:
        return True
    # a bare boolean flag means true (pflag's NoOptDefVal for bools)
    return str(wanted).lower() == "true" and actual is None


def missing_flags(argv, wanted):
    """Compare the flags a process runs with to the wanted ones.

    :arg argv: the running command line (see :func:`parse_cmdline`).
    :arg wanted: ``{"--name": "value" or None}``.
    :returns: ``[{"flag": name, "wanted": value, "running": value_or_False}]`` for every
        flag that is absent (``running`` ``False``) or has another value; ``[]`` when
        the process runs with all of them.
    """
    running = argv_flags(argv)
    problems = []
    for name, value in wanted.items():
        if name not in running:
            problems.append(dict(flag=name, wanted=value, running=False))
        elif not _same(value, running[name]):
            problems.append(dict(flag=name, wanted=value, running=running[name]))
    return problems


def unusable(unit, info, require_editable=False):
    """Why a service cannot be worked on, as :func:`inspect` found it, or ``None``.

    :arg unit: the unit name (str).
    :arg info: what :func:`inspect` returned.
    :arg require_editable: also refuse a command whose flags come from ``$VARIABLES``.
    :returns: one message (str) saying what to fix: the unit is not loaded, or (with
        ``require_editable``) its ``ExecStart=`` takes flags from ``Environment=`` /
        ``EnvironmentFile=`` variables, so they cannot be edited safely in that file.
    """
    if info["load_state"] != "loaded":
        return ("the unit %s is not loaded (LoadState=%s): is it installed on this host, and is the name right?"
                % (unit, info["load_state"] or "unknown"))
    if require_editable and not info["editable"]:
        return ("%s starts from %s, whose ExecStart= takes flags from the variables %s (Environment=/EnvironmentFile=): "
                "its flags cannot be edited safely there. Put the flags on the ExecStart= line of that file, then run "
                "again" % (unit, info["exec_start_path"], ", ".join("$" + v for v in info["env_references"])))
    return None


def running_missing(main_pid, argv, wanted):
    """:func:`missing_flags` of the running process, or every flag of ``wanted`` (``running``
    ``False``) when the service does not run (``main_pid`` 0)."""
    if not main_pid:
        return [dict(flag=k, wanted=v, running=False) for k, v in wanted.items()]
    return missing_flags(argv, wanted)


def describe_missing(service, problems, exec_start_path):
    """One message for :func:`missing_flags` problems of ``service`` (str)."""
    parts = []
    for p in problems:
        if p["running"] is False:
            parts.append("%s is missing" % p["flag"])
        else:
            parts.append("%s is %r, not %r" % (p["flag"], p["running"], p["wanted"]))
    return ("the running %s does not have the requested flags (%s); systemd starts it from %s: "
            "check that file and its drop-ins ('systemctl cat %s')"
            % (service, "; ".join(parts), exec_start_path or "an unknown file", service))


def inspect(unit, show_text, read_file, read_cmdline):
    """Everything :mod:`systemd_unit_info` reports about ``unit``, from injected readers.

    :arg unit: the unit name (``kubelet.service``).
    :arg show_text: output of ``systemctl show -p LoadState -p ActiveState -p MainPID
        -p FragmentPath -p DropInPaths <unit>``.
    :arg read_file: ``path -> str`` (raises ``OSError``/``IOError`` for unreadable files).
    :arg read_cmdline: ``pid -> argv list`` (``[]`` when the process is gone).
    :returns: ``dict(load_state, active_state, main_pid, fragment_path, drop_in_paths,
        running_argv, running_flags, exec_start_path, exec_start_flags, env_references,
        editable)``; the ``exec_start_*``, ``env_references`` and ``editable`` keys only
        when the unit is loaded.
    :raises UnitResolveError: as :func:`effective_exec_start`, or when a file of the unit
        cannot be read or parsed.
    """
    show = parse_show(show_text)
    try:
        main_pid = int(show.get("MainPID") or 0)
    except ValueError:
        main_pid = 0
    argv = read_cmdline(main_pid) if main_pid else []
    info = dict(load_state=show.get("LoadState", ""), active_state=show.get("ActiveState", ""),
                main_pid=main_pid, fragment_path=show.get("FragmentPath", ""),
                drop_in_paths=(show.get("DropInPaths") or "").split(),
                running_argv=argv, running_flags=argv_flags(argv))
    if info["load_state"] != "loaded":
        return info
    files = []
    for path in unit_files(show):
        try:
            files.append((path, read_file(path)))
        except (IOError, OSError) as exc:
            raise UnitResolveError("cannot read %s, a file of %s: %s" % (path, unit, exc))
    path, command = effective_exec_start(files)
    try:
        info["exec_start_flags"] = dict(_systemd_unit.parse_exec_start(dict(files)[path]))
    except _systemd_unit.UnitFileError as exc:
        raise UnitResolveError("%s (%s): %s" % (unit, path, exc))
    info["exec_start_path"] = path
    info["env_references"] = env_references(command)
    info["editable"] = not info["env_references"]
    return info


#: systemctl show properties :func:`inspect` needs.
SHOW_PROPERTIES = ("LoadState", "ActiveState", "MainPID", "FragmentPath", "DropInPaths")


def read_text(path):
    """The text of the file ``path`` (UTF-8, undecodable bytes kept as surrogates).

    :raises IOError/OSError: the file cannot be read."""
    with open(path, "rb") as handle:
        return handle.read().decode("utf-8", "surrogateescape")


def read_cmdline(pid):
    """The argv of process ``pid`` from ``/proc/<pid>/cmdline`` (list of str); ``[]`` when it is gone."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as handle:
            return parse_cmdline(handle.read())
    except (IOError, OSError):
        return []


def process_start_time(stat_text, proc_stat_text, ticks_per_second):
    """When a process started, as an RFC 3339 UTC string with microseconds (str), or ``None``.

    :arg stat_text: ``/proc/<pid>/stat`` (``starttime``, field 22: clock ticks after boot; the
        command name in parentheses may hold blanks and parentheses, so fields are counted after
        the last ``)``), as proc(5) documents it.
    :arg proc_stat_text: ``/proc/stat`` (``btime``: the boot time, whole seconds since the epoch).
    :arg ticks_per_second: ``os.sysconf('SC_CLK_TCK')`` (int).
    :returns: ``None`` when either text lacks its field. Exact to the second of ``btime``.
    """
    fields = (stat_text or "").rpartition(")")[2].split()
    boot = re.search(r"^btime\s+(\d+)\s*$", proc_stat_text or "", re.M)
    if len(fields) < 20 or not boot or not fields[19].isdigit() or not ticks_per_second:
        return None
    started = int(boot.group(1)) + int(fields[19]) / float(ticks_per_second)
    return datetime.datetime.fromtimestamp(started, _UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def main_started(pid):
    """:func:`process_start_time` of process ``pid`` on this host (``None`` when it is gone)."""
    try:
        return process_start_time(read_text("/proc/%d/stat" % pid), read_text("/proc/stat"), os.sysconf("SC_CLK_TCK"))
    except (IOError, OSError, ValueError):
        return None


def inspect_service(module, name):
    """:func:`inspect` of the service ``name`` on this host (``systemctl show``, the unit's
    files, ``/proc``), for a module; fails the module with the reason on error.

    :arg module: an ``AnsibleModule`` (``get_bin_path``, ``run_command``, ``fail_json``).
    :arg name: the service, with or without ``.service``.
    :returns: ``(unit_name, info)`` with ``info`` as :func:`inspect` returns it.
    """
    unit = name if "." in name else name + ".service"
    args = [module.get_bin_path("systemctl", required=True), "show", "--no-pager"]
    for prop in SHOW_PROPERTIES:
        args += ["-p", prop]
    rc, out, err = module.run_command(args + [unit])
    if rc != 0:
        module.fail_json(msg="systemctl show %s failed: %s" % (unit, err.strip() or out.strip()))
    try:
        info = inspect(unit, out, read_text, read_cmdline)
    except UnitResolveError as exc:
        module.fail_json(msg=str(exc))
    info["main_started"] = main_started(info["main_pid"]) if info["main_pid"] else None
    return unit, info
