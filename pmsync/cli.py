"""The command line: parse options, call one command, render its result.

click is imported here only. Errors of every command are turned into one line
(plus at most one hint) and an exit code in `main`, the only place that catches them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import click

from pmsync import __version__
from pmsync.commands.check import check as check_documents
from pmsync.commands.check import rules as check_rules
from pmsync.commands.context import Run
from pmsync.commands.explain import explain_document
from pmsync.config import Config, find_config, load_config
from pmsync.errors import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_OUT_OF_DATE,
    EXIT_USAGE,
    PmsyncError,
    UsageError,
)
from pmsync.output.scan import (
    check_by_rule,
    check_json,
    check_markdown,
    check_tally,
    diagnostic_line,
    github_annotation,
    scan_json,
    scan_markdown,
    scan_table,
)
from pmsync.output.table import Terminal

# Each command's modules are imported when it runs: `pmsync scan` and `pmsync --help`
# start on every scheduled run and pre-commit check, and need none of the others.
if TYPE_CHECKING:
    from pmsync.commands.push import PushOptions
    from pmsync.engine.plan import Plan

Done = TypeVar("Done")

ISSUES_URL = "https://github.com/pmsync/pmsync/issues"


_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")


@dataclass
class Options:
    config_path: Path | None
    debug: bool
    jobs: int | None = None
    repo: str | None = None  # -R/--repo, else GH_REPO: before the config's `repository:`, as in gh

    def repository(self) -> str | None:
        given, source = (self.repo, "-R/--repo") if self.repo else (os.environ.get("GH_REPO", "").strip(), "GH_REPO")
        if not given:
            return None
        if not _REPOSITORY.fullmatch(given) or ".." in given:
            raise UsageError(f"{source} '{given}' is not of the form OWNER/REPO")
        return given

    def config(self) -> Config:
        path = self.config_path or find_config(Path.cwd())
        config = replace(load_config(path), jobs=self.jobs)
        repository = self.repository()
        return config if repository is None else replace(config, repository=repository)

    def run(self, paths: tuple[str, ...], config: Config | None = None) -> Run:
        """One command's run: the documents named, or the config's `paths:`."""
        return Run.open(list(paths), config or self.config())


def _printable(text: str) -> str:
    """File names that are not UTF-8 arrive as surrogates: print them as \\x escapes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _warn(*lines: str) -> None:
    for line in lines:
        click.echo(_printable(line), err=True)


def _terminal() -> Terminal:
    return Terminal.detect(sys.stdout)


def _out(text: str, terminal: Terminal | None = None) -> None:
    # click strips colour codes when stdout is not a terminal; FORCE_COLOR keeps them
    click.echo(_printable(text), nl=False, color=True if terminal is not None and terminal.color else None)


def _in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def _set_global(ctx: click.Context, param: click.Parameter, value: object) -> None:
    """Keep a global option given after the command (`pmsync push --config x`) as if given before it."""
    if value is None or value is False:
        return
    options = ctx.find_object(Options)
    if options is not None:  # None only while click completes a command line
        setattr(options, str(param.name), value)


def _global_options(command: Callable[..., None]) -> Callable[..., None]:
    """--config, --debug, --jobs and -R/--repo: accepted before the command and after it."""
    for option in reversed(
        [
            click.option(
                "--config",
                "config_path",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Config file (default: pmsync.yaml here or at the git root).",
                expose_value=False,
                callback=_set_global,
            ),
            click.option(
                "--debug",
                is_flag=True,
                help="Show tracebacks and HTTP details on errors.",
                expose_value=False,
                callback=_set_global,
            ),
            click.option(
                "--jobs",
                type=click.IntRange(min=1),
                help="Processes for parsing documents not in the cache (default: all cores).",
                expose_value=False,
                callback=_set_global,
            ),
            click.option(
                "-R",
                "--repo",
                metavar="OWNER/REPO",
                help="Repository to file issues in (default: GH_REPO, else the config's `repository:`).",
                expose_value=False,
                callback=_set_global,
            ),
        ]
    ):
        command = option(command)
    return command


