"""Client conformance: the REAL client parsers (plugins/module_utils) run on real recorded Moodle answers.

Format (the helpers live here, in core.py; each area adds a ``cases_<area>.py`` beside it):

* A module ``tests/unit/client_conformance/cases_<area>.py`` defines ``CASES = [Case(...), ...]``; the loader
  (``load_cases``) imports every ``cases_*.py`` of this package (``from client_conformance.core import Case``) and
  concatenates their ``CASES``.
* ``Case(name, reads, check, versions=("4.5.6", "5.1.3"))``:

  - ``name``: the exchange name WITHOUT its ``NNN-`` prefix (``"f06-functions-add-form"``); numbers differ
    between the version folders after 353, names do not;
  - ``reads``: which client function / parser the case exercises, free text for the report
    (``"services.ExternalServices.addable_functions"``);
  - ``check(recorded, version)``: runs the real client code on the recorded answer and asserts on what it read.
    Expected values come from the recording (raw response text via the ``raw_*`` helpers below, or the
    per-exchange facts of index.json: ``recorded.facts``), never from the parser's own output;
  - ``versions``: the version folders to run against; a case runs against each listed folder that has the
    exchange (``exchange_exists``), so a 4.5.6-only exchange (flow 20, CAS) simply does not run on 5.1.3.

* ``recorded`` (``Recorded``) offers ``.status``, ``.headers`` (list of (name, value)), ``.header(name)``,
  ``.location``, ``.text``, ``.json()``, ``.page`` (a ``page_parser.Page``), ``.response`` (an
  ``http_transport.Response``, what the client's code receives), ``.request_method``, ``.request_path``,
  ``.request_body``, ``.facts`` (the exchange's index.json entry) and ``.version``.

``tests/unit/test_client_conformance.py`` runs every case against every version folder and prints
``client conformance: N/M recorded pages parsed as expected (moodle-<version>)`` in the terminal summary."""

import glob
import importlib
import json
import os
import pkgutil
import re

from collection_paths import SHARED_FIXTURES

try:
    from html import unescape
except ImportError:  # pragma: no cover
    from HTMLParser import HTMLParser
    unescape = HTMLParser().unescape

VERSIONS = ("4.5.6", "5.1.3")
RECORDED_ROOTS = {"4.5.6": "http://127.0.0.1:8080", "5.1.3": "http://127.0.0.1:8081"}
RELEASES = {"4.5.6": "4.5.6 (Build: 20250811)", "5.1.3": "5.1.3 (Build: 20260216)"}
BRANCHES = {"4.5.6": (4, 5), "5.1.3": (5, 1)}


class Case:
    def __init__(self, name, reads, check, versions=VERSIONS):
        self.name = name
        self.reads = reads
        self.check = check
        self.versions = tuple(versions)

    def __repr__(self):
        return "Case(%s: %s)" % (self.name, self.reads)


# ----------------------------------------------------------------------------------------- the recordings
def folder(version):
    return os.path.join(SHARED_FIXTURES, "moodle-%s" % version)


def fixtures_available(version=None):
    return all(os.path.isdir(folder(v)) for v in ((version,) if version else VERSIONS))


_FILES = {}
_INDEX = {}


def _files(version):
    """{name without NNN-: path prefix 'NNN-name'}."""
    if version not in _FILES:
        found = {}
        for path in glob.glob(os.path.join(folder(version), "[0-9][0-9][0-9]-*.response.txt")):
            base = os.path.basename(path)[: -len(".response.txt")]
            found[base.split("-", 1)[1]] = os.path.join(folder(version), base)
        _FILES[version] = found
    return _FILES[version]


def exchange_exists(version, name):
    return fixtures_available(version) and name in _files(version)


def exchange_names(version):
    return sorted(_files(version)) if fixtures_available(version) else []


def index_entry(version, name):
    if version not in _INDEX:
        with open(os.path.join(folder(version), "index.json")) as handle:
            _INDEX[version] = dict((entry["name"].split("-", 1)[1], entry) for entry in json.load(handle))
    return _INDEX[version].get(name, {})


class Recorded:
    """One recorded exchange of one version folder, looked up by name."""

    def __init__(self, version, name):
        self.version = version
        self.name = name
        prefix = _files(version)[name]
        with open(prefix + ".request.txt", "rb") as handle:
            request = handle.read()
        with open(prefix + ".response.txt", "rb") as handle:
            response = handle.read()
        request_head, _unused, self.request_body = request.partition(b"\n\n")
        request_line = request_head.split(b"\n", 1)[0].decode("utf-8", "replace")
        self.request_method, self.request_path = request_line.split(" ")[:2]
        head, _unused, self.body = response.partition(b"\n\n")
        lines = head.decode("utf-8", "replace").split("\n")
        self.status = int(lines[0].split(" ")[1])
        self.headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:] if ":" in line]
        self.text = self.body.decode("utf-8", "replace")
        self.facts = index_entry(version, name)
        self._page = None

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    @property
    def location(self):
        return self.header("Location")

    def json(self):
        return json.loads(self.text)

    @property
    def page(self):
        if self._page is None:
            from ansible_collections.moodleops.auth.plugins.module_utils.page_parser import Page
            self._page = Page(self.text)
        return self._page

    @property
    def response(self):
        """The answer as the client's code receives it from HttpTransport."""
        from requests.structures import CaseInsensitiveDict
        from ansible_collections.moodleops.auth.plugins.module_utils.http_transport import Response
        path = self.request_path.split("?")[0].lstrip("/")
        return Response(self.request_method, path, self.status, CaseInsensitiveDict(self.headers), self.body,
                        RECORDED_ROOTS[self.version] + self.request_path)


