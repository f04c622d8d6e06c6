"""Which Moodle releases are tested, and what users are told about the others."""

import pytest

from ansible_collections.moodleops.auth.plugins.module_utils.errors import UnexpectedAnswerError
from ansible_collections.moodleops.auth.plugins.module_utils.versions import (
    is_tested,
    release_branch,
    untested_warning,
)


@pytest.mark.parametrize("release, branch, tested", [
    ("4.5.6 (Build: 20250811)", (4, 5), True),
    ("5.1.3 (Build: 20260216)", (5, 1), True),
    ("4.4.2 (Build: 20240812)", (4, 4), False),
    ("5.0.1 (Build: 20250609)", (5, 0), False),
    ("5.2 (Build: 20260420)", (5, 2), False),
    (None, None, False),
    ("", None, False),
])
def test_branch_and_tested(release, branch, tested):
    assert release_branch(release) == branch
    assert is_tested(release) is tested


@pytest.mark.parametrize("release, where", [
    ("4.1.12 (Build: 20240812)", "older than"),
    ("5.0.1 (Build: 20250609)", "between"),
    ("5.2 (Build: 20260420)", "newer than"),
])
def test_untested_releases_are_warned_about_naming_the_tested_ones(release, where):
    text = untested_warning(release)
    assert release in text and where in text and "(4.5, 5.1)" in text
    assert "fails with a message naming it" in text


@pytest.mark.parametrize("release", ["4.5.6 (Build: 20250811)", "5.1.3 (Build: 20260216)", None])
def test_tested_or_unknown_releases_are_not_warned_about(release):
    assert untested_warning(release) is None


def test_unexpected_answer_names_page_expectation_release_and_what_to_do():
    error = UnexpectedAnswerError("GET admin/webservice/service_functions.php (HTTP 200)", "the form with fids[]",
                                  "the page 'Administration | lab'", release="5.1.3 (Build: 20260216)")
    text = str(error)
    assert "Moodle 5.1.3 (Build: 20260216) answered GET admin/webservice/service_functions.php (HTTP 200)" in text
    assert "expected the form with fids[]" in text and "found the page 'Administration | lab'" in text
    assert "please report" in text and "tested: 4.5, 5.1" in text
