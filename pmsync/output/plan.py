"""Plans and their outcomes as text for people and JSON for machines (push, sync); verbs defined once."""

from __future__ import annotations

import json
from typing import Any

from pmsync.commands.pull import PullResult
from pmsync.commands.push import PushResult
from pmsync.engine.apply import Applied, Outcome
from pmsync.engine.plan import Action, Conflict, Plan
from pmsync.model import Diagnostic
from pmsync.output.scan import diagnostic_line, fit_cell, github_annotation

_VERBS_PLANNED = {
    "create": "create",
    "update": "update",
    "close": "close",
    "reopen": "reopen",
    "adopt": "adopt",
    "noop": "unchanged",
    "skip": "skip",
    "conflict": "conflict",
    "orphan": "orphan",
    "close_orphan": "close",
    "close_duplicate": "close",
}
_VERBS_DONE = {
    "create": "created",
    "update": "updated",
    "close": "closed",
    "reopen": "reopened",
    "adopt": "adopted",
    "close_orphan": "closed",
    "close_duplicate": "closed",
}
SUMMARY_KINDS = ("create", "update", "close", "reopen", "adopt", "noop", "skip", "conflict", "orphan")


ORPHANS_COMMAND = "pmsync sync --close-orphans"


def confirm_question(plan: Plan, repo: str) -> str:
    """The question asked before writing: "Create 3, update 1, close 2 issues in acme/pm?"."""
    counts = plan_summary(plan)
    parts = [f"{kind} {counts[kind]}" for kind in ("create", "update", "close", "reopen") if counts[kind]]
    if counts["adopt"]:
        parts.append(f"adopt {counts['adopt']}")
    if not parts:
        return f"Create {len(plan.labels)} labels in {repo}?"
    text = ", ".join(parts)
    return f"{text[0].upper()}{text[1:]} issues in {repo}?"


def plan_summary(plan: Plan) -> dict[str, int]:
    counts = dict.fromkeys(SUMMARY_KINDS, 0)
    for action in plan.actions:
        kind = "close" if action.kind in ("close_orphan", "close_duplicate") else action.kind
        counts[kind] += 1
    return counts


def verb(kind: str, *, done: bool = False, failed: bool = False) -> str:
    """How an action is named: planned ("create"), done ("created") or failed ("FAILED create")."""
    planned = _VERBS_PLANNED.get(kind, kind)
    if failed:
        return "FAILED " + planned
    return _VERBS_DONE.get(kind, planned) if done else planned


def _action_line(action: Action, outcome: Outcome | None) -> str:
    failed = outcome is not None and not outcome.ok
    verb_shown = verb(action.kind, done=outcome is not None and outcome.ok, failed=failed)
    number = outcome.number if outcome and outcome.number else action.number
    ref = f"#{number} " if number else ""
    title = f"'{fit_cell(action.name, 70)}'" if action.name else ""
    line = f"    {verb_shown:<10} {ref}{title}"
    extras = []
    if action.changes:
        extras.append(", ".join(action.changes))
    if action.detail:
        extras.append(action.detail)
    if action.kind == "create" and action.write is not None and action.write.assignees:
        extras.append("assign " + ", ".join(f"@{a}" for a in action.write.assignees))
    if outcome is not None and outcome.error:
        extras.append(outcome.error)
    if extras:
        line += "  (" + "; ".join(extras) + ")"
    return line


def plan_text(plan: Plan, *, repo: str, dry_run: bool, applied: Applied | None = None, verbose: bool = False) -> str:
    outcomes = {id(o.action): o for o in applied.outcomes} if applied else {}
    header = f"pmsync push → {repo}" + (" (dry run: no request writes anything, no file changes)" if dry_run else "")
    lines = [header]
    by_path: dict[str, list[Action]] = {}
    for action in plan.actions:
        by_path.setdefault(action.path, []).append(action)
    for path, actions in by_path.items():
        shown = [a for a in actions if verbose or a.kind != "noop"]
        if not shown:
            continue
        lines.append(f"  {path}")
        lines.extend(_action_line(a, outcomes.get(id(a))) for a in shown)
    if plan.labels:
        lines.append("  labels to create: " + ", ".join(label.name for label in plan.labels))
    for parent in plan.parents:
        if parent.number is None:
            lines.append(f"  parent issue to create for {parent.incident.id}")
    counts = plan_summary(plan)
    lines.append(
        f"{counts['create']} to create, {counts['update']} to update, {counts['close']} to close, "
        f"{counts['reopen']} to reopen, {counts['adopt']} to adopt, {counts['noop']} unchanged, "
        f"{counts['skip']} skipped, {counts['conflict']} conflicts, {counts['orphan']} orphaned"
    )
    return "\n".join(lines) + "\n"


def _listed(values: tuple[str, ...] | None) -> list[str] | None:
    return None if values is None else list(values)


