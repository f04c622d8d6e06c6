"""plugins/module_utils/users_file.py: moodle_apilogin_user's users_file (a CSV in the format of Moodle's Upload users,
or a JSON/YAML list of the users dicts), and the module run with it against the simulator: the same results, errors,
check mode and diff as users, every refused column named by line and column before any request."""

import json
import os

import pytest

from module_harness import run_module
from tests.moodle_sim import Simulator
from tests.moodle_sim.pages import apilogin as sim_apilogin

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.users_file import (
    detect_delimiter,
    parse_csv,
    read_users_file,
)

KEY = "lab-apilogin-secret-0123456789"
HEADER = "username,firstname,lastname,email,idnumber\n"


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(content.encode(encoding) if isinstance(content, str) else content)
    return str(path)


def failure(text):
    with pytest.raises(InvalidInputError) as error:
        parse_csv(text, "/srv/users.csv")
    return str(error.value)


# ---------------------------------------------------------------------------------------------- CSV reading
def test_comma_file_becomes_the_users_list_with_line_labels():
    users = parse_csv(HEADER + "ada,Ada,Lovelace,ada@example.org,A-1\nalan,Alan,Turing,alan@example.org,\n")
    assert users == [
        ("users_file line 2", {"username": "ada", "firstname": "Ada", "lastname": "Lovelace",
                               "email": "ada@example.org", "idnumber": "A-1"}),
        ("users_file line 3", {"username": "alan", "firstname": "Alan", "lastname": "Turing",
                               "email": "alan@example.org"}),      # an empty cell: not given
    ]


def test_bom_is_dropped(tmp_path):
    path = write(tmp_path, "users.csv", HEADER + "ada,Ada,Lovelace,ada@example.org,A-1\n", encoding="utf-8-sig")
    assert read_users_file(path)[0][1]["username"] == "ada"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", ":"])
def test_delimiter_is_detected(delimiter):
    text = delimiter.join(["username", "firstname", "lastname", "email"]) + "\n" + \
        delimiter.join(["ada", "Ada", "Lovelace", "ada@example.org"]) + "\n"
    assert detect_delimiter(text.splitlines()[0]) == delimiter
    assert parse_csv(text)[0][1] == {"username": "ada", "firstname": "Ada", "lastname": "Lovelace",
                                     "email": "ada@example.org"}


def test_semicolon_with_commas_inside_values():
    text = 'username;firstname;lastname;email;city\nada;Ada;"Lovelace, Countess";ada@example.org;"London; W1"\n'
    assert parse_csv(text)[0][1]["lastname"] == "Lovelace, Countess"
    assert parse_csv(text)[0][1]["city"] == "London; W1"


def test_quoted_fields_with_commas_quotes_and_newlines():
    text = HEADER + '"ada","Ada ""the first""","Lovelace, A.","ada@example.org","A\n1"\nalan,Alan,Turing,a@x.org,\n'
    users = parse_csv(text)
    assert users[0][1]["firstname"] == 'Ada "the first"'
    assert users[0][1]["lastname"] == "Lovelace, A."
    assert users[0][1]["idnumber"] == "A\n1"
    assert users[1][0] == "users_file line 4"          # the line the record starts on, after a two-line record


def test_empty_lines_are_skipped_and_values_trimmed_crlf_too():
    text = "\r\n" + HEADER.replace("\n", "\r\n") + "\r\n ada , Ada ,Lovelace, ada@example.org ,\r\n\r\n,,,,\r\n"
    users = parse_csv(text)
    assert users == [("users_file line 4", {"username": "ada", "firstname": "Ada", "lastname": "Lovelace",
                                            "email": "ada@example.org"})]


def test_header_is_case_insensitive_like_uploaduser():
    assert parse_csv("UserName,FirstName,LastName,EMail\nada,Ada,L,a@x.org\n")[0][1]["username"] == "ada"


@pytest.mark.parametrize("header, says", [
    ("username,firstname,,email", ["line 1", "column 3 has no name"]),
    ("username,email,Email", ["line 1", "column 3 (Email) repeats column 2"]),
    ("username,shoe_size", ["line 1", "column 2 (shoe_size) is not a field of Moodle's Upload users format"]),
    ("firstname,lastname,email", ["there is no username column"]),
])
def test_bad_header(header, says):
    message = failure(header + "\nada,Ada,L,a@x.org\n")
    assert message.startswith("users_file /srv/users.csv: line 1 is not a header")
    for text in says:
        assert text in message
    assert "valid columns here: auth, confirmed" in message


def test_duplicate_usernames_name_both_lines():
    message = failure(HEADER + "ada,Ada,L,a@x.org,\nalan,Alan,T,t@x.org,\nADA,Ada,L,b@x.org,\n")
    assert "line 4 repeats username ADA of line 2" in message
    assert "nothing was read or written" in message


