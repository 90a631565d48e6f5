"""What pmsync writes into a GitHub issue: title, body, labels, hidden marker.

The marker at the end of the body records which document item the issue tracks
and the values pmsync last wrote (the "agreed" side of the three-way sync):

    <!-- pmsync:v1 eyJwYXRoIjogInBvc3Rtb3J0ZW1zL...== -->

Its payload is base64 JSON, so no text from a document can close the comment or
forge a second marker; only the last marker in a body counts.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from pmsync.model import Incident, Item

MARKER_VERSION = 1
TITLE_LIMIT = 256  # GitHub's maximum issue title length
_MARKER = re.compile(r"<!-- pmsync:v(?P<version>\d+) (?P<payload>[A-Za-z0-9_=-]+) -->")
_MARKER_START = "<!-- pmsync:v"
_LINE_ANCHOR = re.compile(r"#L\d+(?:-L\d+)?\)")
_TEAM_MENTION = re.compile(r"(?<![\w`])@(?P<who>(?:[A-Za-z0-9-]+/[A-Za-z0-9_.-]+)|everyone|here|channel|all)\b")


@dataclass(frozen=True)
class LabelSpec:
    name: str
    color: str
    description: str


@dataclass(frozen=True, slots=True)
class Agreed:
    """Values pmsync last wrote to the issue, as the document said them."""

    title: str
    body: str  # hash of the body content (without marker and line anchors)
    labels: tuple[str, ...]  # the labels pmsync manages, sorted
    assignees: tuple[str, ...]  # sorted
    milestone: str | None = None
    owner: str | None = None  # the owner written in the document when the assignees were decided


@dataclass(frozen=True, slots=True)
class Marker:
    kind: Literal["item", "parent", "digest"]
    path: str
    key: str
    incident: str
    agreed: Agreed | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # later versions' fields, kept on rewrite

    def encode(self) -> str:
        # Built by hand, not with dataclasses.asdict: its deep copy was the slowest
        # part of planning a sync over tens of thousands of issues.
        agreed = None if self.agreed is None else {f: getattr(self.agreed, f) for f in _AGREED_FIELDS}
        data = {**self.extra, "kind": self.kind, "path": self.path, "key": self.key, "incident": self.incident}
        data["agreed"] = agreed
        payload = base64.urlsafe_b64encode(json.dumps(data, sort_keys=True).encode("utf-8")).decode("ascii")
        return f"<!-- pmsync:v{MARKER_VERSION} {payload} -->"


_AGREED_FIELDS = tuple(f.name for f in fields(Agreed))


def imported_on(marker: Marker | None) -> tuple[bool, dt.date | None]:
    """Whether the issue was filed already closed (push.file_done), and the day the
    document says the work was finished, when it says."""
    record = marker.extra.get("imported") if marker is not None else None
    if not isinstance(record, dict):
        return False, None
    try:
        return True, dt.date.fromisoformat(str(record["on"])) if record.get("on") else None
    except ValueError:
        return True, None


def parse_marker(body: str | None) -> Marker | None:
    """The last pmsync marker in an issue body, or None (absent, damaged, or from a
    newer major version this release cannot read)."""
    match = _last_marker(body)
    if match is None or int(match["version"]) != MARKER_VERSION:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(match["payload"].encode("ascii")))
        agreed_data = data.pop("agreed", None)
        agreed = None
        if isinstance(agreed_data, dict):
            agreed = Agreed(
                title=str(agreed_data["title"]),
                body=str(agreed_data["body"]),
                labels=tuple(agreed_data["labels"]),
                assignees=tuple(agreed_data["assignees"]),
                milestone=agreed_data.get("milestone"),
                owner=agreed_data.get("owner"),
            )
        kind = data.pop("kind")
        if kind not in ("item", "parent", "digest"):
            return None
        return Marker(
            kind=kind,
            path=str(data.pop("path")),
            key=str(data.pop("key")),
            incident=str(data.pop("incident")),
            agreed=agreed,
            extra={k: v for k, v in data.items() if k != "extra"},
        )
    except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
        return None


def _last_marker(body: str | None) -> re.Match[str] | None:
    # Searching backwards from the end finds the last marker without scanning the
    # whole body with the pattern; every run reads tens of thousands of them.
    end = len(body or "")
    while body and (start := body.rfind(_MARKER_START, 0, end)) >= 0:
        match = _MARKER.match(body, start)
        if match is not None:
            return match
        end = start
    return None


def body_content(body: str | None) -> str:
    """The body without pmsync's marker: what people read and may edit."""
    if not body:
        return ""
    return _MARKER.sub("", body).rstrip()


