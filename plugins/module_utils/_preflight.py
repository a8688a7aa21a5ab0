# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks made before a worker joins, as pure functions (kubeadm's join preflight, adapted).

Each ``*_problem`` function returns ``None`` when all is well, else one sentence that says
what is wrong and what to fix. Nothing here touches the host or the network; the
``node_preflight`` module gathers the facts and calls these.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
from email.utils import parsedate_to_datetime

#: Minor versions a kubelet may be older than kube-apiserver (Kubernetes version skew
#: policy, https://kubernetes.io/releases/version-skew-policy/#kubelet: since 1.28, 3).
KUBELET_MAX_MINOR_SKEW = 3

_VERSION_RE = re.compile(r"v?(\d+)\.(\d+)(?:\.(\d+))?")


def kubelet_node_name(running_flags, config, hostname):
    """The name the kubelet registers its Node under.

    As the kubelet does (``pkg/util/node.GetHostname``): ``--hostname-override`` if set
    (KubeletConfiguration has no such field), else the machine's hostname; blanks trimmed
    and lowercased.

    :arg running_flags: ``{"--flag": value}`` of the kubelet command line.
    :arg config: the kubelet's merged KubeletConfiguration (unused: kept for callers).
    :arg hostname: ``os.uname().nodename`` (str).
    :returns: the node name (str).
    """
    name = (running_flags or {}).get("--hostname-override") or hostname
    return (name or "").strip().lower()


def merge_config(documents):
    """Merge KubeletConfiguration documents the way the kubelet merges its ``--config``
    file and ``--config-dir`` drop-ins: in order, later values win, mappings merge
    key by key, lists and scalars are replaced
    (https://kubernetes.io/docs/tasks/administer-cluster/kubelet-config-file/#kubelet-conf-d).

    :arg documents: list of dicts (``None`` entries are skipped).
    :returns: the merged dict.
    """
    merged = {}
    for doc in documents:
        if isinstance(doc, dict):
            _merge_into(merged, doc)
    return merged


def _merge_into(base, extra):
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge_into(base[key], value)
        else:
            base[key] = value


#: Kubelet flags that set the kubelet API settings; a flag wins over every configuration file
#: (the kubelet re-parses its command line over the merged configuration).
API_FLAGS = {"--anonymous-auth": "anonymous", "--authentication-token-webhook": "webhook",
             "--authorization-mode": "authorization", "--read-only-port": "read_only_port"}


def _flag_bool(value):
    return value is None or str(value).lower() in ("true", "1", "t")


def kubelet_api_settings(config, flags=None):
    """The kubelet API access settings of a KubeletConfiguration, with the kubelet's
    defaults for ``kubelet.config.k8s.io/v1beta1`` where unset, and the command line flags
    of :data:`API_FLAGS` over them.

    :arg config: the merged KubeletConfiguration (dict).
    :arg flags: ``{"--flag": value}`` of the kubelet command line (a bare flag is ``None``).
    :returns: ``dict(anonymous=bool, webhook=bool, authorization=str, read_only_port=int)``.
    """
    authn = (config or {}).get("authentication") or {}
    authz = (config or {}).get("authorization") or {}
    settings = dict(
        anonymous=bool((authn.get("anonymous") or {}).get("enabled", False)),
        webhook=bool((authn.get("webhook") or {}).get("enabled", True)),
        authorization=authz.get("mode") or "Webhook",
        read_only_port=int((config or {}).get("readOnlyPort", 0) or 0),
    )
    for flag, key in API_FLAGS.items():
        if flag in (flags or {}):
            value = flags[flag]
            if key in ("anonymous", "webhook"):
                settings[key] = _flag_bool(value)
            elif key == "read_only_port":
                settings[key] = int(value or 0)
            else:
                settings[key] = value or settings[key]
    return settings


