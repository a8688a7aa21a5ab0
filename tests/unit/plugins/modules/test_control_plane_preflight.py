# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""control_plane_preflight in-process: a CA made with the openssl CLI, systemd's answers for the
services replaced by canned ``inspect_service`` results, the API by a fake ``/version``. It reads,
never writes; a CA whose key is another one's, or a unit whose flags come from variables, fail
with the file named, before any request to the API server."""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import json
import os
import shutil

import pytest

kubernetes = pytest.importorskip("kubernetes")

from ansible_collections.hardway.nodejoin.plugins.module_utils import _kube  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.module_utils import _unit_resolve  # noqa: E402
from ansible_collections.hardway.nodejoin.plugins.modules import control_plane_preflight  # noqa: E402
from ansible_collections.hardway.nodejoin.tests.unit.helpers import (  # noqa: E402
    APISERVER_UNIT, FakeApi, fake_kube, make_openssl_ca, run_module)

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")

RUNNING = ["/usr/local/bin/kube-apiserver", "--enable-bootstrap-token-auth=true", "--authorization-mode=Node,RBAC"]


def _service(running_argv, main_pid=812, env_references=(), path="/nonexistent/kube-apiserver.service"):
    return dict(load_state="loaded", active_state="active" if main_pid else "failed", main_pid=main_pid,
                exec_start_path=path,
                env_references=list(env_references), editable=not env_references,
                running_argv=list(running_argv), running_flags={})


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A CA, the module args, a fake API answering /version, and canned services; ``seen``
    lists the API paths asked for."""
    cert, key = make_openssl_ca(tmp_path / "ca")
    seen = []

    def get_raw(client, path, timeout):
        seen.append(path)
        return 200, json.dumps({"gitVersion": "v1.36.3"})

    fake_kube(monkeypatch, FakeApi({}))
    monkeypatch.setattr(_kube, "get_raw", get_raw)
    unit = tmp_path / "kube-apiserver.service"
    unit.write_text(APISERVER_UNIT)
    kcm = tmp_path / "kube-controller-manager.service"
    kcm.write_text("[Service]\nExecStart=/usr/local/bin/kube-controller-manager --cluster-signing-cert-file=/pki/ca.crt\n")
    services = {"kube-apiserver": _service(RUNNING, path=str(unit)),
                "kube-controller-manager": _service([], main_pid=0, path=str(kcm))}
    monkeypatch.setattr(_unit_resolve, "inspect_service",
                        lambda module, name: (name + ".service", dict(services[name])))
    args = dict(ca_cert_path=str(cert), ca_key_path=str(key),
                kubelet_client=dict(path=str(tmp_path / "kc.crt"), privatekey_path=str(tmp_path / "kc.key"),
                                    common_name="kube-apiserver-kubelet-client"),
                services=[dict(name="kube-apiserver",
                               expect_running_flags={"--enable-bootstrap-token-auth": "true",
                                                     "--kubelet-client-certificate": "/pki/kc.crt"}),
                          dict(name="kube-controller-manager",
                               expect_running_flags={"--cluster-signing-cert-file": "/pki/ca.crt"})])
    return dict(args=args, seen=seen, services=services, tmp=tmp_path, cert=str(cert))


def test_one_run_reports_the_api_the_ca_the_certificate_plan_and_the_missing_flags(env, monkeypatch, capsys):
    before = sorted(os.listdir(str(env["tmp"])))
    result = run_module(control_plane_preflight.main, env["args"], monkeypatch, capsys)
    assert not result.get("failed"), result
    assert result["changed"] is False and result["server_version"] == "v1.36.3"
    with open(env["cert"]) as handle:
        assert result["ca_cert"] == handle.read()
    assert result["kubelet_client"]["issue"] is True
    assert any("does not exist" in reason for reason in result["kubelet_client"]["reasons"])
    apiserver = result["services"]["kube-apiserver"]
    assert [m["flag"] for m in apiserver["missing"]] == ["--kubelet-client-certificate"]
    assert "running_argv" not in apiserver
    # not running: every wanted flag is missing
    assert result["services"]["kube-controller-manager"]["missing"] == [
        dict(flag="--cluster-signing-cert-file", wanted="/pki/ca.crt", running=False)]
    # what systemd_unit_flags would change in each file: the lesson's unit lacks both flags, the
    # controller-manager's file has its flag already (though the process is not running)
    assert [(c["flag"], c["action"]) for c in apiserver["file_changes"]] == [
        ("--enable-bootstrap-token-auth", "added"), ("--kubelet-client-certificate", "added")]
    assert result["services"]["kube-controller-manager"]["file_changes"] == []
    assert result["kubelet_client"]["modes_ok"] is False
    assert env["seen"] == ["/version"]
    assert sorted(os.listdir(str(env["tmp"]))) == before, "a preflight writes nothing"
    with open(os.path.join(str(env["tmp"]), "kube-apiserver.service")) as handle:
        assert handle.read() == APISERVER_UNIT


def test_a_certificate_to_keep_with_its_modes_needs_no_x509_run(env, monkeypatch, capsys):
    """After x509_certificate made the certificate, the preflight says: keep it, modes right."""
    from ansible_collections.hardway.nodejoin.plugins.modules import x509_certificate
    client = env["args"]["kubelet_client"]
    made = run_module(x509_certificate.main, dict(path=client["path"], privatekey_path=client["privatekey_path"],
                                                  ca_cert_path=env["args"]["ca_cert_path"],
                                                  ca_key_path=env["args"]["ca_key_path"],
                                                  common_name=client["common_name"]), monkeypatch, capsys)
    assert made["changed"], made
    result = run_module(control_plane_preflight.main, env["args"], monkeypatch, capsys)
    assert result["kubelet_client"] == dict(issue=False, reasons=[], modes_ok=True), result["kubelet_client"]
    os.chmod(client["privatekey_path"], 0o644)
    result = run_module(control_plane_preflight.main, env["args"], monkeypatch, capsys)
    assert result["kubelet_client"]["modes_ok"] is False


def test_a_ca_key_of_another_ca_fails_naming_both_files_before_any_request(env, monkeypatch, capsys):
    _other_cert, other_key = make_openssl_ca(env["tmp"] / "other", name="other")
    env["args"]["ca_key_path"] = str(other_key)
    result = run_module(control_plane_preflight.main, env["args"], monkeypatch, capsys)
    assert result["failed"] and "does not match" in result["msg"] and str(other_key) in result["msg"]
    assert env["seen"] == []


def test_a_unit_whose_flags_come_from_variables_fails_with_what_to_do(env, monkeypatch, capsys):
    env["services"]["kube-apiserver"] = _service(RUNNING, env_references=["KUBE_API_ARGS"])
    result = run_module(control_plane_preflight.main, env["args"], monkeypatch, capsys)
    assert result["failed"] and "$KUBE_API_ARGS" in result["msg"] and "ExecStart=" in result["msg"]
    assert env["seen"] == []


def test_renew_before_days_not_below_validity_fails(env, monkeypatch, capsys):
    env["args"]["kubelet_client"].update(validity_days=30, renew_before_days=30)
    result = run_module(control_plane_preflight.main, env["args"], monkeypatch, capsys)
    assert result["failed"] and "renew_before_days (30)" in result["msg"]
