"""The README and config.example.yaml stay complete: every command, option and
config key is documented, and the README's commands work."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from pmsync.cli import cli, main
from pmsync.config import load_config, schema

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "config.example.yaml"


def _keys(node: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for name, spec in node.get("properties", {}).items():
        keys.append(prefix + name)
        if spec.get("type") == "object" and "properties" in spec:
            keys.extend(_keys(spec, f"{prefix}{name}."))
    return keys


CONFIG_KEYS = _keys(schema())
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_readme_section(command: str) -> None:
    assert f"### `pmsync {command}`" in README


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_is_in_the_readme(command: str) -> None:
    options = [
        opt
        for param in cli.commands[command].params
        if isinstance(param, click.Option)
        for opt in param.opts
        if opt.startswith("--")
    ]
    missing = [opt for opt in options if opt not in README]
    assert not missing, f"pmsync {command}: {missing} not in README.md"


def _is_leaf(key: str) -> bool:
    node: dict[str, Any] = schema()
    for part in key.split("."):
        node = node["properties"][part]
    return "properties" not in node


@pytest.mark.parametrize("key", [k for k in CONFIG_KEYS if _is_leaf(k) and not k.startswith("check.")])
def test_every_config_key_is_in_the_readme(key: str) -> None:
    assert f"`{key}`" in README


@pytest.mark.parametrize("key", CONFIG_KEYS)
def test_every_config_key_is_in_the_example(key: str) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    last = key.rsplit(".", 1)[-1]
    assert re.search(rf"^\s*#?\s*{re.escape(last)}:", text, re.M), f"{key} missing from config.example.yaml"


def test_example_config_is_valid_and_states_the_defaults() -> None:
    config = load_config(EXAMPLE)
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))

    def defaults(node: dict[str, Any], values: dict[str, Any], where: str) -> None:
        for name, spec in node.get("properties", {}).items():
            if name in values and "default" in spec and not isinstance(spec["default"], (dict, list)):
                assert values[name] == spec["default"], f"{where}{name} in the example is not the default"
            if name in values and isinstance(values[name], dict):
                defaults(spec, values[name], f"{where}{name}.")

    defaults(schema(), data, "")
    assert config.source == EXAMPLE


def test_every_exit_code_is_documented() -> None:
    for code in ("0", "1", "2", "3", "4", "8", "130"):
        assert re.search(rf"^\| {code} \|", README, re.M)


def test_readme_demo_command_runs(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The quick start's first command, minus the install: a plan, no token needed."""
    monkeypatch.chdir(ROOT)
    for name in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_REPOSITORY"):
        monkeypatch.delenv(name, raising=False)
    demo = re.search(r"\.venv/bin/pmsync (push --offline \S+)", README)
    assert demo is not None
    assert main(demo.group(1).split()) == 0
    out = capsys.readouterr().out
    summary = re.search(r"^(\d+) to create", out, re.M)
    assert summary is not None and int(summary.group(1)) > 0


def test_the_readme_pre_commit_snippet_names_a_rev_that_holds_its_hook() -> None:
    """`rev:` is a commit of this repository's history (as `pre-commit autoupdate --freeze`
    writes it), so it exists in every full clone whether or not tags were fetched."""
    match = re.search(
        r"- repo: https://github.com/pmsync/pmsync\n\s+rev: (?P<rev>\S+)(?P<comment>[^\n]*)\n"
        r"\s+hooks:\n\s+- id: (?P<id>\S+)",
        README,
    )
    assert match, "the README's .pre-commit-config.yaml snippet"
    rev = match["rev"]
    assert re.fullmatch(r"[0-9a-f]{40}", rev), f"rev {rev!r}: a frozen commit, not a tag a clone may lack"
    assert re.match(r"\s+# frozen: v\d+\.\d+\.\d+\b", match["comment"]), match["comment"]
    found = subprocess.run(
        ["git", "cat-file", "-p", f"{rev}:.pre-commit-hooks.yaml"], cwd=ROOT, capture_output=True, check=False
    )
    assert found.returncode == 0, f"{rev} with a .pre-commit-hooks.yaml (a full clone?): {found.stderr!r}"
    hooks = yaml.safe_load(found.stdout)
    assert match["id"] in [hook["id"] for hook in hooks]


def test_readme_test_command_is_what_ci_runs() -> None:
    command = re.search(
        r"^python3 -m venv \.venv && \.venv/bin/pip install -e '\.\[test\]' && \.venv/bin/pytest$", README, re.M
    )
    assert command is not None
    assert command.group(0) in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_help_of_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    for command in COMMANDS:
        assert main([command, "--help"]) == 0
        assert "Usage: pmsync " + command in capsys.readouterr().out
