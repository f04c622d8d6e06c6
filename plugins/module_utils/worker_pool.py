# -*- coding: utf-8 -*-
# Copyright: moodleops.auth contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small bounded pool of threads for independent requests: each worker has its own context (its own HTTP
session: requests.Session is not thread-safe), items are taken in order, outcomes are kept in input order."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading


def run_in_workers(items, work, contexts, stop_after=None):
    """Call ``work(context, item)`` for every item, one thread per context (at most ``len(contexts)`` at once).

    Returns the exception raised for each item (None when it succeeded or was never started), in the order of
    ``items``. When ``stop_after(error)`` is true for an error, no further item is started (running ones finish)."""
    errors = [None] * len(items)
    lock = threading.Lock()
    position = [0]
    stopped = [False]

    def next_index():
        with lock:
            if stopped[0] or position[0] >= len(items):
                return None
            index = position[0]
            position[0] += 1
            return index

    def worker(context):
        while True:
            index = next_index()
            if index is None:
                return
            try:
                work(context, items[index])
            except Exception as error:  # pylint: disable=broad-except  # handed back to the caller, in order
                errors[index] = error
                if stop_after is not None and stop_after(error):
                    with lock:
                        stopped[0] = True

    threads = [threading.Thread(target=worker, args=(context,), name="moodleops-worker-%d" % number)
               for number, context in enumerate(contexts[:max(1, len(items))])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
