"""The managed issues as last seen, kept in `pmsync.state.json` next to the config.

On a fresh Actions runner the token is new every run and ETags do not carry
over, so the cheapest way to know what changed on GitHub is to ask only for the
issues updated since the last run (`since=`). That needs the rest of the
snapshot from somewhere: this file, committed alongside the documents. It keeps
each issue's marker and state but not its body text (a hash of it instead), and
is rewritten only when something in it changed. A full listing is taken when the
file is missing, belongs to another repository or label, or its full listing is
more than a week old.

One issue per line, so a change shows as a small git diff. The marker already
holds the title, labels, assignees, milestone and body hash pmsync agreed with
the issue; a line repeats one of those only where the issue differs, which keeps
the file near 300 bytes per issue (about 20 MB for 75,000 issues).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pmsync.github.content import MARKER_VERSION, Agreed, Marker
from pmsync.github.issues import RemoteIssue

STATE_NAME = "pmsync.state.json"
STATE_VERSION = 2
FULL_LISTING_EVERY = dt.timedelta(days=7)


@dataclass(frozen=True)
class Snapshot:
    """The managed issues a run works with: from a listing, or from this file plus
    what changed since (the one snapshot type; the plan reads it through IssueIndex)."""

    issues: list[RemoteIssue]
    full_at: dt.datetime  # when it was last rebuilt from a full listing
    since: dt.datetime | None = None  # the newest update seen when saved; None: a full listing this run


def _time(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


def _parse(value: Any) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None


def _defaults(marker: Marker | None, url: str) -> dict[str, Any]:
    """The issue's fields as its marker's agreed values say them: a line stores only what differs."""
    agreed = marker.agreed if marker is not None else None
    if agreed is None:
        return {"title": None, "labels": [], "assignees": [], "milestone": None, "hash": None, "url": url}
    return {
        "title": agreed.title,
        "labels": list(agreed.labels),
        "assignees": list(agreed.assignees),
        "milestone": agreed.milestone,
        "hash": agreed.body,
        "url": url,
    }


def _marker_record(marker: Marker | None) -> list[Any] | None:
    if marker is None:
        return None
    agreed = marker.agreed
    agreed_record = (
        None
        if agreed is None
        else [agreed.title, agreed.body, list(agreed.labels), list(agreed.assignees), agreed.milestone, agreed.owner]
    )
    return [marker.kind, marker.path, marker.key, marker.incident, agreed_record, marker.extra]


def _marker(record: list[Any] | None, intern: Callable[[str], str]) -> Marker | None:
    if record is None:
        return None
    kind, path, key, incident, agreed_record, extra = record
    agreed = None
    if agreed_record is not None:
        title, body, labels, assignees, milestone, owner = agreed_record
        agreed = Agreed(str(title), str(body), tuple(map(intern, labels)), tuple(assignees), milestone, owner)
    if kind not in ("item", "parent", "digest") or not isinstance(extra, dict):
        raise ValueError(f"not a marker: {record!r}")
    return Marker(kind, intern(str(path)), str(key), intern(str(incident)), agreed, extra)


def _record(issue: RemoteIssue, issues_url: str) -> list[Any]:
    fields = {
        "title": issue.title,
        "labels": list(issue.labels),
        "assignees": list(issue.assignees),
        "milestone": issue.milestone,
        "hash": issue.body_hash(),
        "url": issue.html_url,
    }
    defaults = _defaults(issue.marker, f"{issues_url}{issue.number}")
    return [
        issue.number,
        issue.id,
        issue.state,
        issue.state_reason,
        _time(issue.created_at),
        _time(issue.updated_at),
        _time(issue.closed_at),
        issue.locked,
        _marker_record(issue.marker),
        {name: value for name, value in fields.items() if value != defaults[name]},
    ]


def _issue(record: list[Any], issues_url: str, intern: Callable[[str], str]) -> RemoteIssue:
    number, ident, state, reason, created, updated, closed, locked, marker_record, differs = record
    marker = _marker(marker_record, intern)
    fields = {**_defaults(marker, f"{issues_url}{number}"), **differs}
    created_at = _parse(created) or dt.datetime.now(dt.UTC)
    return RemoteIssue(
        number=int(number),
        id=int(ident),
        title=str(fields["title"]),
        body="",  # not kept: the marker is enough to plan, and the body is fetched if ever needed
        state="closed" if state == "closed" else "open",
        state_reason=reason,
        labels=tuple(map(intern, fields["labels"])),
        assignees=tuple(fields["assignees"]),
        milestone=fields["milestone"],
        html_url=str(fields["url"]),
        created_at=created_at,
        updated_at=_parse(updated) or created_at,
        closed_at=_parse(closed),
        locked=bool(locked),
        content_hash=str(fields["hash"]),
        body_known=False,
        marker=marker,
    )


def _interner() -> Callable[[str], str]:
    """One string object for each distinct value: the incident label, the managed
    label and each path repeat across thousands of issues."""
    seen: dict[str, str] = {}
    return lambda text: seen.setdefault(text, text)


_ISSUES_OPEN = ', "issues": ['
_ISSUES_CLOSE = "]}"


def load(path: Path, repository: str, label: str, now: dt.datetime) -> Snapshot | None:
    """The saved snapshot, if it can be trusted for an incremental listing.

    Read a line at a time (the file is one issue per line, as `render` writes it),
    so a large snapshot is never held twice, as text and as parsed JSON.
    """
    try:
        with path.open(encoding="utf-8") as handle:
            head = json.loads(handle.readline().rstrip("\n").removesuffix(_ISSUES_OPEN) + "}")
            if head.get("version") != STATE_VERSION or head.get("marker_version") != MARKER_VERSION:
                return None
            if str(head.get("repository", "")).lower() != repository.lower() or head.get("label") != label:
                return None
            since, full_at = _parse(head["since"]), _parse(head["full_at"])
            if since is None or full_at is None or now - full_at > FULL_LISTING_EVERY:
                return None
            issues_url, intern = str(head["issues_url"]), _interner()
            issues: list[RemoteIssue] = []
            for line in handle:
                if line.rstrip("\n") == _ISSUES_CLOSE:
                    return Snapshot(issues, full_at, since)
                issues.append(_issue(json.loads(line.rstrip().removesuffix(",")), issues_url, intern))
    except (OSError, KeyError, TypeError, ValueError, AttributeError):
        pass  # missing or damaged: a full listing rebuilds it
    return None  # cut short (no closing line): not trusted either


def merge(saved: Sequence[RemoteIssue], changed: Sequence[RemoteIssue]) -> list[RemoteIssue]:
    by_number = {issue.number: issue for issue in saved}
    for issue in changed:
        by_number[issue.number] = issue
    return sorted(by_number.values(), key=lambda issue: issue.number)


def render(repository: str, label: str, full_at: dt.datetime, issues: list[RemoteIssue]) -> list[str]:
    """The file's lines: one issue per line, so a change shows as a small git diff
    (and the whole is still one JSON document)."""
    since = max((issue.updated_at for issue in issues), default=full_at)
    issues_url = _issues_url(issues)
    head = {
        "version": STATE_VERSION,
        "marker_version": MARKER_VERSION,
        "repository": repository,
        "label": label,
        "since": _time(since),
        "full_at": _time(full_at),
        "issues_url": issues_url,
    }
    lines = [json.dumps(head, ensure_ascii=False)[:-1] + _ISSUES_OPEN + "\n"]
    ordered = sorted(issues, key=lambda i: i.number)
    for index, issue in enumerate(ordered):
        record = json.dumps(_record(issue, issues_url), ensure_ascii=False, separators=(",", ":"))
        lines.append(f"  {record}{',' if index < len(ordered) - 1 else ''}\n")
    lines.append(_ISSUES_CLOSE + "\n")
    return lines


def _issues_url(issues: list[RemoteIssue]) -> str:
    """What every issue's address starts with, so a line need not repeat it."""
    for issue in issues:
        if issue.html_url.endswith(f"/issues/{issue.number}"):
            return issue.html_url.removesuffix(str(issue.number))
    return ""


def save(path: Path, lines: list[str]) -> bool:
    """Write the state when it changed; True when the file was written."""
    try:
        with path.open(encoding="utf-8", newline="") as old:
            # Compared a line at a time: the old text is never held whole.
            if all(old.readline() == line for line in lines) and old.read(1) == "":
                return False
    except (OSError, UnicodeDecodeError):
        pass
    temp = path.with_name(f".{path.name}.tmp")
    try:
        with temp.open("w", encoding="utf-8", newline="") as new:
            new.writelines(lines)
        temp.replace(path)
    finally:
        temp.unlink(missing_ok=True)
    return True
