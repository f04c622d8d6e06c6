# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stand-in for the get-pip.py that ``ansible-test --venv --requirements`` downloads from its CI file host.

Only PyPI is reachable from our machines, so tools/test.sh puts this file in ansible-test's cache
(~/.ansible/test/cache/get_pip_<version>.py). Like get-pip.py it is run inside a fresh virtual environment
with pip install arguments (``--disable-pip-version-check pip==X setuptools==Y ...``): it bootstraps the pip
that ships with Python (ensurepip) and lets that pip install the requested packages from PyPI."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import subprocess
import sys


GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")  # get-pip.py's own switches; pip install has none


def main():
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"])
    return subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade", "--force-reinstall"] + args)


if __name__ == "__main__":
    sys.exit(main())
