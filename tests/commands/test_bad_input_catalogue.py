"""A catalogue of bad input, one test each, beyond tests/test_bad_input.py and
tests/test_config.py: config files broken in every way and at every level,
repository names, tokens, globs, paths outside the repository, files that are
not documents, pathological documents, and marks of pmsync's forged in a
document or in an issue.

Every case must end in one of the documented ways: one line naming the file,
line or key and exit 2 (4 for a missing token); or a warning naming the file,
which is then skipped; or a documented safe behaviour. Never a traceback or an
"internal error", and never a changed file (all bytes are compared).
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml

from pmsync.cli import main
from pmsync.config import Config
from pmsync.extract import extract_document
from pmsync.github.content import parse_marker
from tests.helpers import python_calls

if TYPE_CHECKING:
    from tests.ghdouble import GitHubDouble

REPO = "acme/pm"
ROOT = Path(__file__).resolve().parents[2]
GOOD = "# Cache outage\n\nOn 2024-03-01 the cache fell over.\n\n## Action items\n\n- Add an alert on cache misses\n"
UNDATED = "# Cache outage\n\n## Action items\n\n- Add an alert on cache misses\n"
CONFIG_OK = f"repository: {REPO}\n"


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    monkeypatch.setenv("NO_COLOR", "1")


def tree(root: Path) -> dict[str, bytes]:
    """Every file's bytes (symlinks as their target), but pmsync's own git-ignored folder."""
    found: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if ".pmsync" in relative.parts:
            continue
        if path.is_symlink():
            found[str(relative)] = b"-> " + str(path.readlink()).encode()
        elif path.is_file():
            found[str(relative)] = path.read_bytes()
    return found


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    @property
    def errors(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.startswith("Error:")]


def run(capsys: pytest.CaptureFixture[str], *argv: str, root: Path | None = None) -> Result:
    """Run pmsync in process; fail on a traceback, an internal error or a changed file."""
    root = root or Path.cwd()
    before = tree(root)
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    result = Result(code, captured.out, captured.err)
    assert "Traceback" not in result.err + result.out, result.err
    assert "internal error" not in result.err, result.err
    assert tree(root) == before, "a file changed"
    return result


def write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


# -- pmsync.yaml: broken YAML, unknown keys at every level, wrong types in every section ---------


@dataclass(frozen=True)
class ConfigCase:
    id: str
    text: str | bytes
    names: tuple[str, ...] = ()  # words the one error line must hold, besides the file
    calls: int = 200_000  # at most this many Python calls: refusing a config file is a few thousand


def _bomb(key: str, levels: int = 9) -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]")
    return "\n".join(lines) + f"\n{key}: *{chr(ord('a') + levels - 1)}\n"


CONFIG_CASES = [
    ConfigCase("yaml-tab-indent", "paths:\n\t- '*.md'\n", ("invalid YAML",)),
    ConfigCase("yaml-unclosed-quote", 'repository: "acme/pm\npaths: ["*.md"]\n', ("invalid YAML",)),
    ConfigCase("yaml-unclosed-flow-sequence", "paths: [a.md, b.md\n", ("invalid YAML",)),
    ConfigCase("yaml-two-documents", "paths: ['*.md']\n---\nrepository: acme/pm\n", ("invalid YAML",)),
    ConfigCase("yaml-python-tag", "repository: !!python/object/apply:os.system ['touch pwned']\n", ("invalid YAML",)),
    ConfigCase("yaml-scalar-document", "just some words\n", ("must be object",)),
    ConfigCase("yaml-control-character", b"repository: acme/pm\x07\n", ("pmsync.yaml",)),
    ConfigCase("yaml-not-utf8", b"owners:\n  Ren\xe9: rene\n", ("cannot read",)),
    ConfigCase("yaml-alias-bomb-under-unknown-key", _bomb("bomb"), ("aliases (*name) are not allowed",)),
    # Seven levels: ten million strings if anything walks or prints the value.
    ConfigCase("yaml-alias-bomb-as-paths", _bomb("paths", levels=7), ("aliases (*name) are not allowed",)),
    ConfigCase("unknown-key-labels", "labels:\n  colour: red\n", ("labels.colour",)),
    ConfigCase("unknown-key-push", "push:\n  dryrun: true\n", ("push.dryrun",)),
    ConfigCase("unknown-key-writeback", "writeback:\n  status_tables: true\n", ("writeback.status_tables",)),
    ConfigCase("unknown-key-deadlines", "deadlines:\n  sev:\n    SEV1: 3\n", ("deadlines.sev",)),
    ConfigCase("unknown-key-overdue", "overdue:\n  remind_days: [1]\n", ("overdue.remind_days",)),
    ConfigCase("repository-not-a-string", "repository: 123\n", ("repository",)),
    ConfigCase("repository-without-owner", "repository: acme\n", ("repository",)),
    ConfigCase("repository-three-parts", "repository: acme/pm/extra\n", ("repository",)),
    ConfigCase("repository-with-space", "repository: acme/p m\n", ("repository",)),
    ConfigCase("api-url-not-http", "api_url: ftp://ghe.example.com/api/v3\n", ("api_url",)),
    ConfigCase("document-url-no-scheme", "document_url: github.com/acme/pm/blob/main\n", ("document_url",)),
    ConfigCase("paths-empty-list", "paths: []\n", ("paths",)),
    ConfigCase("paths-item-not-a-string", "paths: [[a.md]]\n", ("paths.0",)),
    ConfigCase("exclude-a-string", "exclude: drafts/*\n", ("exclude",)),
    ConfigCase("sections-a-list", "sections: [follow-up]\n", ("sections",)),
    ConfigCase("owners-a-list", "owners: [jdoe]\n", ("owners",)),
    ConfigCase("check-a-string", "check: strict\n", ("check",)),
    ConfigCase("labels-a-string", "labels: pmsync\n", ("labels",)),
    ConfigCase("labels-managed-empty", "labels:\n  managed: ''\n", ("labels.managed",)),
    ConfigCase("labels-managed-too-long", "labels:\n  managed: " + "x" * 51 + "\n", ("labels.managed",)),
    ConfigCase("labels-priority-a-string", "labels:\n  priority: 'yes'\n", ("labels.priority",)),
    ConfigCase("push-a-boolean", "push: true\n", ("push",)),
    ConfigCase("push-max-creates-a-word", "push:\n  max_creates: ten\n", ("push.max_creates",)),
    ConfigCase("push-write-delay-negative", "push:\n  write_delay: -1\n", ("push.write_delay",)),
    ConfigCase("push-milestone-unknown", "push:\n  milestone: sprint\n", ("push.milestone", "incident")),
    ConfigCase("writeback-task-lists-a-number", "writeback:\n  task_lists: 1\n", ("writeback.task_lists",)),
    ConfigCase(
        "deadlines-days-a-phrase", "deadlines:\n  severity:\n    SEV1: two weeks\n", ("deadlines.severity.SEV1",)
    ),
    ConfigCase("deadlines-priority-unknown", "deadlines:\n  priority:\n    P9: 3\n", ("deadlines.priority",)),
    ConfigCase("overdue-reminders-a-string", "overdue:\n  reminders: '7'\n", ("overdue.reminders",)),
    ConfigCase("overdue-within-negative", "overdue:\n  within: -3\n", ("overdue.within",)),
    # Issue 16: values that broke a run later instead of being refused here.
    ConfigCase("labels-managed-with-comma", "labels:\n  managed: 'pm,sync'\n", ("labels.managed", "comma")),
    ConfigCase("yaml-duplicate-key", "repository: acme/pm\nrepository: acme/other\n", ("duplicate key 'repository'",)),
    ConfigCase("yaml-duplicate-nested-key", "push:\n  max_creates: 5\n  max_creates: 500\n", ("duplicate key",)),
    ConfigCase("push-write-delay-inf", "push:\n  write_delay: .inf\n", ("push.write_delay", "finite")),
    ConfigCase("push-write-delay-nan", "push:\n  write_delay: .nan\n", ("push.write_delay", "finite")),
    ConfigCase("push-write-delay-an-hour", "push:\n  write_delay: 3600\n", ("push.write_delay", "maximum")),
    ConfigCase("push-max-creates-5000-digits", "push:\n  max_creates: " + "9" * 5000 + "\n", ("5000 digits",)),
    ConfigCase("push-write-budget-huge", "push:\n  write_budget: 10000000000\n", ("push.write_budget",)),
    ConfigCase("overdue-within-huge", "overdue:\n  within: 99999999\n", ("overdue.within",)),
]


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c.id for c in CONFIG_CASES])
def test_bad_config(case: ConfigCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", case.text)
    write(tmp_path / "pm.md", GOOD)
    result, calls = python_calls(lambda: run(capsys, "push", "--offline", "pm.md"))
    assert calls < case.calls, f"{calls} Python calls to refuse a config file"
    assert result.code == 2, result.err
    assert result.out == ""
    assert len(result.errors) == 1, result.err
    assert result.err.splitlines()[0] == result.errors[0], result.err
    assert "pmsync.yaml" in result.errors[0]
    for name in case.names:
        assert name in result.err, result.err
    assert len(result.err.splitlines()) <= 2
    assert not (tmp_path / "pwned").exists()


def test_deadline_too_far_for_a_calendar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A number of days the schema accepts but no date can hold."""
    write(tmp_path / "pmsync.yaml", CONFIG_OK + "deadlines:\n  severity:\n    SEV1: 1000000000\n")
    write(tmp_path / "pm.md", "---\ndate: 2024-03-01\nseverity: SEV1\n---\n" + UNDATED)
    result = run(capsys, "overdue", "--offline", "pm.md")
    assert result.code == 2, result.err
    assert len(result.errors) == 1 and "deadlines.severity.SEV1" in result.errors[0], result.err


