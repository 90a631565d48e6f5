"""A first import larger than the run's write budget proceeds over several runs,
each within its budget, and ends with no duplicate."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pmsync.cli import main
from pmsync.github.content import parse_marker
from tests.ghdouble import GitHubDouble

REPO = "acme/pm"


def _document(index: int) -> str:
    items = "\n".join(f"- Add safeguard {index}.{n} against repeat failure" for n in range(4))
    return f"# Incident {index}\n\n## Action Items\n\n{items}\n"


def test_import_in_budgeted_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, github_double: GitHubDouble, capsys: pytest.CaptureFixture[str]
) -> None:
    github_double.add_repo(REPO, private=True)
    (tmp_path / "postmortems").mkdir()
    for index in range(5):
        (tmp_path / "postmortems" / f"incident-{index}.md").write_text(_document(index), encoding="utf-8")
    config = {"repository": REPO, "push": {"write_delay": 0, "write_budget": 8, "max_creates": 100}}
    (tmp_path / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)

    runs = 0
    while True:
        github_double.reset_log()
        assert main(["push"]) == 0
        runs += 1
        writes = github_double.writes()
        assert len(writes) <= 8, "a run went past its write budget"
        err = capsys.readouterr().err
        if "paused: write budget of 8 reached" not in err:
            break
        assert runs < 10

    # 20 issues and 6 labels = 26 writes: four runs of at most 8.
    assert runs == 4
    issues = github_double.issues(REPO)
    identities = [(m.path, m.key) for i in issues if (m := parse_marker(i.body)) is not None]
    assert len(issues) == 20 and len(set(identities)) == 20
    for index in range(5):
        text = (tmp_path / "postmortems" / f"incident-{index}.md").read_text(encoding="utf-8")
        assert text.count(" · [#") == 4
    github_double.reset_log()
    assert main(["push"]) == 0
    assert github_double.writes() == []