def api_flag_problems(flags, wanted):
    """Kubelet command line flags that would override (and weaken) the kubelet API settings
    the join writes into a configuration drop-in: a flag wins over every file.

    :arg flags: ``{"--flag": value}`` of the kubelet command line.
    :arg wanted: the settings the join writes (``anonymous``, ``webhook``, ``authorization``).
    :returns: list of problem sentences (empty when none).
    """
    problems = []
    current = kubelet_api_settings({}, flags)
    for flag, key in API_FLAGS.items():
        if flag not in (flags or {}):
            continue
        weaker = ((key == "anonymous" and current[key] and not wanted.get("anonymous", False))
                  or (key == "webhook" and not current[key] and wanted.get("webhook", True))
                  or (key == "authorization" and current[key] != "Webhook" and wanted.get("authorization") == "Webhook")
                  or (key == "read_only_port" and current[key] != 0))
        if weaker:
            problems.append("the kubelet's command line sets %s=%s, which overrides its configuration files and "
                            "would leave its API %s: remove the flag from its unit"
                            % (flag, flags[flag], "open" if key != "webhook" else "without webhook authentication"))
    return problems


def stricter_api_settings(existing, wanted):
    """Never weaken: combine what a kubelet has now with what the join would write.

    :arg existing: :func:`kubelet_api_settings` of the kubelet's current configuration,
        or ``None`` when it has none.
    :arg wanted: ``dict(anonymous=bool, webhook=bool, authorization="Webhook"|"AlwaysAllow")``.
    :returns: ``(settings, kept)``: the settings to write (anonymous off if either is
        off, webhook authentication on if either is on, ``Webhook`` authorization if
        either uses it) and the list of names where the existing, stricter value was kept.
    """
    if not existing:
        return dict(wanted), []
    result = dict(wanted)
    kept = []
    if wanted["anonymous"] and not existing["anonymous"]:
        result["anonymous"] = False
        kept.append("authentication.anonymous.enabled")
    if not wanted["webhook"] and existing["webhook"]:
        result["webhook"] = True
        kept.append("authentication.webhook.enabled")
    if wanted["authorization"] == "AlwaysAllow" and existing["authorization"] == "Webhook":
        result["authorization"] = "Webhook"
        kept.append("authorization.mode")
    return result, kept


def parse_version(text):
    """``(major, minor, patch)`` of ``v1.36.3`` / ``Kubernetes v1.36.3`` / ``1.36``; ``None``
    when no version is found."""
    match = _VERSION_RE.search(text or "")
    if not match:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def version_skew_problem(kubelet_version, server_version, max_minor_skew=KUBELET_MAX_MINOR_SKEW):
    """The kubelet must not be newer than kube-apiserver, nor more than ``max_minor_skew``
    minor versions older (Kubernetes version skew policy). Unknown versions pass."""
    kubelet, server = parse_version(kubelet_version), parse_version(server_version)
    if not kubelet or not server:
        return None
    if kubelet[:2] > server[:2]:
        return ("the kubelet (v%d.%d) is newer than kube-apiserver (v%d.%d): the version skew policy forbids "
                "it; install a kubelet of v%d.%d or older" % (kubelet[:2] + server[:2] + server[:2]))
    if kubelet[0] == server[0] and server[1] - kubelet[1] > max_minor_skew:
        return ("the kubelet (v%d.%d) is more than %d minor versions older than kube-apiserver (v%d.%d): "
                "upgrade the kubelet" % (kubelet[:2] + (max_minor_skew,) + server[:2]))
    return None


def clock_skew_seconds(date_header, now):
    """Seconds this host's clock is ahead (+) or behind (-) the server's, from an HTTP
    ``Date`` header (RFC 9110, IMF-fixdate) and ``now`` (aware UTC datetime). ``None``
    when the header is missing or unreadable."""
    if not date_header:
        return None
    try:
        server = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if server is None:
        return None
    if server.tzinfo is None:
        server = server.replace(tzinfo=datetime.timezone.utc)
    return (now - server).total_seconds()


