"""The Moodle releases the simulator emulates, and the facts that differ between them.

Pages ask ``ctx.state.moodle`` (a MoodleVersion) instead of comparing version strings: ``state.moodle.is51``,
``state.moodle.docs`` ("405" / "501" in docs.moodle.org links), ``state.moodle.release``."""


class MoodleVersion(object):
    def __init__(self, key, release, version, branch, protocol_version):
        self.key = key                      # "4.5" | "5.1": what --moodle takes
        self.release = release              # $release, shown in the admin footer and site info
        self.version = version              # $version without the ".00"
        self.branch = branch                # $branch: "405", "501"
        self.docs = branch                  # docs.moodle.org/<branch>/en/... in help and error links
        self.protocol_version = protocol_version

    @property
    def is51(self):
        return self.key == "5.1"

    def __repr__(self):
        return "MoodleVersion(%s)" % self.release


VERSIONS = {
    "4.5": MoodleVersion("4.5", "4.5.6 (Build: 20250811)", "2024100706", "405", "2024100700"),
    "5.1": MoodleVersion("5.1", "5.1.3 (Build: 20260216)", "2025100603", "501", "2025100600"),
}
DEFAULT = "4.5"


def moodle_version(key):
    key = str(key or DEFAULT)
    if key not in VERSIONS:
        raise ValueError("unknown Moodle version %r (choose %s)" % (key, ", ".join(sorted(VERSIONS))))
    return VERSIONS[key]
