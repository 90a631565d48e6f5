"""The push plan, built by hand: identity, three-way merge, state rules, orphans."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import replace
from typing import Any

import pytest

from pmsync.engine.plan import Action, Document, Plan, PlanSettings, build_plan
from pmsync.github.content import Marker, body_content, parse_marker, with_marker
from pmsync.github.issues import RemoteIssue
from pmsync.model import Incident, IssueRef, Item, Postmortem
from tests.helpers import INCIDENT, new_item

REPO = "acme/pm"
PATH = "postmortems/2024-03-11-db-outage.md"
T0 = dt.datetime(2024, 3, 20, 12, 0, tzinfo=dt.UTC)
SETTINGS = PlanSettings(repo=REPO, document_url="https://github.com/acme/pm/blob/HEAD")


def url(number: int) -> str:
    return f"https://github.com/{REPO}/issues/{number}"


def key_of(title: str) -> str:
    """Like extraction: the key follows the item's words."""
    return hashlib.sha1(" ".join(re.findall(r"\w+", title.lower())).encode()).hexdigest()[:10]


def make_item(title: str = "Add alerting on replication lag", **fields: Any) -> Item:
    text = "Page the on-call when lag exceeds 30 s."
    where = {"line": 40, "end_line": 40, "anchor_line": 40}
    return new_item(title=title, **{"key": "k-alerting", "text": text, **where, **fields})


def document(*items: Item, path: str = PATH, incident: Incident = INCIDENT) -> Document:
    return Document(Postmortem(path, incident, tuple(items)), path)


def plan_for(
    items: list[Item] | Item,
    issues: list[RemoteIssue] = (),  # type: ignore[assignment]
    settings: PlanSettings = SETTINGS,
    **options: Any,
) -> Plan:
    listed = [items] if isinstance(items, Item) else items
    return build_plan([document(*listed)], list(issues), settings, **options)


def only(plan: Plan) -> Action:
    actions = [a for a in plan.actions if a.item is not None]
    assert len(actions) == 1, actions
    return actions[0]


def filed(item: Item, number: int = 1, *, assignable: frozenset[str] | None = None) -> tuple[Item, RemoteIssue]:
    """The item as linked after the push that created it, and its issue as GitHub holds it."""
    action = only(plan_for(item, assignable=assignable))
    assert action.kind == "create" and action.write is not None
    write = action.write
    assert write.title is not None and write.body is not None and write.labels is not None
    state = action.state or "open"
    issue = RemoteIssue(
        number=number,
        id=1000 + number,
        title=write.title,
        body=write.body,
        state="open" if state == "open" else "closed",
        state_reason=None if state == "open" else state,
        labels=write.labels,
        assignees=write.assignees or (),
        milestone=action.milestone,
        html_url=url(number),
        created_at=T0,
        updated_at=T0,
        closed_at=None if state == "open" else T0,
    )
    linked = replace(item, issue=IssueRef(number, REPO, url(number), bound=True), agreed_state=state)
    return linked, issue


def on_github(issue: RemoteIssue, **changes: Any) -> RemoteIssue:
    """The issue after a person changed it on GitHub."""
    return replace(issue, updated_at=T0 + dt.timedelta(days=1), **changes)


# -- creating -----------------------------------------------------------------------------------


def test_new_item_is_created_with_its_marker_and_labels() -> None:
    item = make_item(priority="P1", kind="detect", owner="@jdoe")
    plan = plan_for(item)
    action = only(plan)
    assert action.kind == "create" and action.write is not None
    write = action.write
    assert write.title == "Add alerting on replication lag"
    assert write.labels == ("incident:2024-03-11-db-outage", "kind:detect", "pmsync", "priority:P1")
    assert write.assignees == ("jdoe",)
    marker = parse_marker(write.body)
    assert marker is not None and (marker.kind, marker.path, marker.key) == ("item", PATH, "k-alerting")
    assert marker.agreed is not None and marker.agreed.title == write.title
    assert marker.agreed.labels == write.labels and marker.agreed.assignees == ("jdoe",)
    assert "#L40" in (write.body or "")
    assert sorted(label.name for label in plan.labels) == list(write.labels)
    assert (plan.creates, plan.closes, plan.write_count) == (1, 0, 5)


def test_labels_already_on_managed_issues_are_not_created_again() -> None:
    _, issue = filed(make_item(priority="P1"))
    other = make_item("Rotate the replication credentials", key="k-rotate", priority="P2")
    plan = plan_for([other], [issue])
    assert [label.name for label in plan.labels] == ["priority:P2"]


