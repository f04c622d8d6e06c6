"""Conformance of tests/moodle_sim with the recorded real Moodle 4.5.6 exchanges.

* unit tests of the extraction / comparison / substitution code (against two fixtures),
* the harness replayed against a recording-echo stub (proves the substitution map end to end
  and that a damaged response is caught),
* the real replay against a fresh Simulator: fails if any exchange of REQUIRED_FLOWS differs.

Fixtures: ../shared/moodle-fixtures/moodle-4.5.6 from the repository root (or $MOODLE_FIXTURES,
or ``--moodle-fixtures DIR``); everything skips with a clear message without them.
"""
from __future__ import annotations

import pytest

from .extract import compare, compare_select, content_type, features, json_key_paths, location_shape
from .fixtures import RECORDED_WWWROOT, Message, fixtures_dir, load_exchanges
from .conftest import SUMMARIES
from .flows import REQUIRED_FLOWS, REQUIRED_FLOWS_51
from .replay import replay
from .stub import StubSite
from .subst import Substitutions

FIXTURES = fixtures_dir()
needs_fixtures = pytest.mark.skipif(
    FIXTURES is None,
    reason="recorded Moodle fixtures not found: expected ../shared/moodle-fixtures/moodle-4.5.6 next to "
           "the repository (or set MOODLE_FIXTURES); they are not part of the repository")
ROOTS = (RECORDED_WWWROOT, "http://127.0.0.1:9999")


@pytest.fixture(scope="module")
def exchanges():
    return {e.n: e for e in load_exchanges(FIXTURES)}


def feat(ex):
    return features(ex.response(), ROOTS)


# --------------------------------------------------------------------------- pure unit tests
def test_json_key_paths_and_content_type():
    assert json_key_paths([{"error": False, "data": {"userid": 2}}]) == {
        "$", "[]", "[].error", "[].data", "[].data.userid"}
    assert content_type("text/html; charset=UTF-8") == ("text/html", "utf-8")
    assert content_type("application/json") == ("application/json", None)
    assert location_shape("http://127.0.0.1:9999/login/index.php?b=1&a=2", ROOTS) == (
        "wwwroot", "/login/index.php", ("a", "b"))
    assert location_shape("http://127.0.0.1:8080", ROOTS) == ("wwwroot", "", ())
    assert location_shape("https://cas.example/login?service=x", ROOTS)[0] == "cas.example"


def test_substitution_rewrites_request():
    s = Substitutions("http://127.0.0.1:9999")
    s.values["WZ02GDxhd9"] = "LIVEkey123"
    s.cookies[("MoodleSession", "dead0001")] = "live0001"
    s.ids["id"] = {"3": "7"}
    req = Message("POST /admin/webservice/service.php?id=3&sesskey=WZ02GDxhd9 HTTP/1.1",
                  [("Host", "127.0.0.1:8080"), ("Cookie", "MoodleSession=dead0001; Other=x"),
                   ("Content-Type", "application/x-www-form-urlencoded"), ("Content-Length", "1")],
                  b"id=3&sesskey=WZ02GDxhd9&wantsurl=http%3A%2F%2F127.0.0.1%3A8080%2Fmy%2F&x=wrongSessKy")
    method, target, headers, body = s.request(req)
    h = dict(headers)
    assert target == "/admin/webservice/service.php?id=7&sesskey=LIVEkey123"
    assert body == b"id=7&sesskey=LIVEkey123&wantsurl=http%3A%2F%2F127.0.0.1%3A9999%2Fmy%2F&x=wrongSessKy"
    assert h["Host"] == "127.0.0.1:9999" and h["Content-Length"] == str(len(body))
    assert h["Cookie"] == "MoodleSession=live0001; Other=x"


# --------------------------------------------------------------------------- against fixtures
@needs_fixtures
@pytest.mark.parametrize("n", [1, 6, 29, 43, 87, 112, 116, 150, 168])
def test_response_matches_itself(exchanges, n):
    f = feat(exchanges[n])
    assert compare(f, feat(exchanges[n])) == []


