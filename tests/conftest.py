"""Makes the repository importable as ansible_collections.moodleops.auth for pytest runs."""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_FIXTURES = os.path.join(os.path.dirname(REPO_ROOT), "shared", "moodle-fixtures")


def _collection_root():
    marker = os.sep + os.path.join("ansible_collections", "moodleops", "auth")
    if REPO_ROOT.endswith(marker):
        return REPO_ROOT[: -len(marker)]
    root = os.path.join(REPO_ROOT, "tests", "output", "collection_root")
    link = os.path.join(root, "ansible_collections", "moodleops", "auth")
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO_ROOT, link)
    return root


sys.path.insert(0, _collection_root())
if REPO_ROOT not in sys.path:
    sys.path.insert(1, REPO_ROOT)