def test_priority_and_kind_labels_can_be_turned_off() -> None:
    settings = replace(SETTINGS, priority_labels=False, kind_labels=False)
    action = only(plan_for(make_item(priority="P1", kind="detect"), settings=settings))
    assert action.write is not None and action.write.labels == ("incident:2024-03-11-db-outage", "pmsync")


def test_done_and_wont_do_items_are_not_filed_by_default() -> None:
    done = only(plan_for(make_item(done=True)))
    assert (done.kind, done.detail) == ("skip", "done in document")
    dropped = only(plan_for(make_item(wont_do=True)))
    assert (dropped.kind, dropped.detail) == ("skip", "won't do in document")


def test_file_done_files_them_closed_unassigned_dated_from_the_document() -> None:
    settings = replace(SETTINGS, file_done=True)
    item = make_item(done=True, owner="@jdoe", text="Shipped ✅ 2024-03-20 by the db team")
    done = only(plan_for(item, settings=settings))
    assert (done.kind, done.state, done.closed_on) == ("create", "completed", dt.date(2024, 3, 20))
    assert done.write is not None and done.write.assignees is None
    assert "@jdoe" not in (done.write.body or "")  # no mention: nobody is notified
    dropped = only(plan_for(make_item(wont_do=True), settings=settings))
    assert (dropped.kind, dropped.state, dropped.closed_on) == ("create", "not_planned", None)


def test_owner_who_cannot_be_assigned_is_a_warning() -> None:
    plan = plan_for(make_item(owner="amina", line=12), assignable=frozenset({"jdoe"}))
    assert only(plan).write is not None and only(plan).write.assignees is None  # type: ignore[union-attr]
    assert plan.warnings == (f"{PATH}:12: @amina cannot be assigned in {REPO} (filed without an assignee)",)
    plan = plan_for(make_item(owner="JDoe"), assignable=frozenset({"jdoe"}))
    assert only(plan).write.assignees == ("JDoe",)  # type: ignore[union-attr]
    assert plan.warnings == ()


def test_owner_that_is_not_a_login_is_a_warning() -> None:
    plan = plan_for(make_item(owner="Ingrid Lind"))
    assert only(plan).kind == "create" and only(plan).write.assignees is None  # type: ignore[union-attr]
    assert "'Ingrid Lind' is not a GitHub login" in plan.warnings[0]


def test_milestone_per_incident_with_the_latest_due_date() -> None:
    settings = replace(SETTINGS, milestone="incident")
    items = [
        make_item(due=dt.date(2024, 5, 1)),
        make_item("Rotate credentials", key="k2", due=dt.date(2024, 6, 30)),
        make_item("Write a runbook", key="k3"),
    ]
    plan = plan_for(items, settings=settings)
    assert plan.milestones == (("Postmortem: Primary database outage", dt.date(2024, 6, 30)),)
    assert {a.milestone for a in plan.of("create")} == {"Postmortem: Primary database outage"}


def test_parent_issue_per_incident() -> None:
    settings = replace(SETTINGS, parent_issue=True)
    plan = plan_for([make_item(), make_item("Rotate credentials", key="k2")], settings=settings)
    assert [(p.incident.id, p.number) for p in plan.parents] == [(INCIDENT.id, None)]
    parent = RemoteIssue(
        9, 1009, "Postmortem follow-ups", with_marker("", Marker("parent", PATH, "parent", INCIDENT.id)),
        "open", None, ("incident:2024-03-11-db-outage", "pmsync"), (), None, url(9), T0, T0, None,
    )  # fmt: skip
    plan = plan_for([make_item()], [parent], settings=settings)
    assert [(p.incident.id, p.number) for p in plan.parents] == [(INCIDENT.id, 9)]
    assert plan_for([make_item()], settings=SETTINGS).parents == ()


# -- the review gate ------------------------------------------------------------------------------


def test_draft_items_are_skipped_unless_included() -> None:
    draft = replace(INCIDENT, status="draft")
    plan = build_plan([document(make_item(), incident=draft)], [], SETTINGS)
    assert only(plan).kind == "skip" and "draft" in only(plan).detail
    plan = build_plan([document(make_item(), incident=draft)], [], replace(SETTINGS, include_drafts=True))
    assert only(plan).kind == "create"


def test_require_reviewed() -> None:
    settings = replace(SETTINGS, require_reviewed=True)
    unmarked = replace(INCIDENT, status=None)
    assert only(build_plan([document(make_item(), incident=unmarked)], [], settings)).kind == "skip"
    assert only(build_plan([document(make_item())], [], settings)).kind == "create"


