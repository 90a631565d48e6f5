"""Bad input: never a traceback, always one line naming the file, and the run goes on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import Run, extract, run_cli, titles, write

GOOD = "# T\n\n## Action items\n\n- Add an alert on lag\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


def scan(capsys: pytest.CaptureFixture[str], *paths: str) -> tuple[Run, list[dict[str, object]]]:
    run = run_cli(capsys, "scan", "--format", "json", *paths)
    documents: list[dict[str, object]] = json.loads(run.out)["documents"]
    return run, documents


def item_titles(document: dict[str, object]) -> list[str]:
    items = document["items"]
    assert isinstance(items, list)
    return [item["title"] for item in items]


# -- encodings and odd bytes ---------------------------------------------------------------


def test_invalid_utf8(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("latin1.md"), b"# T\n\n## Action items\n\n- Add caf\xe9 alert\n- Add a runbook\n")
    run, [document] = scan(capsys, "latin1.md")
    assert run.code == 0
    assert run.err_lines == [
        "latin1.md: warning: invalid UTF-8 at byte 31; undecodable bytes read as U+FFFD and left untouched "
        "on write [encoding]"
    ]
    assert item_titles(document) == ["Add caf\ufffd alert", "Add a runbook"]


def test_invalid_utf8_extract_diagnostic() -> None:
    pm = extract(b"\xff\xfe# T\n", path="x.md")
    assert [(d.path, d.level, d.code) for d in pm.diagnostics] == [("x.md", "warning", "encoding")]
    assert "byte 0" in pm.diagnostics[0].message


def test_utf8_bom(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("bom.md"), b"\xef\xbb\xbf# Title after BOM\n\n## Action items\n\n- Add a BOM alert\n")
    run, [document] = scan(capsys, "bom.md")
    assert run.code == 0
    assert run.err == ""
    incident = document["incident"]
    assert isinstance(incident, dict)
    assert incident["title"] == "Title after BOM"
    assert item_titles(document) == ["Add a BOM alert"]
    items = document["items"]
    assert isinstance(items, list)
    assert items[0]["line"] == 5


def test_crlf(capsys: pytest.CaptureFixture[str]) -> None:
    write(
        Path("crlf.md"),
        b"# T\r\n\r\n## Action items\r\n\r\n- Add a CRLF alert\r\n  with details\r\n- Second item @kim\r\n",
    )
    run, [document] = scan(capsys, "crlf.md")
    assert run.code == 0
    assert run.err == ""
    items = document["items"]
    assert isinstance(items, list)
    assert [(i["title"], i["text"], i["line"], i["owner"]) for i in items] == [
        ("Add a CRLF alert with details", "", 5, None),
        ("Second item", "", 7, "kim"),
    ]
    assert "\r" not in json.dumps(document)


def test_old_mac_line_breaks() -> None:
    pm = extract(b"# T\r\r## Action items\r\r- Add an alert\r- Add a runbook\r")
    assert [(i.title, i.line) for i in pm.items] == [("Add an alert", 5), ("Add a runbook", 6)]


def test_nul_bytes_in_text(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("nul.md"), b"# T\n\n## Action items\n\n- Add a \x00 NUL alert\n- Add a runbook\n")
    run, [document] = scan(capsys, "nul.md")
    assert run.code == 0
    assert run.err_lines == ["nul.md: warning: NUL bytes in the text were read as U+FFFD [encoding]"]
    assert item_titles(document) == ["Add a \ufffd NUL alert", "Add a runbook"]


def test_random_bytes_do_not_crash() -> None:
    pm = extract(bytes(range(1, 256)) * 40, path="noise.md")
    assert pm.incident.id == "noise"
    assert [d.code for d in pm.diagnostics] == ["encoding"]


# -- files that are not postmortems ----------------------------------------------------------


def test_binary_file_skipped(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("image.md"), b"\x89PNG\r\n" + b"\x00" * 4000)
    run, documents = scan(capsys, "image.md")
    assert run.code == 2  # nothing could be read at all
    assert documents == []
    assert run.err_lines == ["image.md: error: binary file, not Markdown; skipped [unreadable]"]


def test_binary_file_skipped_while_others_scanned(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("image.md"), b"\x00" * 4096)
    write(Path("good.md"), GOOD)
    run, documents = scan(capsys, "image.md", "good.md")
    assert run.code == 0
    assert [d["path"] for d in documents] == ["good.md"]
    assert run.err_lines == ["image.md: error: binary file, not Markdown; skipped [unreadable]"]


def test_empty_file(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("empty.md"), b"")
    run, [document] = scan(capsys, "empty.md")
    assert run.code == 0
    assert run.err == ""
    assert document["items"] == []
    assert document["incident"] == {
        "id": "empty",
        "title": None,
        "date": None,
        "severity": None,
        "status": None,
        "label": "incident:empty",
    }
    check = run_cli(capsys, "check", "empty.md")
    assert check.out_lines == [
        "empty.md: warning: no action items found; list them under a heading such as '## Action Items' [no-items]"
    ]
    assert check.code == 0


@pytest.mark.parametrize("data", [b"   \n\t\n", b"---\nid: x\n---\n", b"\xef\xbb\xbf", b"\n" * 1000])
def test_blank_like_files(data: bytes) -> None:
    pm = extract(data)
    assert pm.items == ()


def test_file_over_size_limit(capsys: pytest.CaptureFixture[str]) -> None:
    with Path("huge.md").open("wb") as handle:
        handle.write(b"# Huge\n\n## Action items\n\n")
        handle.write(b"- Add an alert on lag\n" * (6 * 1024 * 1024 // 22 + 1))
    assert Path("huge.md").stat().st_size > 6 * 1024 * 1024
    write(Path("good.md"), GOOD)
    run, documents = scan(capsys, "huge.md", "good.md")
    assert run.code == 0
    assert [d["path"] for d in documents] == ["good.md"]
    assert len(run.err_lines) == 1
    assert run.err_lines[0].startswith("huge.md: error: ")
    assert "too large" in run.err_lines[0] and "5 MiB" in run.err_lines[0]
    alone = run_cli(capsys, "scan", "huge.md")
    assert alone.code == 2


def test_nonexistent_path(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "scan", "--format", "json", "missing.md")
    assert (run.code, run.out) == (2, "")
    assert run.err_lines == ["Error: no document matches missing.md: check the path for a typo"]


def test_nonexistent_path_with_good_one(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("good.md"), GOOD)
    run, documents = scan(capsys, "good.md", "missing.md")
    assert run.code == 0
    assert [d["path"] for d in documents] == ["good.md"]
    assert run.err_lines == ["missing.md: error: no such file [unreadable]"]


def test_folder_with_symlink_loop(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("pm/a.md"), GOOD)
    write(Path("pm/sub/b.md"), GOOD)
    (Path("pm/sub/up")).symlink_to("..", target_is_directory=True)  # pm/sub/up -> pm
    (Path("pm/self")).symlink_to("self")  # a link to itself
    (Path("pm/loop.md")).symlink_to("loop.md")
    run, documents = scan(capsys, "pm")
    assert [d["path"] for d in documents] == ["pm/a.md", "pm/sub/b.md"]
    assert run.err_lines == ["pm/loop.md: error: Too many levels of symbolic links [unreadable]"]
    assert run.code == 0


def test_folder_argument_that_is_a_file_list(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("pm/a.md"), GOOD)
    run, documents = scan(capsys, "pm", "pm/a.md")
    assert [d["path"] for d in documents] == ["pm/a.md"]  # named twice, read once
    assert run.code == 0


# -- pathological structure ---------------------------------------------------------------------


def test_deeply_nested_list() -> None:
    lines = ["# Deep", "", "## Action items", ""]
    lines += ["  " * depth + f"- Add an alert at level {depth}" for depth in range(200)]
    pm = extract("\n".join(lines) + "\n")
    assert titles(pm) == ["Add an alert at level 0"]
    item = pm.items[0]
    assert (item.line, item.end_line) == (5, 204)
    assert item.text.startswith("Add an alert at level 1 Add an alert at level 2")


def test_deeply_nested_quotes_and_lists_via_cli(capsys: pytest.CaptureFixture[str]) -> None:
    body = "".join("> " * depth + "- " * (depth % 3) + f"entry {depth}\n" for depth in range(200))
    write(Path("deep.md"), "# Deep\n\n## Action items\n\n" + body)
    run, [document] = scan(capsys, "deep.md")
    assert run.code == 0
    assert document["path"] == "deep.md"


def test_ten_thousand_items() -> None:
    lines = ["# Big", "", "On 2024-01-01 everything broke.", "", "## Action items", ""]
    lines += [f"- Add alert number {n} for service {n}" for n in range(10_000)]
    pm = extract("\n".join(lines) + "\n")
    assert len(pm.items) == 10_000
    assert pm.items[0].title == "Add alert number 0 for service 0"
    assert pm.items[0].line == 7
    assert pm.items[-1].title == "Add alert number 9999 for service 9999"
    assert pm.items[-1].line == 10_006
    assert len({item.key for item in pm.items}) == 10_000


def test_very_long_line() -> None:
    pm = extract("## Action items\n\n- Add " + "word " * 100_000 + "\n")
    assert len(pm.items) == 1
    assert pm.items[0].title.startswith("Add word word")


def test_unclosed_fence_hides_nothing_else() -> None:
    pm = extract("# T\n\n## Action items\n\n- Add an alert\n\n```\n- not an item\n")
    assert titles(pm) == ["Add an alert"]


def test_permission_denied_reported_even_as_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same path as the chmod test, forced: root can read anything, so make the read fail."""
    write(tmp_path / "secret.md", GOOD)
    write(tmp_path / "good.md", GOOD)
    real_open = open

    def fake_open(file: str, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith("secret.md"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("pmsync.documents.files.open", fake_open, raising=False)
    run, documents = scan(capsys, "secret.md", "good.md")
    assert run.code == 0
    assert [d["path"] for d in documents] == ["good.md"]
    assert run.err_lines == ["secret.md: error: permission denied [unreadable]"]
