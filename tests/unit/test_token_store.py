import os
import stat

import pytest

from ansible_collections.moodleops.auth.plugins.module_utils.errors import InvalidInputError
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
    assert sorted(os.listdir(str(tmp_path))) == ["tokens.json"]


def test_a_broken_store_is_a_clear_error(tmp_path):
    path = tmp_path / "tokens.json"
    path.write_text("{not json")
    with pytest.raises(InvalidInputError) as caught:
        TokenStore(str(path)).get("k")
    assert "token_store" in str(caught.value)