class _Format(click.Choice[str]):
    """One vocabulary for every command: table, json, markdown, and what a command adds.

    `text`, the name push, pull, sync and check used before, is still read as `table`."""

    def __init__(self, *extra: str) -> None:
        super().__init__(["table", "json", "markdown", *extra])

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        return "table" if value == "text" else super().convert(value, param, ctx)


def _format_option(*extra: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """--format with the common choices and the command's own."""
    return click.option(
        "--format", "fmt", type=_Format(*extra), default="table", show_default=True, help="Output format."
    )


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
@click.option(
    "-R",
    "--repo",
    metavar="OWNER/REPO",
    help="Repository to file issues in (default: GH_REPO, else the config's `repository:`).",
)
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None, debug: bool, jobs: int | None, repo: str | None) -> None:
    """pmsync: postmortem action items as GitHub issues, with their status written back.

    \b
    Exit codes: 0 done, 1 findings or a run that could not finish,
    2 usage or configuration error, 3 internal error (please report),
    4 authentication or permission, 8 documents or issues out of date
    (check modes), 130 interrupted.
    """
    ctx.obj = Options(config_path, debug, jobs, repo)


_paths = click.argument("paths", nargs=-1, type=click.Path(path_type=str))


@cli.command()
@_global_options
@_paths
@_format_option()
@click.option(
    "--explain",
    "explain_path",
    metavar="FILE",
    type=click.Path(path_type=str),
    help="Show why each candidate of FILE is or is not an item: sections, scores, features.",
)
@click.pass_obj
def scan(options: Options, paths: tuple[str, ...], fmt: str, explain_path: str | None) -> None:
    """Extract incidents and action items from postmortems (files or folders)."""
    if explain_path is not None:
        _out(explain_document(explain_path, options.config()) + "\n")
        return
    result = options.run(paths).scanned
    _warn(*[diagnostic_line(d) for d in result.diagnostics])
    if fmt == "table":
        terminal = _terminal()
        _out(scan_table(result.postmortems, terminal), terminal)
    else:
        render = {"json": scan_json, "markdown": scan_markdown}[fmt]
        _out(render(result.postmortems) + ("\n" if fmt == "json" else ""))
    if result.problems and not result.postmortems:
        sys.exit(EXIT_USAGE)


@cli.command()
@_global_options
@_paths
@_format_option("sarif")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too, not only on errors.")
@click.option("--select", metavar="RULE", multiple=True, help="Check only these rules (repeatable, or RULE,RULE).")
@click.option("--ignore", metavar="RULE", multiple=True, help="Skip these rules (repeatable, or RULE,RULE).")
@click.pass_obj
def check(
    options: Options, paths: tuple[str, ...], fmt: str, strict: bool, select: tuple[str, ...], ignore: tuple[str, ...]
) -> None:
    """Lint postmortems: items without owner or due date, owners that are not GitHub
    logins, unreadable dates, duplicates and near-duplicates, vague wording.

    Prints `file:line: level: message [rule]` (GitHub annotations under GitHub
    Actions) and the findings counted by rule; `--format sarif` for GitHub code
    scanning. Exits 1 on an error-level finding, or any finding with --strict.
    Rules: no-items, missing-owner, owner-not-login, missing-due, unparseable-date,
    duplicate-item, near-duplicate, vague-wording.
    """
    chosen, skipped = check_rules(select, "--select"), check_rules(ignore, "--ignore")
    result = check_documents(options.run(paths), select=chosen, ignore=skipped)
    if fmt == "table":
        line = github_annotation if _in_actions() else diagnostic_line
        _out("".join(line(finding) + "\n" for finding in result.findings))
        terminal = Terminal.detect(sys.stderr)
        by_rule = check_by_rule(result, terminal)
        click.echo(f"\n{by_rule}" if by_rule else "", err=True, nl=False, color=terminal.color or None)
    else:
        from pmsync.output.sarif import sarif

        render = {"json": check_json, "sarif": sarif, "markdown": check_markdown}[fmt]
        _out(render(result))
    _warn(check_tally(result))
    if result.count("error") or (strict and result.findings):
        sys.exit(EXIT_FINDINGS)


