"""Offline stand-in for ansible-test's get-pip bootstrap script.

ansible-test bootstraps pip into the empty virtual environments of its import
sanity test with get-pip.py, downloaded from its CI file server, which this
project's machines cannot reach. tests/sanity/run.sh saves this file where
ansible-test caches that download (~/.ansible/test/cache/get_pip_X_Y.py, under
a HOME of its own) with @PIP_WHEEL@ replaced by a pip wheel from PyPI. It does
what get-pip.py does: run pip from the wheel to install the requested packages.
"""

import sys

PIP_WHEEL = '@PIP_WHEEL@'


def main():
    args = [arg for arg in sys.argv[1:] if arg not in ('--no-setuptools', '--no-wheel')]
    sys.path.insert(0, PIP_WHEEL)
    from pip._internal.cli.main import main as pip_main  # pylint: disable=import-outside-toplevel
    sys.exit(pip_main(['install', '--upgrade', '--force-reinstall'] + args))


if __name__ == '__main__':
    main()
