"""A first import larger than the run's write budget proceeds over several runs,
each within its budget, and ends with no duplicate."""

from __future__ import annotations

import itertools
import os
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

    # 20 issues and 6 labels = 26 writes: five runs of at most 8, two of them the lease's.
    assert runs == 5
    issues = github_double.issues(REPO)
    identities = [(m.path, m.key) for i in issues if (m := parse_marker(i.body)) is not None]
    assert len(issues) == 20 and len(set(identities)) == 20
    for index in range(5):
        text = (tmp_path / "postmortems" / f"incident-{index}.md").read_text(encoding="utf-8")
        assert text.count(" · [#") == 4
    github_double.reset_log()
    assert main(["push"]) == 0
    assert github_double.writes() == []


def _incident(index: int) -> str:
    return f"# Incident {index}\n\n## Action Items\n\n- Add safeguard {index} against repeat failure\n"


@pytest.mark.parametrize(("incidents", "budget"), [(6, 5), (2000, 450)], ids=["6-incidents", "2000-incidents"])
def test_labels_count_against_the_budget_and_every_run_files_issues(
    incidents: int,
    budget: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue 16 point 1: one label per incident, so labels alone could fill a run's budget.
    Labels are writes like any other, made just before the issue that needs them, and a
    resumed run reads which labels exist instead of posting them again."""
    (tmp_path / "postmortems").mkdir()
    for index in range(incidents):
        (tmp_path / "postmortems" / f"incident-{index:04}.md").write_text(_incident(index), encoding="utf-8")
    config = {"repository": REPO, "push": {"write_delay": 0, "write_budget": budget, "max_creates": 10_000}}
    (tmp_path / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setattr(os, "fsync", lambda fd: None)  # 2,000 documents saved: the disk's flushes are not under test
    # The large import skips validating 8,000 answers against the OpenAPI description
    # (the small one and every other test validate them), as bench_scale does.
    with GitHubDouble(validate=incidents < 100) as double:
        double.add_repo(REPO, private=True)
        double.rate_limit(limit=10**9, remaining=10**9)  # the double's hourly limit, lifted as bench_scale does
        monkeypatch.setenv("GITHUB_API_URL", double.url)
        filed = [0]
        while len(filed) < 30:
            double.reset_log()
            assert main(["push"]) == 0
            capsys.readouterr()
            writes = double.writes()
            assert len(writes) <= budget, "a run went past its write budget"
            reposted = [c.status for c in double.calls("issues/create-label") if c.status != 201]
            assert reposted == [], "a label that exists was posted again"
            filed.append(len(double.issues(REPO)))
            if not writes:
                break
            assert filed[-1] > filed[-2], f"run {len(filed) - 1} filed nothing: {filed}"
        issues = double.issues(REPO)
        double.assert_no_violations()

    # Every write is an issue, its incident's label (plus the managed label) or the lease's two:
    # each run but the last files as many issues as the rest of its budget holds.
    per_run = [after - before for before, after in itertools.pairwise(filed)][:-1]
    assert all(n >= (budget - 2 - 1) // 2 for n in per_run[:-1]), filed
    identities = {(m.path, m.key) for i in issues if (m := parse_marker(i.body)) is not None}
    assert len(issues) == incidents and len(identities) == incidents
