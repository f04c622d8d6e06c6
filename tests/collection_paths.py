"""Where things are, and the ansible_collections/moodleops/auth view of this repository that imports need."""

import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_FIXTURES = os.path.join(os.path.dirname(REPO_ROOT), "shared", "moodle-fixtures")


def collection_root():
    """A directory holding ansible_collections/moodleops/auth -> this repository (made once, gitignored)."""
    marker = os.sep + os.path.join("ansible_collections", "moodleops", "auth")
    if REPO_ROOT.endswith(marker):
        return REPO_ROOT[: -len(marker)]
    root = os.path.join(REPO_ROOT, "tests", "output", "collection_root")
    link = os.path.join(root, "ansible_collections", "moodleops", "auth")
    if not os.path.islink(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(REPO_ROOT, link)
    return root


def make_importable():
    for path in (collection_root(), REPO_ROOT):
        if path not in sys.path:
            sys.path.insert(0, path)