def clock_skew_problem(skew, max_skew):
    """A clock more than ``max_skew`` seconds off breaks certificates and token expiry."""
    if skew is None or abs(skew) <= max_skew:
        return None
    return ("this host's clock is %.0f s %s the API server's (more than %d s): certificates and bootstrap "
            "tokens would look not yet valid or expired; synchronise the clock (e.g. systemd-timesyncd or "
            "chrony)" % (abs(skew), "ahead of" if skew > 0 else "behind", max_skew))


def token_review_problem(status, body, token_id, server):
    """Judge the answer to a ``SelfSubjectReview`` POSTed with the bootstrap token
    (authentication.k8s.io/v1; the API server answers with the identity the token
    authenticates as, ``system:bootstrap:<token-id>``, or ``401`` when it knows no such
    valid token).

    :arg status: HTTP status (int).
    :arg body: the decoded JSON answer (dict) or ``None``.
    :returns: ``(problem_or_None, user_info_dict)``. The token secret is never part of
        the message.
    """
    if status == 401:
        return ("the API server %s does not accept bootstrap token %s (401 Unauthorized): it is unknown, "
                "expired, or kube-apiserver runs without --enable-bootstrap-token-auth=true. Make a new token "
                "(run the control_plane role, or 'kubeadm token create'-style: a Secret bootstrap-token-<id> "
                "in kube-system) and run again" % (server, token_id)), {}
    if status == 404:
        # SelfSubjectReview is GA since 1.28 (beta 1.27); an older server cannot answer: not a failure.
        return None, {}
    if status == 403:
        return ("the API server %s authenticated bootstrap token %s but forbids it a SelfSubjectReview (403): "
                "its RBAC lacks the system:basic-user binding for authenticated users" % (server, token_id)), {}
    if status not in (200, 201):
        return ("checking bootstrap token %s against %s failed with HTTP %s" % (token_id, server, status)), {}
    user = ((body or {}).get("status") or {}).get("userInfo") or {}
    expected = "system:bootstrap:%s" % token_id
    if user.get("username") != expected:
        return ("the API server %s authenticates the token as %r, not %s: this is no bootstrap token"
                % (server, user.get("username"), expected)), user
    if "system:bootstrappers" not in (user.get("groups") or []):
        return ("token %s is not in the group system:bootstrappers on %s" % (token_id, server)), user
    return None, user


def cgroup_driver_problem(kubelet_driver, runc_systemd_cgroup, kubelet_version=None, containerd_version=None):
    """The kubelet's ``cgroupDriver`` must be containerd's runc cgroup driver
    (``SystemdCgroup``), as the kubelet docs require ("Configuring a cgroup driver").
    ``None`` values (unknown) pass.

    A kubelet of 1.34 or newer takes the driver from a runtime that reports it over CRI
    (feature KubeletCgroupDriverFromCRI, GA in 1.34; containerd does from 2.0), so its own
    ``cgroupDriver`` does not matter then and nothing is reported."""
    kubelet, containerd = parse_version(kubelet_version), parse_version(containerd_version)
    if kubelet and containerd and kubelet[:2] >= (1, 34) and containerd[0] >= 2:
        return None
    if kubelet_driver is None or runc_systemd_cgroup is None:
        return None
    runtime = "systemd" if runc_systemd_cgroup else "cgroupfs"
    if kubelet_driver != runtime:
        return ("the kubelet's cgroupDriver is %s but containerd's runc uses %s (SystemdCgroup = %s): pods would "
                "fail; make them the same (kubelet config cgroupDriver, or containerd's SystemdCgroup)"
                % (kubelet_driver, runtime, "true" if runc_systemd_cgroup else "false"))
    return None


def swap_problem(proc_swaps, fail_swap_on):
    """Swap on while the kubelet's ``failSwapOn`` (default true) holds makes it refuse to start.

    :arg proc_swaps: the text of ``/proc/swaps`` (a header line, then one line per device).
    """
    devices = [line.split()[0] for line in (proc_swaps or "").splitlines()[1:] if line.strip()]
    if devices and fail_swap_on:
        return ("swap is on (%s) and the kubelet's failSwapOn is true: the kubelet would not start; turn swap "
                "off (swapoff -a and /etc/fstab) or set failSwapOn: false" % ", ".join(devices))
    return None