@pytest.mark.parametrize("column, value, says", [
    ("password", "Secret#1", "need no password"),
    ("oldusername", "old", "match_field: idnumber"),
    ("deleted", "1", "state: absent"),
    ("profile_field_shoe", "44", "custom profile fields"),
    ("course1", "MATHS", "enrolments, groups, cohorts and roles"),
    ("cohort1", "c1", "enrolments, groups, cohorts and roles"),
    ("sysrole1", "manager", "enrolments, groups, cohorts and roles"),
    ("interests", "maths", "tags"),
])
def test_refused_columns_name_line_and_column(column, value, says):
    message = failure("username,email,%s\nada,a@x.org,\nalan,t@x.org,%s\n" % (column, value))
    assert "line 3, column 3 (%s): " % column in message
    assert says in message
    assert "line 2" not in message                    # an empty cell of a refused column is nothing given
    assert value not in message or column != "password"   # a password never in a message


def test_deleted_zero_is_no_change():
    assert parse_csv("username,email,deleted\nada,a@x.org,0\n")[0][1] == {"username": "ada", "email": "a@x.org"}


def test_row_with_other_count_of_values():
    message = failure(HEADER + "ada,Ada,Lovelace,ada@example.org,A-1,extra\n")
    assert "line 2 has 6 values, the header 5 (a comma inside a value needs quotes)" in message


def test_unclosed_quote_is_named():
    message = failure(HEADER + 'ada,"Ada,Lovelace,ada@example.org,A-1\n')
    assert "is not valid CSV" in message and "quoted value" in message


def test_many_problems_are_listed_up_to_twenty():
    text = "username,password\n" + "".join("u%d,p%d\n" % (i, i) for i in range(30))
    message = failure(text)
    assert "line 21, column 2 (password)" in message and "line 22," not in message
    assert "(and 10 more)" in message


def test_empty_and_header_only_files():
    assert "is empty" in failure("\n\n")
    assert "has a header but no users" in failure(HEADER)


# ---------------------------------------------------------------------------------------------- files
def test_missing_file_names_option_path_and_fix(tmp_path):
    path = str(tmp_path / "nope.csv")
    with pytest.raises(InvalidInputError) as error:
        read_users_file(path)
    message = str(error.value)
    assert message.startswith("users_file %s: cannot be read on the host that runs the module" % path)
    assert "delegate_to: localhost" in message


def test_not_utf8_names_the_line(tmp_path):
    path = write(tmp_path, "latin1.csv", HEADER + "ren\xe9,Ren\xe9,L,r@x.org,\n", encoding="latin-1")
    with pytest.raises(InvalidInputError) as error:
        read_users_file(path)
    assert "is not UTF-8 (line 2)" in str(error.value) and "Save it as UTF-8" in str(error.value)


def test_json_and_yaml_lists(tmp_path):
    users = [{"username": "ada", "firstname": "Ada", "lastname": "L", "email": "a@x.org", "suspended": True}]
    assert read_users_file(write(tmp_path, "u.json", json.dumps(users))) == [("users_file[0]", users[0])]
    yaml_text = "- {username: ada, firstname: Ada, lastname: L, email: a@x.org, suspended: true}\n"
    assert read_users_file(write(tmp_path, "u.yml", yaml_text)) == [("users_file[0]", users[0])]
    assert read_users_file(write(tmp_path, "u.yaml", "users:\n" + yaml_text))[0][1] == users[0]


@pytest.mark.parametrize("name, content, says", [
    ("bad.json", "[{", "is not valid JSON"),
    ("bad.yml", "- {username: [", "is not valid YAML"),
    ("dict.json", '{"username": "ada"}', "holds dict, not a list of users"),
])
def test_bad_structured_files(tmp_path, name, content, says):
    with pytest.raises(InvalidInputError) as error:
        read_users_file(write(tmp_path, name, content))
    assert str(error.value).startswith("users_file ") and says in str(error.value)


# ---------------------------------------------------------------------------------------------- the module
@pytest.fixture
def sim():
    with Simulator(state="fresh") as running:
        with running.state.lock:
            running.state.set_config("apikey", KEY, "auth_apilogin")
            running.state.set_config("allowipaddr", "127.0.0.1", "auth_apilogin")
        yield running


def apilogin(sim, check_mode=False, diff=False, **options):
    return run_module("moodle_apilogin_user", dict({"url": sim.url, "secret": KEY}, **options),
                      check_mode=check_mode, diff=diff)


PEOPLE = [{"username": "ada", "firstname": "Ada", "lastname": "Lovelace", "email": "ada@example.org"},
          {"username": "alan", "firstname": "Alan", "lastname": "Turing", "email": "alan@example.org",
           "city": "Wilmslow, Cheshire"}]
CSV = ('\ufeffusername;firstname;lastname;email;city\n'
       'ada;Ada;Lovelace;ada@example.org;\n'
       'alan;Alan;Turing;alan@example.org;"Wilmslow, Cheshire"\n')


def comparable(result):
    return dict((key, value) for key, value in result.items() if key not in ("invocation", "debug"))