def test_filed_items_of_a_draft_are_still_kept_in_step() -> None:
    item, issue = filed(make_item())
    draft = replace(INCIDENT, status="draft")
    plan = build_plan([document(replace(item, title="Alert on lag"), incident=draft)], [issue], SETTINGS)
    assert only(plan).kind == "update"


# -- three-way merge of fields ---------------------------------------------------------------------


def test_nothing_changed_is_a_noop() -> None:
    item, issue = filed(make_item(priority="P2", owner="jdoe"))
    action = only(plan_for(item, [issue]))
    assert (action.kind, action.write, action.number) == ("noop", None, 1)
    assert plan_for(item, [issue]).write_count == 0


def test_document_changed_title_is_written() -> None:
    item, issue = filed(make_item())
    action = only(plan_for(replace(item, title="Alert on replication lag over 30 s"), [issue]))
    assert action.kind == "update" and action.write is not None
    assert action.write.title == "Alert on replication lag over 30 s"
    assert "title" in action.changes
    marker = parse_marker(action.write.body)
    assert marker is not None and marker.agreed is not None
    assert marker.agreed.title == "Alert on replication lag over 30 s"


def test_title_changed_on_github_is_kept() -> None:
    item, issue = filed(make_item())
    action = only(plan_for(item, [on_github(issue, title="Replication lag alerting (SRE-123)")]))
    assert (action.kind, action.write) == ("noop", None)


def test_title_changed_on_both_sides_is_a_conflict() -> None:
    item, issue = filed(make_item())
    action = only(plan_for(replace(item, title="Alert on lag"), [on_github(issue, title="Lag alerting")]))
    assert action.kind == "conflict" and action.write is None
    assert "title" in action.detail


def test_title_changed_on_both_sides_is_a_conflict_when_the_key_follows_the_title() -> None:
    # Extraction keys an item on its words, so a title edit also changes the key.
    item, issue = filed(make_item(key=key_of("Add alerting on replication lag")))
    edited = replace(item, title="Alert on lag", key=key_of("Alert on lag"))
    action = only(plan_for(edited, [on_github(issue, title="Lag alerting")]))
    assert action.kind == "conflict", action
    # Nothing is written, the marker included: its agreed title stays the old one, so
    # the next run still sees both sides changed.
    assert action.write is None and action.refresh_marker is None


def test_both_sides_making_the_same_change_is_no_conflict() -> None:
    item, issue = filed(make_item())
    action = only(plan_for(replace(item, title="Alert on lag"), [on_github(issue, title="Alert on lag")]))
    assert action.kind in ("noop", "update") and "conflict" not in action.kind
    assert action.write is None or action.write.title is None


def test_document_changed_text_rewrites_the_body() -> None:
    item, issue = filed(make_item())
    action = only(plan_for(replace(item, text="Page when lag exceeds 10 s."), [issue]))
    assert action.kind == "update" and action.write is not None and action.write.body is not None
    assert action.changes == ("body",)
    assert "Page when lag exceeds 10 s." in action.write.body
    assert parse_marker(action.write.body) is not None


def test_body_edited_on_github_is_kept_and_on_both_sides_is_a_conflict() -> None:
    item, issue = filed(make_item())
    edited = on_github(issue, body=issue.body.replace("Page the on-call", "Page the DB on-call"))
    assert only(plan_for(item, [edited])).kind == "noop"
    action = only(plan_for(replace(item, text="Page when lag exceeds 10 s."), [edited]))
    assert action.kind == "conflict" and action.write is None


def test_moving_the_item_down_the_document_is_no_change() -> None:
    item, issue = filed(make_item())
    moved = replace(item, line=52, end_line=52, anchor_line=52)
    action = only(plan_for(moved, [issue]))
    assert (action.kind, action.write) == ("noop", None)


def test_labels_people_added_are_kept() -> None:
    item, issue = filed(make_item(priority="P1"))
    with_bug = on_github(issue, labels=tuple(sorted((*issue.labels, "bug"))))
    assert only(plan_for(item, [with_bug])).kind == "noop"
    action = only(plan_for(replace(item, priority="P2"), [with_bug]))
    assert action.kind == "update" and action.write is not None
    assert action.write.labels == ("bug", "incident:2024-03-11-db-outage", "pmsync", "priority:P2")


def test_managed_label_removed_on_github_is_not_put_back() -> None:
    item, issue = filed(make_item(priority="P1"))
    removed = on_github(issue, labels=tuple(n for n in issue.labels if n != "priority:P1"))
    assert only(plan_for(item, [removed])).kind == "noop"


