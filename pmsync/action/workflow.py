"""GitHub Actions' files and workflow commands: outputs, the job summary, annotations."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from pathlib import Path


class StepError(Exception):
    """A problem the workflow author can fix: shown as one ::error line."""


def escape_data(text: str) -> str:
    """Escape a workflow command's message (https://github.com/actions/toolkit, command.ts)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def annotate(level: str, message: str) -> None:
    print(f"::{level} title=pmsync::{escape_data(message)}", flush=True)


def set_outputs(values: Mapping[str, str], environ: Mapping[str, str]) -> None:
    """Append step outputs to $GITHUB_OUTPUT; multi-line values use a random heredoc delimiter."""
    path = environ.get("GITHUB_OUTPUT")
    lines = []
    for name, value in values.items():
        if "\n" in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
        else:
            lines.append(f"{name}={value}\n")
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.writelines(lines)
    else:  # outside GitHub Actions: show what would have been set
        for name, value in values.items():
            print(f"output {name}={value!r}")


def append_summary(markdown: str, environ: Mapping[str, str]) -> None:
    path = environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(markdown.rstrip("\n") + "\n\n")


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "1", "on")
