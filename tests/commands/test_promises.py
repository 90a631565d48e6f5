"""Issue 16: the promises an adversarial run broke, one test (or more) per point,
through the CLI, real PyGithub and the GitHub double.

Bad input of the config and the environment (points 9 and 10) is in
`test_bad_input_catalogue.py` with the rest of the catalogue.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.commands.test_remote_surprises import PAYMENTS, REPO, Env
from tests.ghdouble import Fault, GitHubDouble


@pytest.fixture
def env(
    github_double: GitHubDouble, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Env:
    for name in ("GH_TOKEN", "GITHUB_REPOSITORY", "GITHUB_SERVER_URL", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", "test-token")
    monkeypatch.setenv("GITHUB_API_URL", github_double.url)
    monkeypatch.chdir(tmp_path)
    return Env(github_double, tmp_path, capsys)


# -- 11. every request kind is retried on a secondary rate limit ---------------------------------


@pytest.mark.parametrize("status", [403, 429])
@pytest.mark.parametrize("operation", ["issues/update", "issues/create", "issues/list-for-repo"])
def test_secondary_rate_limit_is_waited_out_for_every_request_kind(
    env: Env,
    status: int,
    operation: str,
) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    assert env.run("push").code == 0
    env.replace("payments.md", "Rotate the signing keys", "Rotate the signing keys monthly")
    (env.root / "postmortems" / "new.md").write_text(PAYMENTS.replace("Payment", "Billing"), encoding="utf-8")
    env.double.inject(Fault.secondary_rate_limit(retry_after=0, status=status), match=operation)
    run = env.run("push", "--yes")
    assert run.code == 0, run.err
    refused = [r for r in env.double.requests if r.operation == operation and r.fault is not None]
    assert len(refused) == 1, "the fault was never met"
    titles = sorted(issue.title for issue in env.issues())
    assert "Rotate the signing keys monthly" in titles
    assert len(titles) == 6


# -- 2 and 7. documents found once by real path; loops and targets outside refused by name --------


def _config(env: Env, paths: list[str]) -> None:
    config = {"repository": REPO, "paths": paths, "push": {"write_delay": 0}}
    (env.root / "pmsync.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


def test_folder_symlink_loop_is_named_and_every_item_filed_once(env: Env) -> None:
    env.setup({"payments.md": PAYMENTS.encode(), "billing.md": PAYMENTS.replace("Payment", "Billing").encode()})
    (env.root / "postmortems" / "loop").symlink_to("..")
    _config(env, ["postmortems/**/*.md"])
    scan = env.run("scan", "--format", "json")
    assert sorted(d["path"] for d in json.loads(scan.out)["documents"]) == [
        "postmortems/billing.md",
        "postmortems/payments.md",
    ]
    assert "postmortems/loop" in scan.err and "loops back" in scan.err, scan.err
    assert env.run("push").code == 0
    assert len(env.issues()) == 6
    for _ in range(2):
        env.double.reset_log()
        assert env.run("sync").code == 0
        assert env.double.writes() == [], "sync never settles"
    assert len(env.issues()) == 6 and all(issue.state == "open" for issue in env.issues())
    assert (env.root / "postmortems" / "loop").is_symlink()


def test_absolute_glob_outside_the_checkout_is_refused_by_name(
    env: Env, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "theirs.md").write_text(PAYMENTS.replace("Payment", "Theirs"), encoding="utf-8")
    env.setup({"payments.md": PAYMENTS.encode()})
    _config(env, ["postmortems/*.md", f"{outside}/*.md"])
    run = env.run("push")
    assert run.code == 0, run.err
    assert "theirs.md" in run.err and "outside" in run.err, run.err
    assert len(env.issues()) == 3
    assert (outside / "theirs.md").read_text(encoding="utf-8") == PAYMENTS.replace("Payment", "Theirs")


def test_document_symlinked_outside_the_checkout_is_refused_and_left_a_symlink(
    env: Env,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "theirs.md").write_text(PAYMENTS.replace("Payment", "Theirs"), encoding="utf-8")
    env.setup({"payments.md": PAYMENTS.encode()})
    (env.root / "postmortems" / "theirs.md").symlink_to(outside / "theirs.md")
    run = env.run("push")
    assert run.code == 0, run.err
    assert "postmortems/theirs.md" in run.err and "outside the repository" in run.err, run.err
    assert len(env.issues()) == 3
    assert (env.root / "postmortems" / "theirs.md").is_symlink()
    assert (outside / "theirs.md").read_text(encoding="utf-8") == PAYMENTS.replace("Payment", "Theirs")


def test_document_named_only_by_a_symlink_inside_is_written_through_it(env: Env) -> None:
    env.setup({})
    (env.root / "archive").mkdir()
    (env.root / "archive" / "payments.md").write_text(PAYMENTS, encoding="utf-8")
    (env.root / "postmortems" / "latest.md").symlink_to(env.root / "archive" / "payments.md")
    assert env.run("push").code == 0
    assert len(env.issues()) == 3
    assert (env.root / "postmortems" / "latest.md").is_symlink(), "the link was replaced by a regular file"
    assert "[#1]" in (env.root / "archive" / "payments.md").read_text(encoding="utf-8")
