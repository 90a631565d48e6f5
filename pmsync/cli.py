"""The command line: parse options, call one library function, render its result.

Errors of every command are turned into one line (plus at most one hint) and an
exit code in `main`, the only place that catches them.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import click

from pmsync import __version__
from pmsync.config import Config, find_config, load_config
from pmsync.errors import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUT_OF_DATE,
    EXIT_USAGE,
    PmsyncError,
    UsageError,
)
from pmsync.lint import check as lint_check
from pmsync.overdue import as_json as overdue_json
from pmsync.overdue import as_markdown as overdue_markdown
from pmsync.overdue import as_table as overdue_table
from pmsync.render import (
    diagnostic_line,
    github_annotation,
    plan_json,
    plan_text,
    scan_json,
    scan_markdown,
    scan_table,
)
from pmsync.report import as_json as report_json
from pmsync.report import as_markdown as report_markdown
from pmsync.report import as_table as report_table
from pmsync.report import backlog_svg
from pmsync.scan import scan as scan_documents
from pmsync.sync import OverdueOptions, PullOptions, PullResult, PushOptions, PushResult
from pmsync.sync import overdue as overdue_items
from pmsync.sync import pull as pull_documents
from pmsync.sync import push as push_documents
from pmsync.sync import report as build_metrics
from pmsync.sync import sync as sync_documents


@dataclass
class Options:
    config_path: Path | None
    debug: bool
    jobs: int | None = None

    def config(self) -> Config:
        path = self.config_path or find_config(Path.cwd())
        return replace(load_config(path), jobs=self.jobs)


def _printable(text: str) -> str:
    """File names that are not UTF-8 arrive as surrogates: print them as \\x escapes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _warn(message: str) -> None:
    click.echo(_printable(message), err=True)


def _report_diagnostics(diagnostics: list[str]) -> None:
    for line in diagnostics:
        _warn(line)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="pmsync")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Config file (default: pmsync.yaml here or at the git root).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and HTTP details on errors.")
@click.option(
    "--jobs", type=click.IntRange(min=1), help="Processes for parsing documents not in the cache (default: all cores)."
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, debug: bool, jobs: int | None) -> None:
    """pmsync: postmortem action items as GitHub issues, with their status written back.

    \b
    Exit codes: 0 done, 1 findings or a run that could not finish,
    2 usage or configuration error, 4 authentication or permission,
    8 documents or issues out of date (check modes), 130 interrupted.
    """
    ctx.obj = Options(config_path, debug, jobs)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "markdown"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@click.pass_obj
def scan(options: Options, paths: tuple[str, ...], fmt: str) -> None:
    """Extract incidents and action items from postmortems (files or folders)."""
    config = options.config()
    result = scan_documents(list(paths), config)
    _report_diagnostics([diagnostic_line(d) for d in result.diagnostics])
    render = {"json": scan_json, "markdown": scan_markdown, "table": scan_table}[fmt]
    click.echo(_printable(render(result.postmortems)), nl=False)
    if fmt == "json":
        click.echo()
    if result.problems and not result.postmortems:
        sys.exit(EXIT_USAGE)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.pass_obj
def check(options: Options, paths: tuple[str, ...]) -> None:
    """Lint postmortems: items without owner or due date, vague items, duplicates.

    Prints `file:line: level: message`; GitHub annotations under GitHub Actions.
    Exits 1 when any error-level finding is reported.
    """
    config = options.config()
    result = scan_documents(list(paths), config)
    findings = list(result.diagnostics) + lint_check(result.postmortems, config)
    annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    for finding in findings:
        click.echo(_printable(github_annotation(finding) if annotate else diagnostic_line(finding)))
    errors = sum(1 for f in findings if f.level == "error")
    warnings = sum(1 for f in findings if f.level == "warning")
    items = sum(len(pm.items) for pm in result.postmortems)
    _warn(f"{len(result.postmortems)} documents, {items} items: {errors} errors, {warnings} warnings")
    if errors:
        sys.exit(EXIT_FINDINGS)