def content_hash(content: str) -> str:
    """Hash of body content that ignores line anchors, so moving an item down the
    document (its `#L45` link changes) is not an edit worth an API write."""
    normalized = _LINE_ANCHOR.sub(")", content.replace("\r\n", "\n")).strip()
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()[:16]


def with_marker(content: str, marker: Marker) -> str:
    return f"{content.rstrip()}\n\n{marker.encode()}"


def sanitize(text: str, *, allow_team_mentions: bool = False) -> str:
    """The one mention filter: document text made safe to copy into an issue or a
    comment. It cannot open or close an HTML comment (and so cannot hide or forge
    a marker), and cannot mention a whole team or everyone unless the config allows
    it. Bodies are filtered whole, once, so no field (owner, group, text, incident)
    can bypass it; it leaves text it already filtered as it is."""
    text = text.replace("<!--", "&lt;!--").replace("-->", "--&gt;")
    if not allow_team_mentions:
        text = _TEAM_MENTION.sub(lambda m: f"`@{m['who']}`", text)
    return text


def issue_title(item: Item) -> str:
    title = " ".join(item.title.split()).rstrip(".")
    return title if len(title) <= TITLE_LIMIT else title[: TITLE_LIMIT - 1].rstrip() + "…"


def issue_body(
    item: Item,
    incident: Incident,
    document_link: str | None,
    *,
    allow_team_mentions: bool = False,
) -> str:
    """The issue's readable body (pmsync adds the marker)."""
    lines: list[str] = []
    title = " ".join(item.title.split())
    if len(title) > TITLE_LIMIT:
        lines.append(title)
        lines.append("")
    if item.text:
        lines.append(item.text)
        lines.append("")
    rows: list[tuple[str, str]] = []
    name = (incident.title or incident.id).replace("|", "\\|")
    details = [d for d in (incident.date.isoformat() if incident.date else None, incident.severity) if d]
    rows.append(("Incident", name + (f" ({', '.join(details)})" if details else "")))
    if item.group:
        rows.append(("Group", item.group.replace("|", "\\|")))
    if item.owner:
        rows.append(("Owner", item.owner.replace("|", "\\|")))
    if item.due:
        rows.append(("Due", item.due.isoformat()))
    if item.priority:
        rows.append(("Priority", item.priority))
    if item.kind:
        rows.append(("Kind", item.kind))
    if document_link:
        # The line number is only in the anchor, which content_hash ignores: moving
        # an item down its document is not a change worth a write.
        rows.append(("Postmortem", f"[{_link_text(document_link)}]({document_link}#L{item.line})"))
    lines.append("| | |")
    lines.append("|---|---|")
    lines.extend(f"| **{label}** | {value} |" for label, value in rows)
    lines.append("")
    lines.append("<sub>Filed by pmsync from the postmortem. Edit the item in the document to change this issue.</sub>")
    return sanitize("\n".join(lines), allow_team_mentions=allow_team_mentions)


def _link_text(url: str) -> str:
    return url.rsplit("/", 1)[-1] or url


def parent_body(incident: Incident, document_link: str | None) -> str:
    lines = [f"Follow-up work from the postmortem **{incident.title or incident.id}**."]
    if document_link:
        lines += ["", f"Postmortem: [{_link_text(document_link)}]({document_link})"]
    lines += ["", "<sub>Filed by pmsync. The action items are this issue's sub-issues.</sub>"]
    return sanitize("\n".join(lines))


PRIORITY_COLORS = {"P0": "b60205", "P1": "d93f0b", "P2": "fbca04", "P3": "0e8a16", "P4": "c5def5"}
KIND_DESCRIPTIONS = {
    "mitigate": "Reduces the impact of a recurrence",
    "prevent": "Prevents a recurrence",
    "detect": "Detects a recurrence sooner",
    "process": "Changes how people work",
}


def managed_label(name: str) -> LabelSpec:
    return LabelSpec(name, "5319e7", "Postmortem action item, tracked by pmsync")


def incident_label(incident: Incident) -> LabelSpec:
    title = (incident.title or incident.id)[:80]
    return LabelSpec(incident.label, "fef2c0", f"Action items from the postmortem: {title}"[:100])


def priority_label(priority: str) -> LabelSpec:
    return LabelSpec(
        f"priority:{priority}", PRIORITY_COLORS.get(priority, "ededed"), f"Postmortem action item, {priority}"
    )


def kind_label(kind: str) -> LabelSpec:
    return LabelSpec(f"kind:{kind}", "1d76db", KIND_DESCRIPTIONS.get(kind, kind))


def is_managed_label(name: str, managed: str) -> bool:
    """Labels pmsync sets and so may change; any other label on an issue is a person's."""
    return name == managed or name.startswith(("incident:", "priority:", "kind:"))