def test_assignees_three_way() -> None:
    item, issue = filed(make_item(owner="jdoe"))
    reassigned = on_github(issue, assignees=("asmith",))
    assert only(plan_for(item, [reassigned])).kind == "noop"
    action = only(plan_for(replace(item, owner="bwong"), [issue]))
    assert action.kind == "update" and action.write is not None and action.write.assignees == ("bwong",)
    # Changed on both sides: reported, GitHub's value left, and not recorded as agreed
    # (the body's Owner row still changes, so the action may update the body).
    both = only(plan_for(replace(item, owner="bwong"), [reassigned]))
    assert "assignees changed on both sides" in both.detail
    assert both.write is not None and both.write.assignees is None and both.write.body is not None
    marker = parse_marker(both.write.body)
    assert marker is not None and marker.agreed is not None
    assert marker.agreed.assignees == ("jdoe",), "the conflict would be forgotten by the next run"


def test_issue_without_agreed_values_takes_the_documents() -> None:
    item, issue = filed(make_item())
    # A marker written by hand (or by an older run) with no agreed values.
    bare = replace(issue, title="Something else", body=with_marker("Old text", Marker("item", PATH, item.key, "x")))
    action = only(plan_for(item, [bare]))
    assert action.kind == "update" and action.write is not None
    assert action.write.title == "Add alerting on replication lag"
    marker = parse_marker(action.write.body)
    assert marker is not None and marker.agreed is not None


# -- state ------------------------------------------------------------------------------------------

STATE_CASES = [
    # (document: done/wont_do, agreed in the span, issue (state, reason)) -> (kind, write state, reason)
    ("done", "open", ("open", None), "close", "closed", "completed"),
    ("wont_do", "open", ("open", None), "close", "closed", "not_planned"),
    ("open", "open", ("closed", "completed"), "noop", None, None),
    ("open", "open", ("closed", "not_planned"), "noop", None, None),
    ("done", "open", ("closed", "completed"), "noop", None, None),
    ("done", "open", ("closed", "not_planned"), "conflict", None, None),
    ("wont_do", "open", ("closed", "completed"), "conflict", None, None),
    ("done", "completed", ("closed", "completed"), "noop", None, None),
    ("open", "completed", ("closed", "completed"), "reopen", "open", "reopened"),
    ("open", "not_planned", ("closed", "not_planned"), "reopen", "open", "reopened"),
    ("open", "completed", ("open", "reopened"), "noop", None, None),
    ("done", "completed", ("open", "reopened"), "noop", None, None),
    ("wont_do", "completed", ("closed", "completed"), "close", "closed", "not_planned"),
    ("done", None, ("open", None), "close", "closed", "completed"),
    ("open", None, ("closed", "completed"), "noop", None, None),
    ("done", "open", ("closed", "duplicate"), "conflict", None, None),
]


@pytest.mark.parametrize(("document", "agreed", "remote", "kind", "state", "reason"), STATE_CASES)
def test_state_three_way(
    document: str, agreed: str | None, remote: tuple[str, str | None], kind: str, state: str | None, reason: str | None
) -> None:
    item, issue = filed(make_item())
    item = replace(item, done=document == "done", wont_do=document == "wont_do", agreed_state=agreed)
    issue = replace(issue, state=remote[0], state_reason=remote[1], closed_at=T0 if remote[0] == "closed" else None)
    action = only(plan_for(item, [issue]))
    assert action.kind == kind
    if state is None:
        assert action.write is None or action.write.state is None
    else:
        assert action.write is not None and (action.write.state, action.write.state_reason) == (state, reason)
        assert "state" in action.changes


def test_close_counts_toward_the_cap() -> None:
    item, issue = filed(make_item())
    plan = plan_for(replace(item, done=True), [issue])
    assert (plan.creates, plan.closes) == (0, 1)


# -- identity -----------------------------------------------------------------------------------------


def test_item_found_by_its_marker_is_adopted_not_created() -> None:
    item, issue = filed(make_item())
    unlinked = replace(item, issue=None, agreed_state=None)
    action = only(plan_for(unlinked, [issue]))
    assert (action.kind, action.number, action.write) == ("adopt", 1, None)
    assert "adopted" in action.detail


def test_marker_of_another_document_is_not_adopted() -> None:
    item, issue = filed(make_item())
    other = build_plan([document(replace(item, issue=None), path="postmortems/other.md")], [issue], SETTINGS)
    assert [a.kind for a in other.actions if a.item is not None] == ["create"]


def test_edited_linked_item_keeps_its_issue() -> None:
    item, issue = filed(make_item(key=key_of("Add alerting on replication lag")))
    edited = replace(item, title="Add paging on replication lag", key=key_of("Add paging on replication lag"))
    action = only(plan_for(edited, [issue]))
    assert (action.kind, action.number) == ("update", 1)
    marker = parse_marker(action.write.body if action.write else None)
    assert marker is not None and marker.key == edited.key


