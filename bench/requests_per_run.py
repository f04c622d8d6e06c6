"""Prints how many HTTP requests (and writes) moodle_webservice_enable's logic makes per run against a fresh
simulator, and how long each run takes. Run: python bench/requests_per_run.py [rounds]"""

import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "tests"), ROOT]
from collection_paths import make_importable  # noqa: E402

make_importable()

from ansible_collections.moodleops.auth.plugins.module_utils.client import MoodleClient  # noqa: E402
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor  # noqa: E402
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.admin_settings import HttpSettings  # noqa: E402
from ansible_collections.moodleops.auth.plugins.module_utils.moodle.webservice import HttpWebServices  # noqa: E402
from tests.moodle_sim import Simulator  # noqa: E402


def one_run(url, write):
    client = MoodleClient({"url": url, "username": "admin", "password": "Admin#12345", "retries": 0}, Redactor())
    settings = HttpSettings(client)
    web = HttpWebServices(client, settings)
    started = time.perf_counter()
    enabled, _mobile = web.switches()
    protocols = web.protocols()
    changes = write and not (enabled and protocols.get("rest"))
    if changes and not enabled:
        web.set_switches({"enablewebservices": True})
    if changes and not protocols.get("rest"):
        web.set_protocol("rest", True)
    if changes:  # the module verifies every write by reading back
        web.forget()
        web.switches()
        web.protocols()
    client.close()
    return time.perf_counter() - started, client.transport.request_count, client.transport.write_count


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    with Simulator(state="fresh") as sim:
        first = one_run(sim.url, write=True)
        reruns = [one_run(sim.url, write=True) for _index in range(rounds)]
    print("first run: %d requests, %d writes, %.1f ms" % (first[1], first[2], first[0] * 1000))
    times = sorted(run[0] for run in reruns)
    print("re-run (x%d): %d requests, %d writes, median %.1f ms, max %.1f ms" % (
        rounds, reruns[0][1], reruns[0][2], times[len(times) // 2] * 1000, times[-1] * 1000))


if __name__ == "__main__":
    main()