# -- repository names and tokens from the environment ---------------------------------------------


@pytest.mark.parametrize("name", ["acme", "acme/pm/x", "acme/pm?per_page=1", "acme/pm#top", "acme/p m", "../x"])
def test_bad_github_repository(
    name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    github_double: GitHubDouble,
) -> None:
    github_double.add_repo(REPO, private=True)
    write(tmp_path / "pm.md", GOOD)
    monkeypatch.setenv("GITHUB_REPOSITORY", name)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    result = run(capsys, "push", "pm.md")
    assert result.code == 2, result.err
    assert len(result.errors) == 1 and name.strip() in result.errors[0], result.err
    assert github_double.requests == [], "a request was sent for a repository name GitHub cannot have"


@pytest.mark.parametrize(
    "argv",
    [("push", "pm.md"), ("pull", "pm.md"), ("sync", "pm.md"), ("overdue", "--label", "pm.md")],
    ids=lambda argv: argv[0],
)
def test_missing_token(
    argv: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    write(tmp_path / "pm.md", GOOD)
    monkeypatch.setenv("PATH", str(tmp_path / "no-gh-here"))  # no `gh` CLI to ask
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")  # nothing listens: nothing may be sent
    result = run(capsys, *argv)
    assert result.code == 4, result.err
    assert len(result.errors) == 1 and "GITHUB_TOKEN" in result.errors[0], result.err
    assert len(result.err.splitlines()) <= 2


def test_blank_token_is_a_missing_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    write(tmp_path / "pm.md", GOOD)
    monkeypatch.setenv("PATH", str(tmp_path / "no-gh-here"))
    monkeypatch.setenv("GITHUB_TOKEN", "  \t ")
    monkeypatch.setenv("GH_TOKEN", "")
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")
    result = run(capsys, "push", "pm.md")
    assert result.code == 4
    assert len(result.errors) == 1 and "no GitHub token" in result.errors[0]


@pytest.mark.parametrize("text", ["push:\n  write_delay: .inf\n", "repository: acme/pm\nrepository: acme/pm\n"])
def test_bad_config_leaves_the_state_file_alone(
    text: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    github_double: GitHubDouble,
) -> None:
    github_double.add_repo(REPO, private=True)
    write(tmp_path / "pm.md", GOOD)
    write(tmp_path / "pmsync.state.json", '{"version": 2}\n')
    write(tmp_path / "pmsync.yaml", text if text.startswith("repository") else CONFIG_OK + text)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    result = run(capsys, "sync", "pm.md")  # fails if any file (the state file included) changed
    assert result.code == 2, result.err
    assert len(result.errors) == 1, result.err
    assert github_double.requests == []


@pytest.mark.parametrize("url", ["::::", "ftp://ghe.example.com/api/v3", "http://", "https://ghe example.com"])
def test_bad_github_api_url(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    write(tmp_path / "pm.md", GOOD)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", url)
    result = run(capsys, "push", "pm.md")
    assert result.code == 2, result.err
    assert len(result.errors) == 1 and "GITHUB_API_URL" in result.errors[0], result.err
    assert len(result.err.splitlines()) <= 2


@pytest.mark.parametrize("token", ["tok\u20acen", "tok\nen", "tok en"], ids=["euro", "newline", "space"])
def test_token_with_characters_no_token_has(
    token: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    github_double: GitHubDouble,
) -> None:
    github_double.add_repo(REPO, private=True)
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    write(tmp_path / "pm.md", GOOD)
    monkeypatch.setenv("GITHUB_TOKEN", token)
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    result = run(capsys, "sync", "pm.md")
    assert result.code == 4, result.err
    assert len(result.errors) == 1 and "token" in result.errors[0], result.err
    assert token not in result.err
    assert len(result.err.splitlines()) <= 2
    assert github_double.requests == []


# -- globs and paths ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pattern", ["[unclosed", "postmortems/**/*.md", "*.markdown"], ids=["bracket", "nothing-matches", "wrong-suffix"]
)
def test_glob_matching_nothing(pattern: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK + f"paths: [{json.dumps(pattern)}]\n")
    write(tmp_path / "docs" / "pm.md", GOOD)
    result = run(capsys, "push", "--offline")
    assert result.code == 2
    assert result.err.splitlines() == [
        f"Error: no document matches `paths:` {pattern} in pmsync.yaml: check it for a typo, or name files"
    ]


def test_config_glob_reaching_outside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    write(outside / "theirs.md", GOOD)
    write(repo / "pmsync.yaml", CONFIG_OK + "paths: ['postmortems/*.md', '../outside/*.md']\n")
    write(repo / "postmortems" / "ours.md", GOOD)
    monkeypatch.chdir(repo)
    result = run(capsys, "push", "--offline", root=tmp_path)
    assert result.code == 0
    assert "postmortems/ours.md" in result.out
    assert "theirs.md" not in result.out, "a document outside the repository would be filed"
    assert "theirs.md" in result.err and "outside" in result.err, result.err


def test_symlink_alias_of_a_document_is_not_filed_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """postmortems/latest.md -> 2024-03-01-cache.md: both match the glob."""
    write(tmp_path / "pmsync.yaml", CONFIG_OK + "paths: ['postmortems/*.md']\n")
    write(tmp_path / "postmortems" / "2024-03-01-cache.md", GOOD)
    (tmp_path / "postmortems" / "latest.md").symlink_to("2024-03-01-cache.md")
    result = run(capsys, "push", "--offline", "--format", "json")
    creates = [a for a in json.loads(result.out)["actions"] if a["kind"] == "create"]
    assert len(creates) == 1, f"one item, {len(creates)} issues planned: {[a['path'] for a in creates]}"


# -- files that are not postmortems ------------------------------------------------------------------


def test_utf16_document_is_skipped_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    write(tmp_path / "wide.md", b"\xff\xfe" + GOOD.encode("utf-16-le"))
    write(tmp_path / "pm.md", GOOD)
    result = run(capsys, "push", "--offline", "wide.md", "pm.md")
    assert result.code == 0
    assert next(line for line in result.err.splitlines() if "wide.md" in line).startswith("wide.md: ")
    assert "pm.md" in result.out and "wide.md" not in result.out


def test_gzip_named_md_is_skipped_and_the_rest_planned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import gzip

    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    write(tmp_path / "archive.md", gzip.compress(GOOD.encode() * 50))
    write(tmp_path / "pm.md", GOOD)
    result = run(capsys, "push", "--offline", "archive.md", "pm.md")
    assert result.code == 0
    # Skipped as binary, or read with warnings naming it (compressed bytes are not
    # always told from text): either way nothing is planned from it.
    assert result.err.startswith("archive.md: "), result.err
    assert "archive.md" not in result.out
    assert "1 to create" in result.out


def test_document_one_byte_over_the_size_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pmsync.documents.files import MAX_BYTES

    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    data = GOOD.encode() + b"- Add a runbook\n"
    write(tmp_path / "big.md", data + b"x" * (MAX_BYTES + 1 - len(data)))
    write(tmp_path / "pm.md", GOOD)
    result = run(capsys, "push", "--offline", "big.md", "pm.md")
    assert result.code == 0
    assert [line for line in result.err.splitlines() if "big.md" in line] == [
        "big.md: error: 5 MiB is too large for a postmortem (limit 5 MiB); skipped [unreadable]"
    ]
    assert "big.md" not in result.out and "1 to create" in result.out


def test_named_pipe_is_not_read_forever(tmp_path: Path) -> None:
    write(tmp_path / "pm" / "good.md", GOOD)
    os.mkfifo(tmp_path / "pm" / "pipe.md")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GH_"))}
    env["PYTHONPATH"] = str(ROOT)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pmsync", "scan", "pm"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=3,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("pmsync scan hangs reading a named pipe called pm/pipe.md")
    assert "Traceback" not in done.stderr
    assert "good.md" in done.stdout
    assert "pipe.md" in done.stderr


def test_file_name_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    write(tmp_path / "pm" / "good.md", GOOD)
    write(Path(os.fsdecode(bytes(tmp_path / "pm") + b"/caf\xe9.md")), GOOD)
    result = run(capsys, "check", "pm")
    assert result.code == 0
    assert "good.md" in result.out


# -- documents: encodings, sizes, depth, dates --------------------------------------------------------


def test_invalid_utf8_item_is_planned_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    write(tmp_path / "pm.md", GOOD.encode() + b"- Add caf\xe9 and \xed\xa0\x80 checks\n")
    result = run(capsys, "push", "--offline", "pm.md")
    assert result.code == 0
    assert result.err.startswith("pm.md: warning: invalid UTF-8")
    assert "2 to create" in result.out


def test_deeply_nested_lists_and_quotes_are_planned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    body = "".join("  " * i + f"- Add an alert at level {i}\n" for i in range(1000)) + ">" * 3000 + " - quoted\n"
    write(tmp_path / "deep.md", "# Deep\n\n## Action items\n\n" + body)
    result = run(capsys, "push", "--offline", "deep.md")
    assert result.code == 0
    assert "1 to create" in result.out


def test_ten_thousand_items_are_planned_offline(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    lines = ["# Big", "", "On 2024-01-01 everything broke.", "", "## Action items", ""]
    lines += [f"- Add alert number {n} for service {n}" for n in range(10_000)]
    write(tmp_path / "big.md", "\n".join(lines) + "\n")
    result = run(capsys, "push", "--offline", "--format", "json", "big.md")
    assert result.code == 0
    plan = json.loads(result.out)
    assert plan["summary"]["create"] == 10_000


def test_due_date_further_than_a_calendar_goes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    write(tmp_path / "pm.md", GOOD + "- Add a runbook within the next 99999 years\n")
    result = run(capsys, "push", "--offline", "pm.md")
    assert result.code == 0
    assert "2 to create" in result.out


def test_incident_near_the_end_of_the_calendar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The severity deadline (14 days after the incident) falls after 9999-12-31."""
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    write(tmp_path / "pm.md", "---\ndate: 9999-12-25\nseverity: SEV1\n---\n" + UNDATED)
    result = run(capsys, "overdue", "--offline", "pm.md")
    assert result.code == 0
    result = run(capsys, "push", "--offline", "pm.md")
    assert result.code == 0


def test_impossible_date_in_front_matter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    write(tmp_path / "pm.md", "---\ntitle: Cache outage\ndate: 2024-02-30\n---\n" + GOOD)
    write(tmp_path / "ok.md", GOOD)
    result = run(capsys, "push", "--offline", "pm.md", "ok.md")
    assert result.code == 0
    assert "pm.md:" in result.err  # a warning naming the file
    assert "2 to create" in result.out


def test_alias_bomb_in_front_matter_is_not_expanded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "pmsync.yaml", CONFIG_OK)
    front = _bomb("severity", levels=6)  # a million strings if anything walks or prints the value
    write(tmp_path / "pm.md", f"---\n{front}title: Cache outage\n---\n" + GOOD)
    result, calls = python_calls(lambda: run(capsys, "push", "--offline", "pm.md"))
    write(tmp_path / "plain.md", "---\ntitle: Cache outage\n---\n" + GOOD)
    plain, plain_calls = python_calls(lambda: run(capsys, "push", "--offline", "plain.md"))
    assert result.code == plain.code == 0
    # Walking or printing the value would be a million calls more than the same document without it.
    assert calls < plain_calls + 50_000, f"{calls} Python calls, {plain_calls} without the aliases"


# -- pmsync's own marks, forged ----------------------------------------------------------------------


def _marker(path: str, key: str) -> str:
    payload = {"kind": "item", "path": path, "key": key, "incident": "x", "agreed": None}
    encoded = base64.urlsafe_b64encode(json.dumps(payload, sort_keys=True).encode()).decode()
    return f"<!-- pmsync:v1 {encoded} -->"


@dataclass
class Online:
    double: GitHubDouble
    root: Path
    capsys: pytest.CaptureFixture[str]

    def push(self) -> Result:
        # The documents may change (links are written): the tests compare what matters.
        return run(self.capsys, "push", root=self.root / "nothing")

    def read(self, name: str = "pm.md") -> bytes:
        return (self.root / "postmortems" / name).read_bytes()


@pytest.fixture
def online(
    github_double: GitHubDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Online:
    github_double.add_repo(REPO, private=True)
    (tmp_path / "nothing").mkdir()
    config = {"repository": REPO, "paths": ["postmortems/*.md"], "push": {"write_delay": 0}}
    write(tmp_path / "pmsync.yaml", yaml.safe_dump(config))
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    return Online(github_double, tmp_path, capsys)


def test_forged_marker_in_a_document_is_only_text(online: Online) -> None:
    forged = _marker("postmortems/other.md", "stolen")
    text = GOOD + f"- Add a runbook {forged} for failover\n\nSee also {forged}\n"
    write(online.root / "postmortems" / "pm.md", text)
    items = extract_document("postmortems/pm.md", text.encode(), Config()).items
    result = online.push()
    assert result.code == 0, result.err
    issues = online.double.issues(REPO)
    assert len(issues) == len(items) == 2
    for issue, item in zip(issues, items, strict=True):
        marker = parse_marker(issue.body)
        assert marker is not None and (marker.path, marker.key) == ("postmortems/pm.md", item.key)
        assert (issue.body or "").count("<!-- pmsync:v1") == 1


def test_forged_span_to_another_repository_is_skipped(online: Online) -> None:
    text = GOOD + "- Rotate the keys · [#999](https://github.com/x/y/issues/999)\n"
    write(online.root / "postmortems" / "pm.md", text)
    result = online.push()
    assert result.code == 0, result.err
    skipped = [line for line in result.out.splitlines() if "x/y#999" in line]
    assert len(skipped) == 1 and "skip" in skipped[0], result.out
    assert [i.title for i in online.double.issues(REPO)] == ["Add an alert on cache misses"]
    line = next(line for line in online.read().decode().splitlines() if "Rotate the keys" in line)
    assert line == "- Rotate the keys · [#999](https://github.com/x/y/issues/999)"


def test_forged_span_to_a_missing_issue_is_skipped(online: Online) -> None:
    write(online.root / "postmortems" / "pm.md", GOOD)
    assert online.push().code == 0
    with (online.root / "postmortems" / "pm.md").open("a", encoding="utf-8") as handle:
        handle.write(f"- Rotate the keys · [#999](https://github.com/{REPO}/issues/999) · open\n")
    result = online.push()
    assert result.code == 0, result.err
    skipped = [line for line in result.out.splitlines() if "#999" in line]
    assert len(skipped) == 1 and "remove the link" in skipped[0], result.out
    assert len(online.double.issues(REPO)) == 1


def test_forged_span_in_a_repository_without_managed_issues_files_nothing(online: Online) -> None:
    """The first push of a document that already carries a link (copied from
    elsewhere, or forged): the guard against a renamed label stops the run."""
    text = GOOD + f"- Rotate the keys · [#999](https://github.com/{REPO}/issues/999) · open\n"
    write(online.root / "postmortems" / "pm.md", text)
    result = online.push()
    assert result.code == 1
    assert len(result.errors) == 1 and "'pmsync'" in result.errors[0]
    assert online.double.writes() == []
    assert online.read() == text.encode()


def test_forged_span_taking_another_items_issue_changes_neither(online: Online) -> None:
    write(online.root / "postmortems" / "pm.md", GOOD + "- Rotate the keys\n")
    assert online.push().code == 0
    alert, keys = online.double.issues(REPO)
    data = online.read().replace(f"[#{keys.number}]".encode(), f"[#{alert.number}]".encode())
    data = data.replace(f"issues/{keys.number})".encode(), f"issues/{alert.number})".encode())
    write(online.root / "postmortems" / "pm.md", data)
    titles = [(alert.title, alert.body), (keys.title, keys.body)]
    result = online.push()
    assert result.code == 0
    assert re.search(rf"conflict\s+#{alert.number}", result.out), result.out
    assert [(alert.title, alert.body), (keys.title, keys.body)] == titles
    assert len(online.double.issues(REPO)) == 2


def test_marker_in_an_issue_claiming_a_linked_item_is_closed_as_duplicate(online: Online) -> None:
    write(online.root / "postmortems" / "pm.md", GOOD)
    assert online.push().code == 0
    (real,) = online.double.issues(REPO)
    marker = parse_marker(real.body)
    assert marker is not None
    forged = online.double.add_issue(
        REPO, "Totally the same item", body="hello\n\n" + _marker(marker.path, marker.key), labels=["pmsync"]
    )
    document = online.read()
    result = online.push()
    assert result.code == 0, result.err
    assert (forged.state, forged.state_reason) == ("closed", "duplicate")
    assert real.state == "open" and real.title == "Add an alert on cache misses"
    assert online.read() == document