class _ProgressBar:
    """A progress line on stderr, only when it is a terminal (never in CI logs)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total < 5:
            return
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} writes")
        sys.stderr.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _filing_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options `push` and `sync` share."""
    for option in reversed(
        [
            click.option(
                "--yes", is_flag=True, help="Go ahead even when the plan creates or closes more than the caps."
            ),
            click.option("--include-drafts", is_flag=True, help="Also file items of postmortems marked draft."),
            click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True),
            click.option("-v", "--verbose", is_flag=True, help="Also list items that need nothing."),
        ]
    ):
        command = option(command)
    return command


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--dry-run", is_flag=True, help="Print the plan; send no write request and change no file.")
@click.option("--offline", is_flag=True, help="Plan against an empty tracker, with no token and no network.")
@_filing_options
@click.pass_obj
def push(
    options: Options,
    paths: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    offline: bool,
    include_drafts: bool,
    fmt: str,
    verbose: bool,
) -> None:
    """File one GitHub issue per action item, and update the ones already filed.

    Computes the whole plan first (create, update, close, reopen per item) and
    prints it; with --dry-run that is all. Then applies it and writes each new
    issue's link next to its item in the document.
    """
    config = options.config()
    bar = _ProgressBar()
    push_options = PushOptions(dry_run=dry_run or offline, yes=yes, offline=offline, include_drafts=include_drafts)
    try:
        result = push_documents(list(paths), config, push_options, progress=bar)
    finally:
        bar.finish()
    if _show_push(result, push_options, fmt, verbose):
        sys.exit(EXIT_FINDINGS)


def _show_push(result: PushResult, push_options: PushOptions, fmt: str, verbose: bool) -> bool:
    """Print a push's plan and outcome; True when something failed."""
    _report_diagnostics([diagnostic_line(d) for d in result.diagnostics])
    for warning in result.plan.warnings:
        _warn(f"warning: {warning}")
    dry = push_options.dry_run
    if fmt == "json":
        click.echo(plan_json(result.plan, repo=result.repo, dry_run=dry, applied=result.applied), nl=False)
    else:
        text = plan_text(result.plan, repo=result.repo, dry_run=dry, applied=result.applied, verbose=verbose)
        click.echo(text, nl=False)
    for path in result.written:
        _warn(f"updated {path}")
    for problem in result.not_written:
        _warn(f"not updated: {problem}")
    applied = result.applied
    if applied is not None and applied.deferred:
        _warn(f"paused: {applied.stopped}; run pmsync again to continue (nothing will be filed twice)")
        return bool(applied.failures) or bool(result.not_written)
    return bool(applied and (applied.failures or applied.stopped)) or bool(result.not_written)


def _show_pull(result: PullResult, *, dry_run: bool, show_diff: bool) -> bool:
    """Print a pull's outcome; True when something could not be done."""
    _report_diagnostics([diagnostic_line(d) for d in result.diagnostics])
    for conflict in result.conflicts:
        _warn(f"conflict: {conflict}")
    if show_diff:
        for path in result.out_of_date:
            click.echo(result.diffs[path], nl=False)
    for update in result.updates:
        for change in update.changed_items:
            click.echo(f"{update.path}:{change}")
    verb = "would update" if dry_run else "updated"
    done = result.out_of_date if dry_run else result.written
    for path in done:
        _warn(f"{verb} {path}")
    for problem in result.not_written:
        _warn(f"not updated: {problem}")
    if not result.diffs:
        _warn("documents are up to date")
    return bool(result.not_written)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--dry-run", is_flag=True, help="Show the diff each document would get; write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 8 when a document is out of date (for CI).")
