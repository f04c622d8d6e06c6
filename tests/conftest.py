"""Makes the repository importable as ansible_collections.moodleops.auth for pytest runs."""

from collection_paths import make_importable

make_importable()
