"""Helpers for the simulator tests (kept out of conftest.py to avoid name clashes)."""
import re


def logintoken(html):
    return re.search(r'name="logintoken" value="([^"]+)"', html).group(1)


def sesskey(html):
    return re.search(r'"sesskey":"([^"]+)"', html).group(1)


def login(sim, username="admin", password="Admin#12345"):
    import requests
    s = requests.Session()
    r = s.get(sim.url + "/login/index.php")
    r = s.post(sim.url + "/login/index.php", data={"anchor": "", "logintoken": logintoken(r.text),
                                                   "username": username, "password": password})
    assert r.status_code == 200, r.status_code
    return s, sesskey(r.text)
