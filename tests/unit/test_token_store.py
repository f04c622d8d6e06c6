import multiprocessing
import os
import stat

import pytest

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
from ansible_collections.moodleops.auth.plugins.module_utils.errors import LockTimeoutError
from ansible_collections.moodleops.auth.plugins.module_utils.locks import file_lock
from ansible_collections.moodleops.auth.plugins.module_utils.token_store import TokenStore, store_key


def test_store_is_private_and_survives_a_reload(tmp_path):
    path = tmp_path / "sub" / "tokens.json"
    store = TokenStore(str(path))
    key = store_key("https://m.example/", "teacher1", "ci_bootstrap", "ci")
    store.put(key, {"token": "a" * 32, "token_id": 7})
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(path.parent)).st_mode) == 0o700
    assert TokenStore(str(path)).get(key) == {"token": "a" * 32, "token_id": 7}
    assert key == "https://m.example|teacher1|ci_bootstrap|ci"


def test_drop_and_no_temporary_files_left(tmp_path):
    store = TokenStore(str(tmp_path / "tokens.json"))
    store.put("k", {"token": "x"})
    store.drop("k")
    assert TokenStore(str(tmp_path / "tokens.json")).get("k") is None
    assert sorted(os.listdir(str(tmp_path))) == ["tokens.json", "tokens.json.lock"]


def test_a_broken_store_is_a_clear_error(tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    with pytest.raises(InvalidInputError) as caught:
        TokenStore(str(path)).get("k")
    assert "token_store" in str(caught.value)


def put_keys(path, writer, count):
    for number in range(count):
        TokenStore(path).put("w%d-k%d" % (writer, number), {"token": "%032x" % (writer * 1000 + number)})


def test_every_process_keeps_its_keys_in_one_store(tmp_path):
    """Ten processes put twenty keys each into one store at once: not one is lost."""
    path = str(tmp_path / "tokens.json")
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=put_keys, args=(path, writer, 20)) for writer in range(10)]
    for process in writers:
        process.start()
    for process in writers:
        process.join(60)
        assert process.exitcode == 0
    entries = TokenStore(path).entries
    assert sorted(entries) == sorted("w%d-k%d" % (w, n) for w in range(10) for n in range(20))
    assert entries["w7-k3"] == {"token": "%032x" % 7003}
    assert sorted(os.listdir(str(tmp_path))) == ["tokens.json", "tokens.json.lock"]


def test_a_stale_copy_never_erases_other_writers(tmp_path):
    path = str(tmp_path / "tokens.json")
    early = TokenStore(path)
    assert early.get("mine") is None            # read before the others wrote: a stale copy from now on
    TokenStore(path).put("theirs", {"token": "t" * 32})
    TokenStore(path).put("gone", {"token": "g" * 32})
    early.put("mine", {"token": "m" * 32})
    early.drop("gone")
    on_disk = TokenStore(path).entries
    assert on_disk == {"theirs": {"token": "t" * 32}, "mine": {"token": "m" * 32}}
    assert early.entries == on_disk             # the writer's view is what the file holds now


def test_the_store_lock_file_is_private_and_empty(tmp_path):
    path = tmp_path / "tokens.json"
    TokenStore(str(path)).put("k", {"token": "x" * 32})
    lock = tmp_path / "tokens.json.lock"
    assert stat.S_IMODE(os.stat(str(lock)).st_mode) == 0o600
    assert lock.read_text() == ""


def test_a_writer_waits_for_the_store_lock(tmp_path):
    path = str(tmp_path / "tokens.json")
    with file_lock(path + ".lock"):
        with pytest.raises(LockTimeoutError) as caught:
            with file_lock(path + ".lock", timeout=0.2, what="token_store %s" % path):
                pass
    assert "token_store %s" % path in str(caught.value) and path + ".lock" in str(caught.value)
    TokenStore(path).put("k", {"token": "x" * 32})   # released: the writer goes on