def test_one_issue_linked_from_two_items() -> None:
    item, issue = filed(make_item())
    twin = replace(item, key="k-twin", title="Another item", line=41, anchor_line=41)
    kinds = [a.kind for a in plan_for([item, twin], [issue]).actions]
    assert kinds == ["noop", "conflict"]


def test_link_to_an_issue_not_managed() -> None:
    item = make_item(issue=IssueRef(77, REPO, url(77), bound=True), agreed_state="open")
    action = only(plan_for(item, []))
    assert action.kind == "skip" and "#77 is not among the issues labelled 'pmsync'" in action.detail
    foreign = make_item(issue=IssueRef(5, "other/repo", "https://github.com/other/repo/issues/5", bound=True))
    assert only(plan_for(foreign, [])).kind == "skip"


def test_reference_only_items_are_skipped() -> None:
    assert only(plan_for(make_item("#2127", text=""))).kind == "skip"
    assert only(plan_for(make_item("2i2c-org/infrastructure#2213", text=""))).kind == "skip"


def test_unbound_reference_to_a_managed_issue_binds_it() -> None:
    item, issue = filed(make_item())
    referenced = replace(item, key="other-key", issue=IssueRef(1), agreed_state=None)
    action = only(plan_for(referenced, [issue]))
    assert action.number == 1 and action.kind != "create"


# -- orphans and duplicates ------------------------------------------------------------------------------


def test_removed_item_is_an_orphan_closed_only_when_configured() -> None:
    _, issue = filed(make_item())
    remaining = make_item("Rotate credentials", key="k2")
    plan = plan_for(remaining, [issue])
    [orphan] = plan.of("orphan")
    assert (orphan.number, orphan.write) == (1, None)
    assert plan.closes == 0

    plan = plan_for(remaining, [issue], replace(SETTINGS, close_orphans=True))
    [close] = plan.of("close_orphan")
    assert close.write is not None and (close.write.state, close.write.state_reason) == ("closed", "not_planned")
    assert plan.closes == 1

    closed = replace(issue, state="closed", state_reason="completed")
    assert plan_for(remaining, [closed], replace(SETTINGS, close_orphans=True)).of("orphan", "close_orphan") == []


def test_issue_of_a_document_not_scanned_is_no_orphan_unless_scanning_everything() -> None:
    _, issue = filed(make_item())
    other = build_plan([document(make_item(key="k9"), path="postmortems/other.md")], [issue], SETTINGS)
    assert other.of("orphan") == []
    everything = build_plan(
        [document(make_item(key="k9"), path="postmortems/other.md")],
        [issue],
        replace(SETTINGS, orphans_everywhere=True),
    )
    assert [a.number for a in everything.of("orphan")] == [1]


def test_duplicate_marker_closes_the_newer_issue() -> None:
    item, issue = filed(make_item())
    newer = replace(issue, number=2, id=1002, html_url=url(2))
    plan = plan_for(item, [newer, issue])
    [duplicate] = plan.of("close_duplicate")
    assert duplicate.number == 2 and duplicate.write is not None
    assert (duplicate.write.state, duplicate.write.state_reason) == ("closed", "duplicate")
    assert "#1" in duplicate.detail
    assert only(plan).kind == "noop" and only(plan).number == 1
    assert plan.of("orphan") == []


def test_duplicate_already_closed_is_left_alone() -> None:
    item, issue = filed(make_item())
    newer = replace(issue, number=2, id=1002, state="closed", state_reason="duplicate")
    assert plan_for(item, [issue, newer]).of("close_duplicate") == []


def test_duplicate_the_document_links_is_kept() -> None:
    item, issue = filed(make_item())
    newer = replace(issue, number=2, id=1002, html_url=url(2))
    linked_to_newer = replace(item, issue=IssueRef(2, REPO, url(2), bound=True))
    plan = plan_for(linked_to_newer, [issue, newer])
    assert only(plan).number == 2
    assert [a.number for a in plan.of("close_duplicate")] == [1]
    assert plan.of("orphan") == []


def test_body_content_of_a_planned_update_keeps_a_persons_text() -> None:
    item, issue = filed(make_item())
    edited = on_github(issue, body=issue.body.replace("Page the on-call", "Page the DB on-call"))
    action = only(plan_for(replace(item, title="Alert on lag"), [edited]))
    assert action.kind == "update" and action.write is not None
    assert "Page the DB on-call" in body_content(action.write.body)