# ------------------------------------------------------------------------ the real client on recorded answers
class StubTransport:
    """Answers the client's requests with recorded responses, in order (no network)."""

    def __init__(self, version, answers):
        self.base_url = RECORDED_ROOTS[version]
        self.answers = list(answers)
        self.requests = []
        self.request_count = 0
        self.write_count = 0

    def request(self, method, path, params=None, data=None, json_body=None, headers=None, write=False,
                idempotent=None):
        self.requests.append((method, path, params, data))
        self.request_count += 1
        assert self.answers, "the client asked for more than the recorded answers (%s %s)" % (method, path)
        return self.answers.pop(0).response

    def check_redirect_target(self, response):
        return None

    def close(self):
        return None


def client_on(version, *answers, **options):
    """A real MoodleClient (logged in as admin, id 2, unless ``logged_in=False``) whose requests are answered by
    ``answers`` (Recorded objects, in order). Its page()/get()/post()/rest()/ajax() are the client's own code."""
    from ansible_collections.moodleops.auth.plugins.module_utils.auth import SessionInfo
    from ansible_collections.moodleops.auth.plugins.module_utils.client import MoodleClient
    from ansible_collections.moodleops.auth.plugins.module_utils.redact import Redactor
    logged_in = options.pop("logged_in", True)
    settings = {"url": RECORDED_ROOTS[version], "username": "admin", "password": "Admin#12345", "retries": 0}
    settings.update(options)
    client = MoodleClient(settings, Redactor())
    client.transport = StubTransport(version, answers)
    if client.auth.has_session and logged_in:
        client._session = SessionInfo(2, "recorded00", None)
    return client


def recorded(version, name):
    return Recorded(version, name)


# ----------------------------------------------------------------------------- independent oracles (raw text)
def _attr(tag, name):
    match = re.search(r'\s%s\s*=\s*"([^"]*)"' % re.escape(name), tag) or \
        re.search(r"\s%s\s*=\s*'([^']*)'" % re.escape(name), tag)
    return unescape(match.group(1)) if match else None


def raw_select(text, name):
    """The inner HTML of <select name="name">."""
    match = re.search(r'<select[^>]*\sname="%s"[^>]*>(.*?)</select>' % re.escape(name), text, re.S)
    assert match, "the recording has no <select name=%s>" % name
    return match.group(1)


def raw_option_values(text, name):
    """[(value or None, label)] of <select name="name">'s options, straight from the HTML."""
    found = []
    for tag, label in re.findall(r"(<option\b[^>]*>)(.*?)</option>", raw_select(text, name), re.S):
        found.append((_attr(tag, "value"), " ".join(unescape(re.sub(r"<[^>]+>", "", label)).split())))
    return found


def raw_id_options(text, name):
    """{id: label} of the options whose value is a positive integer (what a user can pick as a record)."""
    return dict((int(value), label) for value, label in raw_option_values(text, name)
                if value is not None and value.isdigit() and int(value) > 0)


def raw_input_value(text, name):
    for tag in re.findall(r"<input\b[^>]*>", text):
        if _attr(tag, "name") == name:
            return _attr(tag, "value")
    return None


def raw_input_names(text):
    return [_attr(tag, "name") for tag in re.findall(r"<input\b[^>]*>", text) if _attr(tag, "name")]


def raw_hrefs(text, pattern):
    """Every href (unescaped) matching the regex ``pattern``, in page order."""
    return [unescape(href) for href in re.findall(r'href="([^"]*)"', text) if re.search(pattern, unescape(href))]


def raw_query_values(text, href_pattern, param):
    """The values of query parameter ``param`` in hrefs matching ``href_pattern`` (order kept, duplicates kept)."""
    values = []
    for href in raw_hrefs(text, href_pattern):
        match = re.search(r"[?&]%s=([^&#]*)" % re.escape(param), href)
        if match:
            values.append(match.group(1))
    return values


def raw_mcfg(text):
    match = re.search(r"M\.cfg\s*=\s*(\{.*?\});", text, re.S)
    assert match, "no M.cfg in the recording"
    return json.loads(match.group(1))


def form_field(facts_pairs, name):
    """The value of ``name`` in an index.json [name, value] list (page_form_fields / form_fields): the last one,
    as PHP's $_POST keeps it (checkbox pairs post a hidden 0 and then the checkbox)."""
    found = None
    for key, value in facts_pairs:
        if key == name:
            found = value
    return found


# ------------------------------------------------------------------------------------------------ loading
def load_cases():
    """Every Case of every cases_*.py module in this package, in module-name order."""
    cases = []
    package_dir = os.path.dirname(os.path.abspath(__file__))
    for info in sorted(pkgutil.iter_modules([package_dir]), key=lambda item: item[1]):
        module_name = info[1]
        if not module_name.startswith("cases_"):
            continue
        module = importlib.import_module("client_conformance.%s" % module_name)
        cases.extend(getattr(module, "CASES", []))
    return cases


# Filled by test_client_conformance.py, printed by tests/unit/conftest.py: {version: [passed, total]}.
RESULTS = {}


def record_result(version, passed):
    counts = RESULTS.setdefault(version, [0, 0])
    counts[1] += 1
    if passed:
        counts[0] += 1


def summary_lines():
    return ["client conformance: %d/%d recorded pages parsed as expected (moodle-%s)" % (
        RESULTS[version][0], RESULTS[version][1], version) for version in VERSIONS if version in RESULTS]
