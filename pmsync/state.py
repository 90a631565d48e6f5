"""The managed issues as last seen, kept in `pmsync.state.json` next to the config.

On a fresh Actions runner the token is new every run and ETags do not carry
over, so the cheapest way to know what changed on GitHub is to ask only for the
issues updated since the last run (`since=`). That needs the rest of the
snapshot from somewhere: this file, committed alongside the documents. It keeps
each issue's fields and marker but not its body text (a hash of it instead), and
is rewritten only when something in it changed. A full listing is taken when the
file is missing, belongs to another repository or label, or its full listing is
more than a week old.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmsync.content import MARKER_VERSION, body_content, content_hash, parse_marker
from pmsync.tracker import RemoteIssue

STATE_NAME = "pmsync.state.json"
STATE_VERSION = 1
FULL_LISTING_EVERY = dt.timedelta(days=7)


@dataclass(frozen=True)
class State:
    repository: str
    label: str
    since: dt.datetime  # the newest update seen: the next listing asks for issues updated since then
    full_at: dt.datetime  # when the snapshot was last rebuilt from a full listing
    issues: tuple[RemoteIssue, ...]


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _parse(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def _record(issue: RemoteIssue) -> list[Any]:
    marker = parse_marker(issue.body)
    return [
        issue.number,
        issue.id,
        issue.title,
        issue.state,
        issue.state_reason,
        list(issue.labels),
        list(issue.assignees),
        issue.milestone,
        issue.html_url,
        _time(issue.created_at),
        _time(issue.updated_at),
        _time(issue.closed_at),
        issue.locked,
        issue.content_hash or content_hash(body_content(issue.body)),
        marker.encode() if marker is not None else None,
    ]


def _issue(record: list[Any]) -> RemoteIssue:
    (number, ident, title, state, reason, labels, assignees, milestone, url, created, updated, closed, locked,
     digest, marker) = record  # fmt: skip
    created_at = _parse(created) or dt.datetime.now(dt.UTC)
    return RemoteIssue(
        number=int(number),
        id=int(ident),
        title=str(title),
        body=str(marker or ""),  # the marker only: enough to plan, and the body is fetched if ever needed
        state="closed" if state == "closed" else "open",
        state_reason=reason,
        labels=tuple(labels),
        assignees=tuple(assignees),
        milestone=milestone,
        html_url=str(url),
        created_at=created_at,
        updated_at=_parse(updated) or created_at,
        closed_at=_parse(closed),
        locked=bool(locked),
        content_hash=str(digest),
        body_known=False,
    )


def load(path: Path, repository: str, label: str, now: dt.datetime) -> State | None:
    """The saved snapshot, if it can be trusted for an incremental listing."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        if data.get("version") != STATE_VERSION or data.get("marker_version") != MARKER_VERSION:
            return None
        if str(data.get("repository", "")).lower() != repository.lower() or data.get("label") != label:
            return None
        since, full_at = _parse(data["since"]), _parse(data["full_at"])
        if since is None or full_at is None or now - full_at > FULL_LISTING_EVERY:
            return None
        issues = tuple(_issue(record) for record in data["issues"])
    except (KeyError, TypeError, ValueError):
        return None  # damaged: a full listing rebuilds it
    return State(repository, label, since, full_at, issues)


def merge(saved: tuple[RemoteIssue, ...], changed: list[RemoteIssue]) -> list[RemoteIssue]:
    by_number = {issue.number: issue for issue in saved}
    for issue in changed:
        by_number[issue.number] = issue
    return sorted(by_number.values(), key=lambda issue: issue.number)


def render(repository: str, label: str, full_at: dt.datetime, issues: list[RemoteIssue]) -> str:
    """The file's text: one issue per line, so a change shows as a small git diff."""
    since = max((issue.updated_at for issue in issues), default=full_at)
    head = {
        "version": STATE_VERSION,
        "marker_version": MARKER_VERSION,
        "repository": repository,
        "label": label,
        "since": _time(since),
        "full_at": _time(full_at),
    }
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + ', "issues": [']
    records = [json.dumps(_record(issue), ensure_ascii=False) for issue in sorted(issues, key=lambda i: i.number)]
    lines.extend(f"  {record}," for record in records[:-1])
    if records:
        lines.append(f"  {records[-1]}")
    lines.append("]}")
    return "\n".join(lines) + "\n"


def save(path: Path, text: str) -> bool:
    """Write the state when it changed; True when the file was written."""
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(path)
    return True