def _actions_json(plan: Plan, applied: Applied | None) -> list[dict[str, Any]]:
    outcomes = {id(o.action): o for o in applied.outcomes} if applied else {}
    actions = []
    for action in plan.actions:
        outcome = outcomes.get(id(action))
        write = action.write
        actions.append(
            {
                "kind": action.kind,
                "path": action.path,
                "line": action.item.line if action.item else None,
                "key": action.item.key if action.item else None,
                "title": action.name or None,
                "number": (outcome.number if outcome and outcome.number else action.number),
                "changes": list(action.changes),
                "detail": action.detail or None,
                "url": outcome.url if outcome else None,
                "error": outcome.error if outcome else None,
                # what the write sets; null where it leaves them as they are
                "labels": _listed(write.labels if write is not None else None),
                "assignees": _listed(write.assignees if write is not None else None),
            }
        )
    return actions


def _push_data(result: PushResult, dry_run: bool) -> dict[str, Any]:
    applied = result.applied
    return {
        "repository": result.repo,
        "dry_run": dry_run,
        "summary": plan_summary(result.plan),
        "labels_to_create": [label.name for label in result.plan.labels],
        "warnings": list(result.plan.warnings),
        "actions": _actions_json(result.plan, applied),
        "stopped": applied.stopped if applied is not None else None,
        "deferred": applied.deferred if applied is not None else 0,
        "written": list(result.written),
        "not_written": list(result.not_written),
        "conflicts": [_conflict_json(conflict) for conflict in result.conflicts],
    }


def _conflict_json(conflict: Conflict) -> dict[str, Any]:
    return {
        "path": conflict.path,
        "line": conflict.line,
        "number": conflict.number,
        "message": conflict.message,
        "resolve": conflict.resolve,
    }


def conflict_messages(conflicts: list[Conflict], *, annotate: bool) -> list[str]:
    """One line per conflict, with how to resolve it: a `::warning` annotation under GitHub Actions."""
    lines = []
    for conflict in conflicts:
        text = f"{conflict.message}; {conflict.resolve}"
        if annotate:
            lines.append(github_annotation(Diagnostic(conflict.path, conflict.line, "warning", "conflict", text)))
        else:
            lines.append(f"conflict: {conflict.where}: {text}")
    return lines


def _pull_data(result: PullResult, dry_run: bool) -> dict[str, Any]:
    return {
        "repository": result.repo,
        "dry_run": dry_run,
        "changes": [
            {"path": update.path, "change": change} for update in result.updates for change in update.changed_items
        ],
        "conflicts": [str(conflict) for conflict in result.conflicts],
        "conflict_details": [_conflict_json(conflict) for conflict in result.conflicts],
        "out_of_date": result.out_of_date,
        "written": list(result.written),
        "not_written": list(result.not_written),
    }


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def plan_json(result: PushResult, *, dry_run: bool) -> str:
    """A push as JSON: the plan, each action's outcome, and the documents written or left alone."""
    return _dump(_push_data(result, dry_run))


def pull_json(result: PullResult, *, dry_run: bool) -> str:
    """A pull as JSON: the items whose status changed, conflicts, the documents written or left alone."""
    return _dump(_pull_data(result, dry_run))


def sync_json(pushed: PushResult, pulled: PullResult, *, dry_run: bool) -> str:
    """A sync as JSON: the push's keys, and the pull's under "pull"; "written" lists every document saved."""
    data = _push_data(pushed, dry_run)
    data["pull"] = _pull_data(pulled, dry_run)
    data["written"] = sorted(set(pushed.written) | set(pulled.written))
    data["not_written"] = list(pushed.not_written) + list(pulled.not_written)
    return _dump(data)


def push_messages(result: PushResult, *, annotate: bool = False) -> list[str]:
    """The lines a push writes to stderr: warnings, conflicts, documents saved or left alone, a pause."""
    lines = [diagnostic_line(d) for d in result.diagnostics]
    lines += [f"warning: {warning}" for warning in result.plan.warnings]
    lines += conflict_messages(result.conflicts, annotate=annotate)
    orphans = result.plan.of("orphan")
    if orphans:
        numbers = " ".join(f"#{a.number}" for a in orphans)
        lines.append(
            f"{len(orphans)} issues track items no longer in their documents ({numbers}): close them as not planned "
            f"with `{ORPHANS_COMMAND}`, or put the items back"
        )
    lines += [f"updated {path}" for path in result.written]
    lines += [f"not updated: {problem}" for problem in result.not_written]
    applied = result.applied
    if applied is not None and applied.deferred:
        lines.append(f"paused: {applied.stopped}; run pmsync again to continue (nothing will be filed twice)")
    return lines


def pull_text(result: PullResult, *, show_diff: bool) -> str:
    """What a pull writes to stdout: the diffs when asked, then one line per item changed."""
    out = [result.diffs[path] for path in result.out_of_date] if show_diff else []
    out += [f"{update.path}:{change}\n" for update in result.updates for change in update.changed_items]
    return "".join(out)


def pull_messages(result: PullResult, *, dry_run: bool, annotate: bool = False) -> list[str]:
    """The lines a pull writes to stderr: conflicts, documents (to be) updated or left alone."""
    lines = [diagnostic_line(d) for d in result.diagnostics]
    lines += conflict_messages(result.conflicts, annotate=annotate)
    verb = "would update" if dry_run else "updated"
    lines += [f"{verb} {path}" for path in (result.out_of_date if dry_run else result.written)]
    lines += [f"not updated: {problem}" for problem in result.not_written]
    if not result.diffs:
        lines.append("documents are up to date")
    return lines
