"""pmsync.state.json: what a run saves is exactly what the next run plans with."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import fields
from pathlib import Path

from pmsync.github import state
from pmsync.github.content import Agreed, Marker, body_content, content_hash, with_marker
from pmsync.github.issues import RemoteIssue

URL = "https://github.com/acme/pm/issues/"
T0 = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
AGREED = Agreed("Add alerting", "0123456789abcdef", ("incident:db-1", "pmsync"), ("alice",), "db-1", "@alice")


def _issue(number: int, marker: Marker | None, **changes: object) -> RemoteIssue:
    values: dict[str, object] = {
        "number": number,
        "id": 1000 + number,
        "title": "Add alerting",
        "body": with_marker("Body people read.", marker) if marker else "Filed by hand.",
        "state": "open",
        "state_reason": None,
        "labels": ("incident:db-1", "pmsync"),
        "assignees": ("alice",),
        "milestone": "db-1",
        "html_url": f"{URL}{number}",
        "created_at": T0,
        "updated_at": T0 + dt.timedelta(hours=number),
        "closed_at": None,
        "content_hash": "0123456789abcdef",
    }
    values.update(changes)
    return RemoteIssue(**values)  # type: ignore[arg-type]


def _issues() -> list[RemoteIssue]:
    item = Marker("item", "postmortems/db-1.md", "k1", "db-1", AGREED)
    return [
        _issue(1, item),  # as pmsync left it
        _issue(  # people changed every field pmsync agreed on, and moved it
            2,
            Marker("item", "postmortems/db-1.md", "k2", "db-1", AGREED, {"reminded": 7}),
            title="Add alerting (edited)",
            labels=("incident:db-1", "pmsync", "p1"),
            assignees=(),
            milestone=None,
            html_url="https://github.com/acme/other/issues/9",
            content_hash="fedcba9876543210",
            state="closed",
            state_reason="not_planned",
            closed_at=T0 + dt.timedelta(days=2),
            locked=True,
        ),
        _issue(3, Marker("parent", "postmortems/db-1.md", "", "db-1"), title="Incident db-1", assignees=()),
        _issue(4, None, title="Hand-made, labelled pmsync", content_hash=None),
    ]


def _load(path: Path) -> state.Snapshot:
    loaded = state.load(path, "acme/pm", "pmsync", T0 + dt.timedelta(days=1))
    assert loaded is not None
    return loaded


def test_a_saved_snapshot_loads_as_the_issues_it_was_saved_from(tmp_path: Path) -> None:
    issues = _issues()
    path = tmp_path / state.STATE_NAME
    assert state.save(path, state.render("acme/pm", "pmsync", T0, issues))

    loaded = _load(path)

    compared = [f.name for f in fields(RemoteIssue) if f.name not in ("body", "body_known", "content_hash")]
    for saved, back in zip(issues, loaded.issues, strict=True):
        assert {n: getattr(back, n) for n in compared} == {n: getattr(saved, n) for n in compared}
        assert back.marker == saved.marker
        assert back.content_hash == (saved.content_hash or content_hash("Filed by hand."))
        assert back.body_known is False
    assert loaded.since == issues[-1].updated_at


def test_saving_what_was_loaded_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / state.STATE_NAME
    state.save(path, state.render("acme/pm", "pmsync", T0, _issues()))
    before = path.read_bytes()

    again = state.render("acme/pm", "pmsync", T0, list(_load(path).issues))

    assert not state.save(path, again)
    assert path.read_bytes() == before


def test_a_line_repeats_only_what_differs_from_the_marker(tmp_path: Path) -> None:
    path = tmp_path / state.STATE_NAME
    state.save(path, state.render("acme/pm", "pmsync", T0, _issues()))
    lines = path.read_text(encoding="utf-8").splitlines()

    as_agreed, edited = json.loads(lines[1].rstrip(",")), json.loads(lines[2].rstrip(","))

    assert as_agreed[-1] == {}  # title, labels, assignees, milestone, hash and url all follow from the marker
    assert set(edited[-1]) == {"title", "labels", "assignees", "milestone", "hash", "url"}
    assert len(lines[1]) < 300


def test_a_damaged_or_older_file_is_not_trusted(tmp_path: Path) -> None:
    path = tmp_path / state.STATE_NAME
    state.save(path, state.render("acme/pm", "pmsync", T0, _issues()))
    good = path.read_text(encoding="utf-8")
    now = T0 + dt.timedelta(days=1)

    path.write_text(good.replace('["item",', '["bogus",', 1), encoding="utf-8")
    assert state.load(path, "acme/pm", "pmsync", now) is None
    path.write_text(good.replace('"version": 2', '"version": 1'), encoding="utf-8")
    assert state.load(path, "acme/pm", "pmsync", now) is None
    path.write_text(good[: len(good) // 2], encoding="utf-8")
    assert state.load(path, "acme/pm", "pmsync", now) is None
    path.write_text("".join(good.splitlines(keepends=True)[:-2]), encoding="utf-8")  # cut at a line's end
    assert state.load(path, "acme/pm", "pmsync", now) is None
    path.write_text(good, encoding="utf-8")
    assert state.load(path, "acme/pm", "pmsync", now + dt.timedelta(days=8)) is None  # full listing due


def test_an_issue_without_its_body_keeps_what_the_state_file_needs() -> None:
    marker = Marker("item", "postmortems/db-1.md", "k1", "db-1", AGREED)
    issue = _issue(1, marker, content_hash=None)

    light = issue.without_body()

    assert (light.body, light.body_known) == ("", False)
    assert light.marker == marker
    assert light.content_hash == content_hash(body_content(issue.body))
    assert light.without_body() is light
    assert state.render("acme/pm", "pmsync", T0, [light]) == state.render("acme/pm", "pmsync", T0, [issue])