@needs_fixtures
def test_extraction_on_fixtures(exchanges):
    login = feat(exchanges[1])
    assert login.status == 200 and login.cookies == ("MoodleSession",)
    assert login.content_type == ("text/html", "utf-8")
    assert {"anchor", "logintoken", "username", "password"} <= login.form_fields
    ok = feat(exchanges[6])
    assert ok.location == ("wwwroot", "/login/index.php", ("testsession",))
    assert ok.cookies == ("MOODLEID1_", "MOODLEID1_", "MoodleSession")
    assert feat(exchanges[43]).errorcodes == ("invalidtoken",)               # REST XML
    assert feat(exchanges[42]).errorcodes == ("invalidtoken",)               # REST JSON
    assert "[].data.timeremaining" in feat(exchanges[112]).json_paths        # AJAX


@needs_fixtures
def test_different_responses_mismatch(exchanges):
    # login page vs. Advanced features form: form fields and cookies differ
    d = compare(feat(exchanges[1]), feat(exchanges[29]))
    assert any(x.startswith("form fields") for x in d) and any(x.startswith("set-cookie") for x in d)
    # REST error as JSON vs. as XML: content type and JSON-ness differ, same errorcode
    d = compare(feat(exchanges[42]), feat(exchanges[43]))
    assert any(x.startswith("content-type") for x in d) and any(x.startswith("json") for x in d)
    assert not any(x.startswith("errorcode") for x in d)
    # redirect vs. page: status and Location
    d = compare(feat(exchanges[6]), feat(exchanges[8]))
    assert any(x.startswith("status") for x in d) and any(x.startswith("location") for x in d)
    # two different REST errorcodes
    d = compare(feat(exchanges[42]), feat(exchanges[89]))
    assert "errorcode ['invalidtoken'] != ['accessexception']" in d


@needs_fixtures
def test_tables_name_real_exchanges(exchanges):
    """unmodelled.py and preconditions.py are keyed by name (without number): no typos."""
    from .preconditions import STEPS
    from .unmodelled import UNMODELLED

    names = {e.short for e in exchanges.values()}
    assert not set(UNMODELLED) - names
    assert not set(STEPS) - names
    assert REQUIRED_FLOWS <= {e.flow for e in exchanges.values()}


@needs_fixtures
def test_harness_against_stub(exchanges):
    """Full replay against the echo stub: all substitutions arrive, every exchange matches."""
    exs = [exchanges[n] for n in sorted(exchanges) if n <= 278]   # the first recorded run
    with StubSite(exs) as site:
        report = replay(exs, site.url)
    assert site.problems == []
    assert len(report.results) == len(exs)
    assert all(r.ok or r.unmodelled for r in report.results), report.render()


@needs_fixtures
def test_harness_detects_damage(exchanges):
    exs = [exchanges[n] for n in range(1, 17)]

    def drop_logintoken(status, headers, body):
        return status, headers, body.replace(b'name="logintoken"', b'name="notlogintoken"')

    def no_cookie(status, headers, body):
        return status, [(k, v) for k, v in headers if k.lower() != "set-cookie"], body

    with StubSite(exs, {3: drop_logintoken, 13: no_cookie}) as site:
        report = replay(exs, site.url)
    bad = {r.ex.n: r.diffs for r in report.results if not r.ok}
    assert set(bad) == {3, 13}
    assert "missing logintoken" in bad[3][0] and "extra notlogintoken" in bad[3][0]
    assert bad[13][0].startswith("set-cookie")
    # 013 set no cookie, so 014+ send the dead logout cookie: the stub sees it
    assert any("014-f01-logout-hop1: cookie" in p for p in site.problems)


# --------------------------------------------------------------------------- the real thing
def _summary_line(report, folder) -> str:
    required = [r for r in report.results if r.ex.flow in report.required and not r.unmodelled]
    return (f"{report.summary()} [{folder.name}]; required flows: {sum(r.ok for r in required)}/{len(required)} "
            f"modelled exchanges match")