@click.option("--diff", "show_diff", is_flag=True, help="Like --check, and print the diffs.")
@click.pass_obj
def pull(options: Options, paths: tuple[str, ...], dry_run: bool, check: bool, show_diff: bool) -> None:
    """Write each issue's status next to its item in the postmortems.

    Shows open, done (with the date) or won't do, and the assignee when it is
    not the written owner; ticks the task box of done list items. Reads the
    managed issues with one listing and changes only pmsync's own text.
    """
    config = options.config()
    checking = check or show_diff
    result = pull_documents(list(paths), config, PullOptions(dry_run=dry_run, check=checking))
    failed = _show_pull(result, dry_run=dry_run or checking, show_diff=dry_run or show_diff)
    if checking and result.diffs:
        sys.exit(EXIT_OUT_OF_DATE)
    if failed:
        sys.exit(EXIT_FINDINGS)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--dry-run", is_flag=True, help="Print the plan and the document diffs; write nothing.")
@_filing_options
@click.pass_obj
def sync(
    options: Options, paths: tuple[str, ...], dry_run: bool, yes: bool, include_drafts: bool, fmt: str, verbose: bool
) -> None:
    """Push, then pull, in one run: what the scheduled GitHub Action runs."""
    config = options.config()
    bar = _ProgressBar()
    push_options = PushOptions(dry_run=dry_run, yes=yes, include_drafts=include_drafts)
    try:
        result = sync_documents(list(paths), config, push_options, progress=bar)
    finally:
        bar.finish()
    failed = _show_push(result.push, push_options, fmt, verbose)
    failed = _show_pull(result.pull, dry_run=dry_run, show_diff=dry_run) or failed
    if failed:
        sys.exit(EXIT_FINDINGS)


