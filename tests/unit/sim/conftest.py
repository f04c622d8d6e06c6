import os
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from tests.moodle_sim import Simulator  # noqa: E402


@pytest.fixture
def sim():
    with Simulator(state="fresh") as s:
        yield s


@pytest.fixture
def configured():
    with Simulator(state="configured") as s:
        yield s
