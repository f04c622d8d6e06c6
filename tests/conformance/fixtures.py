"""Reading the recorded exchanges (format: ../shared/moodle-fixtures/README.md, "Files")."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# Relative to the repository root: users of the repository do not have ../shared.
DEFAULT_FIXTURES = REPO_ROOT / ".." / "shared" / "moodle-fixtures" / "moodle-4.5.6"
RECORDED_WWWROOT = "http://127.0.0.1:8080"


def fixtures_dir(path: str | os.PathLike | None = None) -> Path | None:
    """The fixture folder (``$MOODLE_FIXTURES`` or the default), or None if absent."""
    p = Path(path or os.environ.get("MOODLE_FIXTURES") or DEFAULT_FIXTURES)
    return p.resolve() if (p / "index.json").is_file() else None


@dataclass
class Message:
    """A recorded HTTP request or response."""
    first_line: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    # response helpers
    @property
    def status(self) -> int:
        return int(self.first_line.split(" ", 2)[1])

    # request helpers
    @property
    def method(self) -> str:
        return self.first_line.split(" ", 1)[0]

    @property
    def target(self) -> str:
        return self.first_line.split(" ")[1]


def parse_message(data: bytes) -> Message:
    head, sep, body = data.partition(b"\n\n")
    if not sep:  # no body at all
        head, body = data.rstrip(b"\n"), b""
    lines = head.decode("latin-1").split("\n")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        k, _unused, v = line.partition(":")
        headers.append((k.strip(), v.strip()))
    return Message(lines[0].rstrip("\r"), headers, body)


@dataclass
class Exchange:
    n: int
    name: str            # e.g. "006-f01-login-post-ok"
    flow: int
    meta: dict = field(repr=False)
    folder: Path = field(repr=False)

    @property
    def short(self) -> str:  # name without the number: "f01-login-post-ok"
        return self.name.split("-", 1)[1]

    @property
    def is_hop(self) -> bool:
        return re.search(r"-hop\d+$", self.name) is not None

    def request(self) -> Message:
        return parse_message((self.folder / f"{self.name}.request.txt").read_bytes())

    def response(self) -> Message:
        return parse_message((self.folder / f"{self.name}.response.txt").read_bytes())


def load_exchanges(folder: Path) -> list[Exchange]:
    index = json.loads((folder / "index.json").read_text())
    out = [Exchange(e["n"], e["name"], e["flow"], e, folder) for e in index]
    out.sort(key=lambda e: e.n)
    return out


def load_preconditions(folder: Path) -> list[dict]:
    p = folder / "preconditions.json"
    return json.loads(p.read_text()) if p.is_file() else []


def recorded_root(exchanges: list[Exchange]) -> str:
    """The recorded wwwroot (4.5.6: http://127.0.0.1:8080, 5.1.3: :8081), from the first Host."""
    for ex in exchanges:
        host = ex.request().header("Host")
        if host:
            return f"http://{host}"
    return RECORDED_WWWROOT