def _day(value: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date; use YYYY-MM-DD", param_hint=option) from None


def _today(value: str | None) -> dt.date:
    return dt.date.today() if value is None else _day(value, "--today")


def _step_summary(markdown: str) -> None:
    """Append to the GitHub Actions job summary when running in one."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--today", metavar="YYYY-MM-DD", help="Count lateness as of this day (default: today).")
@click.option("--within", type=click.IntRange(min=0), help="List items due within this many days apart.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything is overdue.")
@click.option("--offline", is_flag=True, help="Judge open/done by the documents alone: no token, no network.")
@click.option("--label", is_flag=True, help="Keep the overdue label on exactly the overdue issues.")
@click.option("--remind", is_flag=True, help="Comment once per threshold on overdue issues, mentioning assignees.")
@click.option("--digest", is_flag=True, help="Keep one digest issue listing overdue items by owner and incident.")
@click.option("--dry-run", is_flag=True, help="With --label/--remind/--digest: say what would change, write nothing.")
@click.pass_obj
def overdue(
    options: Options,
    paths: tuple[str, ...],
    today: str | None,
    within: int | None,
    fmt: str,
    exit_code: bool,
    offline: bool,
    label: bool,
    remind: bool,
    digest: bool,
    dry_run: bool,
) -> None:
    """List open action items past their due date, most late first.

    An item is open if its issue is (or its document says so when it has no
    issue). Due dates come from the item, else from `deadlines:` in the config.
    """
    config = options.config()
    day = _today(today)
    run = OverdueOptions(
        today=day,
        within=config.overdue.within if within is None else within,
        offline=offline,
        label=label,
        remind=remind,
        digest=digest,
        dry_run=dry_run,
    )
    result = overdue_items(list(paths), config, run)
    _report_diagnostics([diagnostic_line(d) for d in result.diagnostics])
    report = result.report
    rendered = {"json": overdue_json, "markdown": overdue_markdown, "table": overdue_table}[fmt](report)
    click.echo(rendered, nl=False)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        _step_summary(overdue_markdown(report))
    reminders = result.reminders
    if reminders is not None:
        verb = "would " if dry_run else ""
        for number in reminders.label_added:
            _warn(f"{verb}label #{number} {config.overdue.label}")
        for number in reminders.label_removed:
            _warn(f"{verb}unlabel #{number}")
        for number, threshold in reminders.reminded:
            _warn(f"{verb}remind #{number} ({threshold}+ days late)")
        if reminders.digest_written:
            _warn(f"{verb}update the digest issue" + (f" #{reminders.digest}" if reminders.digest else ""))
        for error in reminders.errors:
            _warn(f"error: {error}")
        if reminders.errors:
            sys.exit(EXIT_FINDINGS)
    if exit_code and report.overdue:
        sys.exit(EXIT_FINDINGS)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--since", metavar="YYYY-MM-DD", help="Only incidents that started on or after this day.")
@click.option("--today", metavar="YYYY-MM-DD", help="Count lateness as of this day (default: today).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "markdown"]), default="table", show_default=True)
@click.option(
    "--chart", type=click.Path(dir_okay=False, path_type=Path), help="Write the open backlog over time as SVG."
)
@click.option("--offline", is_flag=True, help="Use the documents alone: no token, no time-to-close figures.")
@click.pass_obj
def report(
    options: Options,
    paths: tuple[str, ...],
    since: str | None,
    today: str | None,
    fmt: str,
    chart: Path | None,
    offline: bool,
) -> None:
    """Follow-up metrics per incident and overall.

    Items, done, open, overdue, won't do, share done by the deadline, median and
    p90 days to close, items missing an owner or due date, postmortems without items.
    """
    config = options.config()
    start = None if since is None else _day(since, "--since")
    built, diagnostics = build_metrics(list(paths), config, today=_today(today), since=start, offline=offline)
    _report_diagnostics([diagnostic_line(d) for d in diagnostics])
    rendered = {"json": report_json, "markdown": report_markdown, "table": report_table}[fmt](built)
    click.echo(rendered, nl=False)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        _step_summary(report_markdown(built))
    if chart is not None:
        try:
            chart.write_text(backlog_svg(built.backlog), encoding="utf-8")
        except OSError as err:
            raise UsageError(f"{chart}: cannot write the chart: {err.strerror or err}") from None
        _warn(f"wrote {chart}")


@cli.command()
@click.option("--repository", metavar="OWNER/NAME", help="Repository to file issues in (default: the origin remote).")
@click.option(
    "--path", "paths", metavar="GLOB", multiple=True, help="Where the postmortems are (repeatable; default: guessed)."
)
@click.pass_obj
def init(options: Options, repository: str | None, paths: tuple[str, ...]) -> None:
    """Set pmsync up here: write pmsync.yaml and .github/workflows/pmsync.yml.

    The repository comes from the origin remote, the postmortems' paths from where
    Markdown files that look like postmortems are. A file that exists is left alone.
    """
    from pmsync.init import init_repository

    result = init_repository(Path.cwd(), repository=repository, paths=paths, config_path=options.config_path)
    click.echo(result.text, nl=False)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="pmsync", standalone_mode=False)
    except PmsyncError as err:
        if debug:
            traceback.print_exc()
        _warn(f"Error: {err.message}")
        if err.hint:
            _warn(f"hint: {err.hint}")
        return err.exit_code
    except click.exceptions.Abort:
        _warn("Interrupted.")
        return EXIT_INTERRUPTED
    except click.ClickException as err:
        err.show()
        return EXIT_USAGE if isinstance(err, click.UsageError) else err.exit_code
    except click.exceptions.Exit as err:
        return err.exit_code
    except KeyboardInterrupt:
        _warn("Interrupted.")
        return EXIT_INTERRUPTED
    except SystemExit as err:
        return err.code if isinstance(err.code, int) else EXIT_FINDINGS
    except Exception as err:  # the last line of defence: one line, never a traceback
        if debug:
            traceback.print_exc()
        _warn(f"Error: internal error: {type(err).__name__}: {err}")
        _warn("hint: rerun with --debug for a traceback, and report it")
        return EXIT_FINDINGS
    return EXIT_OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
