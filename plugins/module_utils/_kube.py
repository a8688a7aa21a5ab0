# -*- coding: utf-8 -*-
# Copyright: (c) 2026, hardway.nodejoin contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place that turns module parameters into a ``kubernetes`` API client.

Every module of this collection that talks to the API server is a :class:`KubeModule`: it
merges :data:`CONNECTION_ARG_SPEC` into the module's options, fails with one
``missing_required_lib`` message when the ``kubernetes`` library is missing, builds its
client with :func:`build_api_client` and runs its calls through :meth:`KubeModule.call`,
which passes the module's ``request_timeout`` to every request. So an unreachable server, a
TLS failure, a 401 and a 403 each give the same clear message everywhere (modelled on
``kubernetes.core``'s ``module_utils/k8s/client.py``), and no request waits longer than the
user said.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config
    from kubernetes.client.rest import ApiException
    from kubernetes.config.config_exception import ConfigException

    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
    KUBERNETES_IMPORT_TRACEBACK = None
except ImportError as exc:  # pragma: no cover - exercised on hosts without the library
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = exc
    KUBERNETES_IMPORT_TRACEBACK = traceback.format_exc()

    class ApiException(Exception):
        """Stand-in for ``kubernetes.client.rest.ApiException`` (never raised without the library)."""

    class ConfigException(Exception):
        """Stand-in for ``kubernetes.config.config_exception.ConfigException`` (never raised without the library)."""

try:
    import urllib3
except ImportError:  # pragma: no cover
    urllib3 = None

#: Where to get the library, added to ``missing_required_lib``'s message.
KUBERNETES_INSTALL_HINT = "Debian: apt install python3-kubernetes; pip: pip install kubernetes"

#: Default seconds for one request (connect + read), passed as ``_request_timeout``.
DEFAULT_REQUEST_TIMEOUT = 15

#: Module ``argument_spec`` entries shared by every API module (see DOCUMENTATION there).
CONNECTION_ARG_SPEC = dict(
    kubeconfig=dict(type="path", default="/etc/kubernetes/admin.conf"),
    context=dict(type="str"),
    host=dict(type="str"),
    ca_cert=dict(type="path", aliases=["ssl_ca_cert"]),
    client_cert=dict(type="path"),
    client_key=dict(type="path", no_log=False),
    api_token=dict(type="str", no_log=True),
    validate_certs=dict(type="bool", default=True),
    request_timeout=dict(type="int", default=DEFAULT_REQUEST_TIMEOUT),
)


class KubeError(Exception):
    """An API call failed; ``str()`` says why and what to check.

    ``status`` is the HTTP status (401, 403, 404, 409, ...) or ``None`` when no HTTP
    answer came back (connection or TLS failure).
    """

    def __init__(self, message, status=None, reason=None):
        super(KubeError, self).__init__(message)
        self.status = status
        self.reason = reason


def build_api_client(kubeconfig=None, context=None, host=None, ca_cert=None, client_cert=None,
                     client_key=None, api_token=None, validate_certs=True, server=None):
    """Build a ``kubernetes.client.ApiClient``.

    Either from ``host`` (``https://addr:port``) with optional ``ca_cert``, ``client_cert``
    and ``client_key`` (paths) and ``api_token`` (a bearer token, e.g. a bootstrap token
    ``<token-id>.<token-secret>``), or, when ``host`` is not given, from the kubeconfig
    file ``kubeconfig`` (and its ``context``, default the current one). ``server`` then
    replaces the kubeconfig's server URL, keeping its CA and credentials (one API server of
    several, or the load balancer in front of them; it must be among the certificate's SANs).

    Raises :class:`KubeError` when the kubernetes library is missing, the kubeconfig
    does not exist or cannot be loaded.
    """
    if not HAS_KUBERNETES:
        raise KubeError("the Python library 'kubernetes' is required on this host (%s): %s"
                        % (KUBERNETES_INSTALL_HINT, KUBERNETES_IMPORT_ERROR))
    if host:
        configuration = k8s_client.Configuration()
        configuration.host = host
        configuration.verify_ssl = validate_certs
        if ca_cert:
            configuration.ssl_ca_cert = ca_cert
        if client_cert:
            configuration.cert_file = client_cert
        if client_key:
            configuration.key_file = client_key
        if api_token:
            configuration.api_key = {"authorization": "Bearer " + api_token}
        _no_retries(configuration)
        return k8s_client.ApiClient(configuration)
    if not kubeconfig or not os.path.exists(kubeconfig):
        raise KubeError("kubeconfig %s does not exist: set 'kubeconfig' to the admin kubeconfig of "
                        "the control plane (e.g. /etc/kubernetes/admin.conf) or give 'host'" % kubeconfig)
    configuration = k8s_client.Configuration()
    try:
        k8s_config.load_kube_config(config_file=kubeconfig, context=context,
                                    client_configuration=configuration, persist_config=False)
    except (ConfigException, ValueError, OSError) as exc:
        raise KubeError("cannot load kubeconfig %s%s: %s"
                        % (kubeconfig, " (context %s)" % context if context else "", exc))
    if server:
        _replace_server(configuration, server.rstrip("/"))
    if not validate_certs:
        configuration.verify_ssl = False
    _no_retries(configuration)
    return k8s_client.ApiClient(configuration)


def _replace_server(configuration, server):
    configuration.host = server
    # a kubeconfig with a token sets a hook that copies its own server back before each request
    hook = getattr(configuration, "refresh_api_key_hook", None)
    if hook is not None:
        def refresh_keeping_server(conf):
            hook(conf)
            conf.host = server
        configuration.refresh_api_key_hook = refresh_keeping_server


def _no_retries(configuration):
    # Fail fast: the caller's own wait loops decide how long to keep trying.
    if hasattr(configuration, "retries"):
        configuration.retries = 0


def connection_params(params):
    """The keyword arguments of :func:`build_api_client` from module ``params`` (dict)."""
    return dict(kubeconfig=params.get("kubeconfig"), context=params.get("context"), host=params.get("host"),
                ca_cert=params.get("ca_cert"), client_cert=params.get("client_cert"),
                client_key=params.get("client_key"), api_token=params.get("api_token"),
                validate_certs=params.get("validate_certs", True), server=params.get("server"))


def default_request_timeout(api_client, seconds):
    """Make every request of ``api_client`` that names no timeout of its own wait at most
    ``seconds`` (connect + read), and return ``api_client``.

    The kubernetes client sends requests without any timeout unless each call passes
    ``_request_timeout``; some calls cannot (the discovery a ``kubernetes.dynamic.DynamicClient``
    makes when it is created). This wraps the client's one way out,
    ``rest_client.request``, which every typed, dynamic and raw request goes through.
    """
    rest = api_client.rest_client
    real = rest.request

    def request(*args, **kwargs):
        if kwargs.get("_request_timeout") is None:
            kwargs["_request_timeout"] = seconds
        return real(*args, **kwargs)

    rest.request = request
    return api_client


def api_client_from_module(module):
    """Build the client from an AnsibleModule whose spec includes CONNECTION_ARG_SPEC.

    Fails the module (``fail_json``) with the :class:`KubeError` message on error.
    """
    try:
        return build_api_client(**connection_params(module.params))
    except KubeError as exc:
        module.fail_json(msg=str(exc))


class KubeModule(object):
    """The base of every API module: an AnsibleModule with the connection options, the
    dependency check, the client, and calls that honour ``request_timeout``.

    ``argument_spec`` is the module's own options; :data:`CONNECTION_ARG_SPEC` is merged
    under them (a module may override an entry, e.g. a shorter ``request_timeout``).
    Other keyword arguments go to ``AnsibleModule``. Without the ``kubernetes`` library the
    module fails at once with ``missing_required_lib``'s message and the import traceback.
    The client is built on first use (:attr:`client`); a kubeconfig that cannot be loaded
    fails the module with the :class:`KubeError` message.
    """

    def __init__(self, argument_spec, **kwargs):
        spec = dict(CONNECTION_ARG_SPEC)
        spec.update(argument_spec)
        self.module = AnsibleModule(argument_spec=spec, **kwargs)
        self.params = self.module.params
        if not HAS_KUBERNETES:
            self.module.fail_json(msg="%s (%s)" % (missing_required_lib("kubernetes"), KUBERNETES_INSTALL_HINT),
                                  exception=KUBERNETES_IMPORT_TRACEBACK)
        self._client = None

    @property
    def client(self):
        """The ``kubernetes.client.ApiClient`` (built once); no request of it waits longer than
        ``request_timeout`` (see :func:`default_request_timeout`)."""
        if self._client is None:
            self._client = default_request_timeout(api_client_from_module(self.module), self.request_timeout)
        return self._client

    @property
    def request_timeout(self):
        """Seconds for one request (the ``request_timeout`` option)."""
        return self.params["request_timeout"]

    @property
    def check_mode(self):
        return self.module.check_mode

    def api(self, name):
        """A typed API of the client by its class name, e.g. ``api("CoreV1Api")``."""
        return getattr(k8s_client, name)(self.client)

    def call(self, fn, *args, **kwargs):
        """:func:`call` with this module's client and ``request_timeout`` (unless given)."""
        kwargs.setdefault("_request_timeout", self.request_timeout)
        return call(self.client, fn, *args, **kwargs)

    def read(self, fn, *args, **kwargs):
        """:meth:`call` that returns ``None`` for an HTTP 404 instead of raising."""
        try:
            return self.call(fn, *args, **kwargs)
        except KubeError as exc:
            if is_not_found(exc):
                return None
            raise

    def get_raw(self, path):
        """:func:`get_raw` with this module's client and ``request_timeout``."""
        return get_raw(self.client, path, timeout=self.request_timeout)

    def server_version(self):
        """The API server's ``gitVersion`` (str, e.g. ``v1.36.3``) from ``GET /version``.

        :raises KubeError: no answer, an HTTP status other than 200, or no JSON.
        """
        status, text = self.get_raw("/version")
        if status != 200:
            raise KubeError("GET /version on %s answered HTTP %s: %s" % (server_of(self.client), status, text[:200]))
        try:
            return json.loads(text).get("gitVersion")
        except ValueError:
            raise KubeError("GET /version on %s did not answer JSON: %s" % (server_of(self.client), text[:200]))

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    def exit(self, **kwargs):
        self.module.exit_json(**kwargs)

    def run(self, body):
        """Run ``body()`` and exit with the dict it returns; a :class:`KubeError` fails the module
        with its message."""
        try:
            result = body()
        except KubeError as exc:
            self.fail(str(exc))
        self.exit(**result)


def server_of(api_client):
    """The API server URL an ``ApiClient`` talks to (str)."""
    return api_client.configuration.host


def call(api_client, fn, *args, **kwargs):
    """Run ``fn(*args, **kwargs)`` (a kubernetes client API method) and translate failures.

    Returns what ``fn`` returns. Raises :class:`KubeError` with a message naming the
    problem: connection refused / unreachable, TLS verification failure, 401 (bad or
    expired credentials), 403 (RBAC), other HTTP errors with the server's message.
    A ``_request_timeout`` in seconds is added unless given.
    """
    kwargs.setdefault("_request_timeout", DEFAULT_REQUEST_TIMEOUT)
    server = server_of(api_client)
    try:
        return fn(*args, **kwargs)
    except ApiException as exc:
        raise KubeError(describe_api_exception(exc, server), status=exc.status, reason=exc.reason)
    except Exception as exc:  # urllib3 errors, raised as many different types
        raise KubeError(describe_transport_error(exc, server))


def describe_api_exception(exc, server):
    """A one-line explanation of an ``ApiException`` from ``server`` (str).

    ``status`` 0 (or none) means no HTTP answer came back: the kubernetes client raises
    ``ApiException(status=0)`` for urllib3 ``SSLError``s and for requests it cannot prepare.
    """
    if not exc.status:
        reason = " ".join(str(exc.reason or "").split())
        if urllib3 is not None and ("SSLError" in reason or "CERTIFICATE_VERIFY_FAILED" in reason):
            return describe_transport_error(urllib3.exceptions.SSLError(reason), server)
        return "API request to %s was not sent or got no answer: %s" % (server, reason or "unknown error")
    message = _server_message(exc)
    if exc.status == 401:
        return ("the API server %s rejected the credentials (401 Unauthorized): the client "
                "certificate is not signed by its --client-ca-file, or the token is wrong or expired"
                % server)
    if exc.status == 403:
        return "forbidden by the API server %s (403): %s" % (server, message)
    status = " ".join(str(part) for part in (exc.status, exc.reason) if part)
    return "API request to %s failed (%s): %s" % (server, status, message)


def describe_transport_error(exc, server):
    """A one-line explanation of a connection or TLS error talking to ``server`` (str).

    The cause is ``exc.reason`` when that is an exception (urllib3's ``MaxRetryError``
    wraps the real error there; ``ssl.SSLError.reason`` is a mere string). An exception
    that is no transport error at all (e.g. the client rejecting an argument or failing to
    deserialize the answer) is reported as such, not as "cannot reach".
    """
    import http.client
    import socket
    import ssl

    reason = getattr(exc, "reason", None)
    cause = reason if isinstance(reason, BaseException) else exc
    text = " ".join(str(cause).split()) or type(cause).__name__
    u3 = urllib3.exceptions if urllib3 is not None else None
    tls_types = (ssl.SSLError,) + ((u3.SSLError,) if u3 else ())
    if isinstance(cause, tls_types) or isinstance(exc, tls_types) or "CERTIFICATE_VERIFY_FAILED" in text \
            or "[SSL" in text:
        return ("TLS failure talking to %s: %s. Check that the CA certificate given (ca_cert / the "
                "kubeconfig's certificate-authority) signed the API server's certificate and that the "
                "address is among its SANs" % (server, text))
    timeout_types = (socket.timeout,) + ((u3.TimeoutError,) if u3 else ())
    # urllib3's NewConnectionError subclasses ConnectTimeoutError for historical reasons
    not_timeout = (u3.NewConnectionError,) if u3 else ()
    if (isinstance(cause, timeout_types) and not isinstance(cause, not_timeout)) or "timed out" in text.lower():
        return "the API server %s did not answer in time: %s" % (server, text)
    transport_types = (OSError, http.client.HTTPException) + ((u3.HTTPError,) if u3 else ())
    if isinstance(cause, transport_types) or isinstance(exc, transport_types):
        return ("cannot reach the API server %s: %s. Is kube-apiserver running, and are the address "
                "and port right?" % (server, text))
    return ("the request to the API server %s failed in the client, not on the network (%s: %s): a "
            "call the kubernetes library rejects, or an answer it cannot read (an old python "
            "kubernetes library and a newer server)" % (server, type(cause).__name__, text))


def _server_message(exc):
    body = getattr(exc, "body", None)
    if body:
        try:
            import json

            return json.loads(body).get("message") or body
        except (ValueError, AttributeError, TypeError):
            return body if isinstance(body, str) else repr(body)
    return exc.reason or ""


def is_not_found(error):
    """True when ``error`` (a :class:`KubeError`) is an HTTP 404."""
    return isinstance(error, KubeError) and error.status == 404


def health_path(path):
    """``path`` (``/readyz``, ``/livez?exclude=etcd``) with the ``verbose`` query parameter, so the
    API server lists every check (Kubernetes documentation "Kubernetes API health endpoints")."""
    return path + ("&" if "?" in path else "?") + "verbose"


def failing_checks(body):
    """The ``[-]`` lines of a verbose health answer (list of str), as the API server prints a failed
    check (``[-]etcd failed: reason withheld``)."""
    return [line for line in body.splitlines() if line.startswith("[-]")]


def get_raw(api_client, path, timeout=DEFAULT_REQUEST_TIMEOUT):
    """GET a non-resource path (``/readyz``, ``/livez?verbose``, ``/version``) with the client's
    credentials. Returns ``(status, body_text)``; an HTTP error status is returned, not raised.

    Raises :class:`KubeError` for connection and TLS failures (see :func:`describe_transport_error`).
    Works with kubernetes client 22 (Debian bookworm) through 37.
    """
    configuration = api_client.configuration
    headers = {"Accept": "text/plain, application/json"}
    auth = (getattr(configuration, "api_key", None) or {}).get("authorization")
    if auth:
        prefix = (getattr(configuration, "api_key_prefix", None) or {}).get("authorization")
        headers["Authorization"] = "%s %s" % (prefix, auth) if prefix else auth
    url = configuration.host.rstrip("/") + path
    try:
        response = api_client.rest_client.request("GET", url, headers=headers, _request_timeout=timeout)
    except ApiException as exc:  # client <= 28 raises for non-2xx
        return exc.status, _text(exc.body)
    except Exception as exc:
        raise KubeError(describe_transport_error(exc, configuration.host))
    data = response.read() if hasattr(response, "read") and getattr(response, "data", None) is None else response.data
    return response.status, _text(data)


def _text(data):
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
