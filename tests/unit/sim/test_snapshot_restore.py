"""POST /__sim__/snapshot and /__sim__/restore: a database backup taken and restored. Records and id counters are
the backup's (so token ids are handed out again), sessions are kept."""
import requests

from simhelpers import login

TOKENS = "/admin/webservice/tokens.php"


def control(sim, path, body):
    answer = requests.post(sim.url + "/__sim__/" + path, json=body)
    return answer.status_code, answer.json()


def test_restore_brings_back_the_backup_and_its_token_ids(configured):
    sim = configured
    code, answer = control(sim, "snapshot", {"name": "backup"})
    assert code == 200 and answer["snapshots"] == ["backup"]
    session, _sesskey = login(sim)
    control(sim, "user", {"username": "later", "password": "Later#12345"})
    code, made = control(sim, "token", {"tokens": [{"name": "before", "username": "admin", "service": None}]})
    old = sim.state.tokens[0]
    code, answer = control(sim, "restore", {"name": "backup"})
    assert code == 200 and answer["next_token_id"] == old["id"]
    assert sim.state.tokens == [] and sim.state.user_by_username("later") is None
    code, again = control(sim, "token", {"tokens": [{"name": "after", "username": "admin", "service": None}]})
    assert again["ids"] == made["ids"]                          # the id is handed out again
    assert sim.state.tokens[0]["token"] != old["token"]         # to another token
    page = session.get(sim.url + TOKENS)                        # the session outlived the restore
    assert page.status_code == 200 and "after" in page.text and ">before<" not in page.text


def test_restore_keeps_code_variants_and_refuses_an_unknown_snapshot(configured):
    sim = configured
    control(sim, "snapshot", {})
    requests.post(sim.url + "/__sim__/plugin", json={"apilogin_patched": False})
    code, _answer = control(sim, "restore", {})
    assert code == 200 and sim.state.apilogin_patched is False and sim.state.wwwroot == sim.url
    code, answer = control(sim, "restore", {"name": "nothing"})
    assert code == 404 and "nothing" in answer["error"]