def runc_systemd_cgroup(containerd_config_dump):
    """``SystemdCgroup`` of containerd's runc runtime from ``containerd config dump`` (TOML
    text): ``True``/``False``, or ``None`` when not found or inconsistent."""
    values = set(re.findall(r"SystemdCgroup\s*=\s*(true|false)", containerd_config_dump or ""))
    if len(values) != 1:
        return None
    return values.pop() == "true"


def join_state(worker, node, machine_id=None, replace=False):
    """Decide, on the control plane, what the join does with one worker.

    :arg worker: the worker's preflight facts: ``dict(kubeconfig_exists=bool, ...)``.
    :arg node: the Node of the worker's node name (``dict(name=str, ready=str, machine_id=str)``)
        or ``None`` when the cluster has none.
    :arg machine_id: the worker's ``/etc/machine-id``.
    :arg replace: ``worker_replace``: a Node of that name left by another machine (a reinstalled
        host) may be deleted so that this one joins anew.
    :returns: ``(state, reason)`` with ``state`` ``"joined"`` (its kubelet runs with a
        kubeconfig: nothing to do), ``"join"``, ``"replace"`` (join after deleting the stale
        Node and its CSRs; only with ``replace``), or ``"refuse"``: a Ready Node of that name
        belongs to another machine (as kubeadm's preflight refuses), or a Node that is not Ready
        was registered by another machine (its kubelet had another key and client certificate:
        the new kubelet would take over its name, labels, taints and status) and ``replace`` is
        false. A worker whose machine id equals the Node's (re-joined after a reset) joins.
    """
    if worker.get("kubeconfig_exists"):
        return "joined", "the kubelet runs with the kubeconfig %s" % worker.get("kubeconfig")
    if not node:
        return "join", None
    other = node.get("machine_id")
    same = bool(machine_id and other and other == machine_id)
    if same:
        return "join", None
    owner = " and belongs to machine %s" % other if other else ""
    if node.get("ready") == "True":
        return "refuse", ("a Ready Node named %s already exists%s: delete it (kubectl delete node %s, or "
                          "playbooks/remove.yml) or give this machine another name (the kubelet's --hostname-override)"
                          % (node.get("name"), owner, node.get("name")))
    if not replace:
        return "refuse", ("a Node named %s already exists%s (Ready: %s), registered by another machine or an "
                          "earlier installation of this one with another key: set worker_replace=true to delete "
                          "that stale Node and its CSRs and join anew, or remove it first (playbooks/remove.yml)"
                          % (node.get("name"), owner, node.get("ready")))
    return "replace", ("replaces the stale Node %s%s (Ready: %s): it and its CSRs are deleted, then this machine "
                       "joins anew" % (node.get("name"), " of machine %s" % other if other else "", node.get("ready")))


#: (pattern in the kubelet's log, likely cause) for a TLS bootstrap that did not finish.
_CAUSES = (
    (re.compile(r"Unauthorized"),
     "the API server rejected the bootstrap token (401): the token is unknown or expired, or bootstrap "
     "token authentication is off on the API server it reached"),
    (re.compile(r"x509|certificate (has expired|is not yet valid|signed by unknown)", re.I),
     "TLS failed (x509): the CA in the bootstrap kubeconfig did not sign the API server's certificate, the "
     "server's address is not among its SANs, or a clock is wrong"),
    (re.compile(r"connection refused|no route to host|i/o timeout|dial tcp", re.I),
     "the kubelet cannot reach the API server: check worker_api_server and the network"),
    (re.compile(r"[Ff]orbidden"),
     "the bootstrap identity may not create CSRs (403): check the kubelet-bootstrap ClusterRoleBinding"),
)


def likely_cause(log_lines):
    """The likely cause of a failed TLS bootstrap from the kubelet's last log lines (list
    of str), newest last; ``None`` when no known pattern matches."""
    for line in reversed(list(log_lines or [])):
        for pattern, cause in _CAUSES:
            if pattern.search(line):
                return cause
    return None