def test_file_gives_the_same_results_as_users(sim, tmp_path):
    path = write(tmp_path, "people.csv", CSV)
    snapshot = sim.state.snapshot("before")
    checked = apilogin(sim, check_mode=True, diff=True, users_file=path)
    assert checked["changed"] and checked["summary"]["created"] == 2 and not sim.state.user_by_username("ada")
    from_file = apilogin(sim, diff=True, users_file=path)
    sim.state.restore(snapshot[0])
    from_list = apilogin(sim, diff=True, users=PEOPLE)
    for key in ("results", "summary", "changes", "changed"):
        assert from_file[key] == from_list[key], key
    assert from_file["diff"]["after"]["users"]["alan"]["city"] == "Wilmslow, Cheshire"
    assert comparable(checked)["changes"] == from_file["changes"]
    again = apilogin(sim, users_file=path)
    assert not again["changed"] and again["summary"]["unchanged"] == 2 and again["results"] == []
    if "invocation" in again:                          # ansible-core 2.21 returns none here
        assert again["invocation"]["module_args"]["users_file"] == path


def test_refused_column_fails_before_any_request(sim, tmp_path):
    path = write(tmp_path, "people.csv", "username,firstname,lastname,email,password\nada,Ada,L,a@x.org,Secret#12\n")
    sim.clear_log()
    result = apilogin(sim, users_file=path)
    assert result["failed"]
    assert "users_file line 2, column 5 (password)" not in result["msg"]      # the line is named once:
    assert "line 2, column 5 (password)" in result["msg"] and path in result["msg"]
    assert "Secret#12" not in json.dumps(result)
    assert sim.requests == []


def test_entry_problems_name_the_file_line(sim, tmp_path):
    path = write(tmp_path, "people.csv", HEADER + "Ada,Ada,L,a@x.org,\nalan,Alan,T,t@x.org,\n")
    sim.clear_log()
    result = apilogin(sim, users_file=path)
    assert "users_file line 2: username 'Ada' must be lower case" in result["msg"]
    assert sim.requests == []


def test_yaml_booleans_in_text_columns_are_refused(sim, tmp_path):
    path = write(tmp_path, "people.yml", "- {username: nora, firstname: Nora, lastname: N, email: n@x.org, country: NO}\n")
    result = apilogin(sim, users_file=path)
    assert result["failed"] and "users_file[0].country is the boolean false" in result["msg"]
    assert "country: 'NO'" in result["msg"]


def test_users_file_with_users_or_user_is_refused(sim, tmp_path):
    path = write(tmp_path, "people.csv", CSV)
    result = apilogin(sim, users_file=path, users=PEOPLE)
    assert result["failed"] and "users" in result["msg"] and "users_file" in result["msg"]
    result = apilogin(sim, users_file=path, user=PEOPLE[0])
    assert result["failed"] and "users_file" in result["msg"]


def test_stop_on_error_and_state_from_a_file(sim, tmp_path):
    apilogin(sim, users=PEOPLE)
    path = write(tmp_path, "people.json", json.dumps([{"username": "alan"}, {"username": "ada"}]))
    result = apilogin(sim, users_file=path, state="suspended", stop_on_error=True)
    assert result["summary"]["updated"] == 2
    assert [item["user"] for item in result["results"]] == ["alan", "ada"]
    assert sim.state.user_by_username("ada")["suspended"] == 1


# ---------------------------------------------------------------------------------------------- the simulator
def test_simulator_index_keeps_conflicts_and_renames_right(sim, monkeypatch):
    """Big sites use an index for username/email/idnumber lookups (createUser was a scan per call)."""
    monkeypatch.setattr(sim_apilogin, "INDEX_FROM", 3)
    users = [{"username": "u%d" % i, "firstname": "U", "lastname": "%d" % i, "email": "u%d@x.org" % i,
              "idnumber": "I%d" % i} for i in range(30)]
    assert apilogin(sim, users=users, parallel=1)["summary"]["created"] == 30
    clash = apilogin(sim, users=[{"username": "new", "firstname": "N", "lastname": "N", "email": "u7@x.org"}])
    assert clash["failed"] and "Another user was found with the same email" in clash["msg"]
    renamed = apilogin(sim, match_field="idnumber", user={"idnumber": "I5", "email": "five@x.org"})
    assert renamed["action"] == "updated"
    assert apilogin(sim, user={"username": "v5", "firstname": "V", "lastname": "5", "email": "u5@x.org"})["action"] \
        == "created"                                   # the old email is free again
    with sim.state.lock:                               # another page renames a user: the index is rebuilt
        sim.state.users[10]["email"] = "changed@x.org"
        sim.log(type(sim.requests[0])("GET", "/user/editadvanced.php", "", [], 200, True))
    clash = apilogin(sim, user={"username": "w", "firstname": "W", "lastname": "W", "email": "changed@x.org"})
    assert clash["failed"] and "same email" in clash["msg"]
    assert apilogin(sim, user={"username": "u3"}, state="absent")["action"] == "deleted"
    assert apilogin(sim, user={"username": "u3", "firstname": "U", "lastname": "3", "email": "u3@x.org",
                               "idnumber": "I3"})["action"] == "created"


def test_the_apilogin_guide_documents_users_file():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(root, "docs", "sign-in-apilogin.md")) as handle:
        assert "users_file" in handle.read()