def _json_or_markdown(command: str, text: str, fmt: str) -> str:
    """The JSON as printed, or the Markdown the Action's job summary shows for it."""
    from pmsync.output.summary import markdown_of

    return text if fmt == "json" else markdown_of(command, json.loads(text)) + "\n"


class _ProgressBar:
    """Progress of the writes on stderr: a bar redrawn in place on a terminal; in GitHub
    Actions (a log, not a terminal) a line every 5% and at the end, so a long import
    shows it is alive while it runs. Nothing elsewhere (pipes, tests, cron mail)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
        self.lines = not self.enabled and _in_actions()
        self.shown = False
        self.step = 1

    def __call__(self, done: int, total: int) -> None:
        if total < 5:
            return
        if self.lines:
            self.step = max(1, total // 20)
            if done % self.step == 0 or done == total:
                sys.stderr.write(f"pmsync: {done}/{total} writes\n")
                sys.stderr.flush()
            return
        if not self.enabled:
            return
        width = 30
        filled = width * done // max(total, 1)
        sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} writes")
        sys.stderr.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stderr.isatty()


def _confirmation(yes: bool, verbose: bool) -> Callable[[Plan, str], bool] | None:
    """At a terminal, as `gh` does: show the plan and ask before the first write.
    Not with --yes, and never without a terminal (CI, pipes)."""
    if yes or not _interactive():
        return None

    def confirm(plan: Plan, repo: str) -> bool:
        from pmsync.output.plan import confirm_question, plan_text

        _warn(plan_text(plan, repo=repo, dry_run=True, verbose=verbose).rstrip("\n"))
        return click.confirm(confirm_question(plan, repo), default=False, err=True)

    return confirm


def _filing_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options `push` and `sync` share."""
    options: list[Callable[[Callable[..., None]], Callable[..., None]]] = [
        click.option(
            "--yes",
            is_flag=True,
            help="Do not ask before writing; go ahead even when the plan creates or closes more than the caps.",
        ),
        click.option("--include-drafts", is_flag=True, help="Also file items of postmortems marked draft."),
        _format_option(),
        click.option("-v", "--verbose", is_flag=True, help="Also list items that need nothing."),
        click.option(
            "--fail-on-conflict", is_flag=True, help="Exit 1 when an item and its issue both changed (a conflict)."
        ),
        click.option("--close-orphans", is_flag=True, help="Close (as not planned) issues whose item was removed."),
        click.option("--allow-dirty", is_flag=True, help="Run although the postmortems have uncommitted changes."),
        click.option("--any-branch", is_flag=True, help="Run from a branch other than the default branch."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _filing(
    yes: bool, verbose: bool, include_drafts: bool, close_orphans: bool, allow_dirty: bool, any_branch: bool
) -> PushOptions:
    """What push and sync share of their options (`_filing_options`)."""
    from pmsync.commands.push import PushOptions

    return PushOptions(
        yes=yes,
        include_drafts=include_drafts,
        close_orphans=close_orphans,
        allow_dirty=allow_dirty,
        any_branch=any_branch,
        confirm=_confirmation(yes, verbose),
    )


def _with_progress(work: Callable[[_ProgressBar], Done]) -> Done:
    """Run the writes with a progress bar, finished (its line ended) however they end."""
    bar = _ProgressBar()
    try:
        return work(bar)
    finally:
        bar.finish()


@cli.command()
@_global_options
@_paths
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
    fail_on_conflict: bool,
    close_orphans: bool,
    allow_dirty: bool,
    any_branch: bool,
) -> None:
    """File one GitHub issue per action item, and update the ones already filed.

    Computes the whole plan first (create, update, close, reopen per item) and
    prints it; with --dry-run that is all. Then applies it and writes each new
    issue's link next to its item in the document.
    """
    from pmsync.commands.push import push as push_documents
    from pmsync.output.plan import plan_json, plan_text, push_messages

    config = options.config()
    dry = dry_run or offline
    filing = _filing(yes, verbose, include_drafts, close_orphans, allow_dirty, any_branch)
    push_options = replace(filing, dry_run=dry, offline=offline)
    result = _with_progress(lambda bar: push_documents(options.run(paths, config), push_options, progress=bar))
    if fmt == "table":
        _out(plan_text(result.plan, repo=result.repo, dry_run=dry, applied=result.applied, verbose=verbose))
    else:
        _out(_json_or_markdown("push", plan_json(result, dry_run=dry), fmt))
    _warn(*push_messages(result, annotate=_in_actions()))
    if result.failed or (fail_on_conflict and result.conflicts):
        sys.exit(EXIT_FINDINGS)


@cli.command()
@_global_options
@_paths
@click.option("--dry-run", is_flag=True, help="Show the diff each document would get; write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 8 when a document is out of date (for CI).")
@click.option("--diff", "show_diff", is_flag=True, help="Like --check, and print the diffs.")
@_format_option()
@click.pass_obj
def pull(options: Options, paths: tuple[str, ...], dry_run: bool, check: bool, show_diff: bool, fmt: str) -> None:
    """Write each issue's status next to its item in the postmortems.

    Shows open, done (with the date) or won't do, and the assignee when it is
    not the written owner; ticks the task box of done list items. Reads the
    managed issues with one listing and changes only pmsync's own text.
    """
    from pmsync.commands.pull import PullOptions
    from pmsync.commands.pull import pull as pull_documents
    from pmsync.output.plan import pull_json, pull_messages, pull_text

    checking = check or show_diff
    result = pull_documents(options.run(paths), PullOptions(dry_run=dry_run, check=checking))
    dry = dry_run or checking
    if fmt == "table":
        _out(pull_text(result, show_diff=dry_run or show_diff))
    else:
        _out(_json_or_markdown("pull", pull_json(result, dry_run=dry), fmt))
    _warn(*pull_messages(result, dry_run=dry))
    if checking and result.diffs:
        sys.exit(EXIT_OUT_OF_DATE)
    if result.not_written:
        sys.exit(EXIT_FINDINGS)


_ITEM = re.compile(r"#?\d+|.+:\d+")


@cli.command()
@_global_options
@click.argument("paths", nargs=-1, type=click.Path(path_type=str), metavar="[PATHS|ITEMS]...")
@click.option("--dry-run", is_flag=True, help="Print the plan and the document diffs; write nothing.")
@click.option(
    "--take",
    type=click.Choice(["document", "github"]),
    help="Resolve conflicts with this side's values: of the ITEMS named (#12, file.md:40), else of all.",
)
@_filing_options
@click.pass_obj
def sync(
    options: Options,
    paths: tuple[str, ...],
    dry_run: bool,
    take: str | None,
    yes: bool,
    include_drafts: bool,
    fmt: str,
    verbose: bool,
    fail_on_conflict: bool,
    close_orphans: bool,
    allow_dirty: bool,
    any_branch: bool,
) -> None:
    """Push, then pull, in one run: what the scheduled GitHub Action runs.

    A conflict (an item and its issue both changed) is reported and left alone;
    `--take document` or `--take github` resolves it, for the ITEMS named
    (`#12`, `postmortems/x.md:40`) or for every conflict.
    """
    from pmsync.commands.sync import sync as sync_documents
    from pmsync.engine.plan import Take
    from pmsync.output.plan import plan_text, pull_messages, pull_text, push_messages, sync_json

    config = options.config()
    items = tuple(p for p in paths if take and _ITEM.fullmatch(p) and not Path(p).exists())
    paths = tuple(p for p in paths if p not in items)
    chosen = Take(side="document" if take == "document" else "github", items=items) if take else None
    filing = _filing(yes, verbose, include_drafts, close_orphans, allow_dirty, any_branch)
    push_options = replace(filing, dry_run=dry_run, take=chosen, command="sync")
    result = _with_progress(lambda bar: sync_documents(options.run(paths, config), push_options, progress=bar))
    pushed, pulled = result.push, result.pull
    if fmt == "table":
        _out(plan_text(pushed.plan, repo=pushed.repo, dry_run=dry_run, applied=pushed.applied, verbose=verbose))
        _out(pull_text(pulled, show_diff=dry_run))
    else:
        _out(_json_or_markdown("sync", sync_json(pushed, pulled, dry_run=dry_run), fmt))
    annotate = _in_actions()
    _warn(*push_messages(pushed, annotate=annotate), *pull_messages(pulled, dry_run=dry_run, annotate=annotate))
    if result.failed or (fail_on_conflict and (pushed.conflicts or pulled.conflicts)):
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
    if _in_actions() and path:
        with Path(path).open("a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")


_today_option = click.option("--today", metavar="YYYY-MM-DD", help="Count lateness as of this day (default: today).")


@cli.command()
@_global_options
@_paths
@_today_option
@click.option("--within", type=click.IntRange(min=0), help="List items due within this many days apart.")
@_format_option()
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
    from pmsync.commands.overdue import OverdueOptions
    from pmsync.commands.overdue import overdue as overdue_items
    from pmsync.output import overdue as overdue_output
    from pmsync.output.chart import backlog_mermaid

    config = options.config()
    run = OverdueOptions(
        today=_today(today),
        within=config.overdue.within if within is None else within,
        offline=offline,
        label=label,
        remind=remind,
        digest=digest,
        dry_run=dry_run,
        digest_chart=backlog_mermaid,
    )
    result = overdue_items(options.run(paths, config), run)
    _warn(*[diagnostic_line(d) for d in result.diagnostics])
    report = result.report
    terminal = _terminal()
    render = {"json": overdue_output.as_json, "markdown": overdue_output.as_markdown}
    _out(overdue_output.as_table(report, terminal) if fmt == "table" else render[fmt](report), terminal)
    _step_summary(overdue_output.as_markdown(report))
    if result.reminders is not None:
        _warn(*overdue_output.reminder_messages(result.reminders, config.overdue.label, dry_run=dry_run))
        if result.reminders.errors:
            sys.exit(EXIT_FINDINGS)
    if exit_code and report.overdue:
        sys.exit(EXIT_FINDINGS)


@cli.command()
@_global_options
@_paths
@click.option("--since", metavar="YYYY-MM-DD", help="Only incidents that started on or after this day.")
@_today_option
@_format_option("html")
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
    from pmsync.commands.report import report as build_metrics
    from pmsync.output import report as report_output
    from pmsync.output.chart import backlog_svg

    config = options.config()
    start = None if since is None else _day(since, "--since")
    built, diagnostics = build_metrics(options.run(paths, config), today=_today(today), since=start, offline=offline)
    _warn(*[diagnostic_line(d) for d in diagnostics])
    terminal = _terminal()
    render = {"json": report_output.as_json, "markdown": report_output.as_markdown, "html": report_output.as_html}
    _out(report_output.as_table(built, terminal) if fmt == "table" else render[fmt](built), terminal)
    _step_summary(report_output.as_markdown(built))
    if chart is not None:
        try:
            chart.write_text(backlog_svg(built.backlog), encoding="utf-8")
        except OSError as err:
            raise UsageError(f"{chart}: cannot write the chart: {err.strerror or err}") from None
        _warn(f"wrote {chart}")


@cli.command()
@_global_options
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
    from pmsync.commands.init import init_repository

    repository = repository or options.repository()
    result = init_repository(Path.cwd(), repository=repository, paths=paths, config_path=options.config_path)
    _out(result.text)


def main(argv: list[str] | None = None) -> int:
    """Run one command; every error ends here as one line, a hint and an exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="pmsync", standalone_mode=False)
    except PmsyncError as err:
        if debug:
            traceback.print_exc()
        _warn(f"Error: {err.message}", *([f"hint: {err.hint}"] if err.hint else []))
        return err.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        _warn("Interrupted.")
        return EXIT_INTERRUPTED
    except click.ClickException as err:
        err.show()
        return EXIT_USAGE if isinstance(err, click.UsageError) else err.exit_code
    except click.exceptions.Exit as err:
        return err.exit_code
    except SystemExit as err:
        return err.code if isinstance(err.code, int) else EXIT_FINDINGS
    except Exception as err:  # the last line of defence: a bug in pmsync, one line, never a traceback
        if debug:
            traceback.print_exc()
        _warn(
            f"Error: internal error: {type(err).__name__}: {err}",
            f"hint: this is a bug in pmsync; please report it ({ISSUES_URL}) with the output of the same "
            "command run with --debug",
        )
        return EXIT_INTERNAL
    return EXIT_OK


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