@needs_fixtures
@pytest.mark.parametrize("release", ["moodle-4.5.6", "moodle-5.1.3"])
def test_conformance_required_flows(release):
    """A fresh simulator emulating the release replays its recordings: every required flow must match."""
    folder = FIXTURES.parent / release
    if not (folder / "index.json").is_file():
        pytest.skip(f"no {release} fixtures next to {FIXTURES}")
    from .replay import run_against_simulator

    report = run_against_simulator(folder)
    print(report.render())
    SUMMARIES.append(_summary_line(report, folder))
    failing = report.failing()
    assert report.required == (REQUIRED_FLOWS_51 if release == "moodle-5.1.3" else REQUIRED_FLOWS)
    assert not failing, f"required flows of {release} differ from the recording:\n" + "\n".join(
        f"  {r.ex.name}: {r.error or '; '.join(r.diffs)}" for r in failing)


# --------------------------------------------------------------------------- deeper page checks
def _damaged(ex, old: bytes, new: bytes, count: int = 1):
    """Features of a recorded response with ``old`` replaced by ``new`` (``count`` times)."""
    msg = ex.response()
    assert msg.body.count(old) >= count, old
    return features(Message(msg.first_line, msg.headers, msg.body.replace(old, new, count)), ROOTS)


@needs_fixtures
def test_detects_missing_empty_option(exchanges):
    """The bug that shipped: fids[] without its leading <option value=""> (the client did int(''))."""
    ex = exchanges[49]
    assert ex.short == "f06-functions-add-form"
    bad = _damaged(ex, b'<option value="" >No selection</option>', b"")
    d = compare(feat(ex), bad)
    assert any(x.startswith("form post /admin/webservice/service_functions.php:") and
               "select fids[]: missing option ''" in x for x in d), d
    # ids that differ but keep their labels and positions are not a difference (dynamic ids)
    rec = feat(ex)
    key = "post /admin/webservice/service_functions.php"
    shifted = [(str(int(v) + 1000) if v.isdigit() else v, l) for v, l in rec.forms[key]["selects"]["fids[]"][0]]
    assert compare_select("fids[]", rec.forms[key]["selects"]["fids[]"], (tuple(shifted),)) == []


@needs_fixtures
def test_detects_vanished_hidden_field(exchanges):
    ex = exchanges[29]
    bad = _damaged(ex, b'<input type="hidden" name="sesskey" value="WZ02GDxhd9">\n', b"\n", count=2)
    d = compare(feat(ex), bad)
    assert any("hidden missing sesskey" in x for x in d), d


@needs_fixtures
def test_detects_changed_input_type(exchanges):
    ex = exchanges[1]
    bad = _damaged(ex, b'<input type="password" name="password" id="password"',
                   b'<input type="text" name="password" id="password"')
    d = compare(feat(ex), bad)
    assert "form post /login/index.php: type password input:password != input:text" in d, d
    assert not any(x.startswith("form fields") for x in d)       # same names: only the new check sees it


@needs_fixtures
def test_detects_missing_row_link(exchanges):
    ex = exchanges[45]
    bad = _damaged(ex, b'<a href="http://127.0.0.1:8080/admin/webservice/service_users.php?id=2">Authorised users</a>',
                   b"Authorised users")
    d = compare(feat(ex), bad)
    assert any(x.startswith("table #builtinservices: rows missing") and "service_users.php?id" in x for x in d), d


@needs_fixtures
def test_table_and_form_extraction(exchanges):
    f = feat(exchanges[45])
    assert f.tables["#customservices"]["headers"] == ("External service", "Delete", "Functions", "Users", "Edit")
    assert f.tables["#customservices"]["rows"] == ((),)                    # the empty tbody row
    t = feat(exchanges[72]).tables["table.generaltable[1]"]
    assert t["headers"][-1] == ""                                          # sr-only "Actions" is not a header text
    assert ("", "/admin/webservice/tokens.php", ("action", "tokenid")) in t["rows"][0]
    assert feat(exchanges[49]).forms["post /admin/webservice/service_functions.php"]["submits"] == (
        ("cancel", "Cancel"), ("submitbutton", "Add functions"))
