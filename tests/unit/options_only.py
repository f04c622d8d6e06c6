"""What the unit tests of resources (tests/unit/test_resources_<area>.py) share: a module context that holds the
options only, so that a check made "before any request" is shown to need neither the client nor the settings
backend."""

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor


class OptionsOnly:
    """The module context as a resource sees it before its first request: the options (the spec's defaults, then
    ``options``), the transport and redaction; asking for the client or the settings backend fails the test."""

    def __init__(self, spec, transport="http", **options):
        self.params = dict((name, item.get("default")) for name, item in spec.items())
        self.params.update(options)
        self.transport = transport
        self.redact = Redactor()

    @property
    def client(self):
        raise AssertionError("the client was asked for before the first request")

    @property
    def settings(self):
        raise AssertionError("the settings backend was asked for before the first request")


def options_error(resource_class, spec, transport="http", **options):
    """The message of the InvalidInputError that ``check_options`` raises for these options, or None."""
    try:
        resource_class(OptionsOnly(spec, transport, **options)).check_options()
    except InvalidInputError as error:
        return str(error)
    return None
