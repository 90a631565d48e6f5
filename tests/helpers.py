"""Small helpers shared by the extraction and CLI tests (no fixtures: conftest is not ours)."""

from __future__ import annotations

import datetime as dt
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pmsync.cli import main
from pmsync.config import Config
from pmsync.extract import extract_document
from pmsync.model import Incident, Item

T = TypeVar("T")

if TYPE_CHECKING:
    import pytest

    from pmsync.model import Postmortem

FORMATS = Path(__file__).parent / "fixtures" / "formats"


def doc(text: str) -> str:
    """A Markdown document written indented in a test, dedented, without its first newline."""
    return textwrap.dedent(text).lstrip("\n")


def extract(text: str | bytes, path: str = "doc.md", config: Config | None = None) -> Postmortem:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return extract_document(path, data, config or Config())


def extract_fixture(name: str, config: Config | None = None) -> Postmortem:
    path = FORMATS / name
    return extract_document(path.name, path.read_bytes(), config or Config())


def titles(pm: Postmortem) -> list[str]:
    return [item.title for item in pm.items]


def item_titled(pm: Postmortem, title: str) -> Item:
    """The one item whose title is `title`; fails with the titles found otherwise."""
    found = [item for item in pm.items if item.title == title]
    assert len(found) == 1, f"expected one item titled {title!r}, found titles {titles(pm)!r}"
    return found[0]


def item_starting(pm: Postmortem, prefix: str) -> Item:
    """The one item whose title starts with `prefix`."""
    found = [item for item in pm.items if item.title.startswith(prefix)]
    assert len(found) == 1, f"expected one item starting {prefix!r}, found titles {titles(pm)!r}"
    return found[0]


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]

    @property
    def out_lines(self) -> list[str]:
        return [line for line in self.out.splitlines() if line.strip()]


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """Run `pmsync argv...` in process; the exit code and what it printed."""
    capsys.readouterr()  # drop anything printed before
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err, captured.err
    assert "internal error" not in captured.err, captured.err
    return Run(code, captured.out, captured.err)


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# The incident of the hand-built plans and issue bodies (engine and github tests).
INCIDENT = Incident(
    id="2024-03-11-db-outage",
    title="Primary database outage",
    date=dt.date(2024, 3, 11),
    severity="SEV2",
    status="reviewed",
    label="incident:2024-03-11-db-outage",
)


def new_item(**fields: Any) -> Item:
    """An open, unlinked item with blank fields; callers name only what their test is about."""
    values: dict[str, Any] = {
        "key": "k-item",
        "title": "Add alerting on replication lag",
        "text": "",
        "group": None,
        "owner": None,
        "due": None,
        "priority": None,
        "kind": None,
        "done": False,
        "wont_do": False,
        "issue": None,
        "line": 1,
        "end_line": 1,
    }
    values.update(fields)
    return Item(**values)


def use_github_double(monkeypatch: pytest.MonkeyPatch, api_url: str, token: str = "test-token") -> None:
    """pmsync's environment as a CLI test wants it: the double's API and a token, and
    none of the runner's own GitHub variables."""
    for name in ("GH_TOKEN", "GITHUB_REPOSITORY", "GITHUB_SERVER_URL", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.setenv("GITHUB_API_URL", api_url)


def python_calls(action: Callable[[], T]) -> tuple[T, int]:
    """Run `action`; its result and how many Python function calls it made.

    A measure of work that does not depend on how busy the machine is: walking a
    YAML alias bomb makes millions of calls, refusing it a few thousand.
    """
    calls = 0

    def count(frame: object, event: str, arg: object) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        result = action()
    finally:
        sys.setprofile(None)
    return result, calls
