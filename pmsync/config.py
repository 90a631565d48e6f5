"""pmsync.yaml: found, loaded and validated in one place into a frozen Config.

The JSON Schema shipped next to this module is the single description of the
file: editors use it for completion and this loader validates against it, so an
error names the file, the key and the valid choices.
"""

from __future__ import annotations

import json
import math
import subprocess
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from pmsync.errors import ConfigError
from pmsync.extract.vocabulary import Vocabulary

if TYPE_CHECKING:
    import jsonschema

CONFIG_NAME = "pmsync.yaml"
Level = Literal["error", "warning", "off"]


def schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("pmsync").joinpath("config.schema.json").read_text("utf-8"))
    return data


@dataclass(frozen=True)
class PushSettings:
    allow_public: bool = False
    include_drafts: bool = False
    require_reviewed: bool = False
    max_creates: int = 25
    max_closes: int = 10
    close_orphans: bool = False
    file_done: bool = False
    write_delay: float = 1.0
    write_budget: int = 450
    milestone: Literal["none", "incident"] = "none"
    issue_type: str | None = None
    parent_issue: bool = False
    team_mentions: bool = False


@dataclass(frozen=True)
class LabelSettings:
    managed: str = "pmsync"
    priority: bool = True
    kind: bool = True


@dataclass(frozen=True)
class DeadlineSettings:
    severity: tuple[tuple[str, int], ...] = (("SEV1", 14), ("SEV2", 30), ("SEV3", 60), ("SEV4", 90))
    priority: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class OverdueSettings:
    within: int = 7
    label: str = "overdue"
    reminders: tuple[int, ...] = (0, 7, 30)
    digest_title: str = "Overdue postmortem action items"


@dataclass(frozen=True)
class WritebackSettings:
    task_lists: bool = True
    status_table: bool = True


@dataclass(frozen=True)
class Config:
    paths: tuple[str, ...] = ("postmortems/**/*.md",)
    exclude: tuple[str, ...] = ()
    followup_words: tuple[str, ...] = ()
    ignore_words: tuple[str, ...] = ()
    owners: tuple[tuple[str, str], ...] = ()
    check_levels: tuple[tuple[str, Level], ...] = ()
    repository: str | None = None
    api_url: str | None = None
    document_url: str | None = None
    labels: LabelSettings = field(default_factory=LabelSettings)
    push: PushSettings = field(default_factory=PushSettings)
    writeback: WritebackSettings = field(default_factory=WritebackSettings)
    deadlines: DeadlineSettings = field(default_factory=DeadlineSettings)
    overdue: OverdueSettings = field(default_factory=OverdueSettings)
    jobs: int | None = None  # processes for parsing documents (--jobs); None: all cores
    source: Path | None = None  # the file it came from; None for built-in defaults
    root: Path = field(default_factory=Path.cwd)  # globs are relative to this folder

    @cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary.build(self.followup_words, self.ignore_words)

    @cached_property
    def owner_aliases(self) -> dict[str, str]:
        return {name.lower(): login for name, login in self.owners}

    def check_level(self, rule: str) -> Level:
        levels = dict(self.check_levels)
        if rule in levels:
            return levels[rule]
        default: Level = schema()["properties"]["check"]["properties"][rule]["default"]
        return default


class _ConfigLoader(yaml.SafeLoader):
    """YAML without aliases (a few nested `*name` references can expand to
    gigabytes), without duplicate keys (the last one would win silently) and
    without numbers too long to be a setting (Python refuses to convert them)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in pmsync.yaml", mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if key is not None and key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key '{key}' (first on line {seen[key]})", key_node.start_mark
                    )
                if key is not None:
                    seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Any) -> Any:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > _MAX_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number of {digits} digits is not a setting", node.start_mark
            )
        return super().construct_yaml_int(node)


_MAX_DIGITS = 18
_ConfigLoader.add_constructor("tag:yaml.org,2002:int", _ConfigLoader.construct_yaml_int)


def _not_finite(data: Any, path: tuple[str, ...] = ()) -> str | None:
    """The key of the first value that is not a finite number (`.inf`, `.nan`), if any:
    the schema's ranges cannot refuse NaN, which compares false with every bound."""
    if isinstance(data, float) and not math.isfinite(data):
        return ".".join(path) or "(top level)"
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        found = _not_finite(value, (*path, str(key)))
        if found is not None:
            return found
    return None


def find_config(start: Path) -> Path | None:
    """pmsync.yaml in the current folder, else at the root of the git checkout."""
    candidate = start / CONFIG_NAME
    if candidate.is_file():
        return candidate
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=start, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return None
    if top:
        candidate = Path(top) / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _describe(error: jsonschema.ValidationError) -> tuple[str, str | None]:
    key = ".".join(str(part) for part in error.absolute_path) or "(top level)"
    node = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties":
        allowed = sorted(node.get("properties", {}))
        unknown = sorted(set(error.instance) - set(allowed)) if isinstance(error.instance, dict) else []
        where = f"{key}." if error.absolute_path else ""
        return (
            f"unknown key '{where}{unknown[0] if unknown else '?'}'",
            "valid keys: " + ", ".join(allowed) if allowed else None,
        )
    if error.validator == "enum":
        choices = error.validator_value if isinstance(error.validator_value, list) else []
        return f"'{key}' is {error.instance!r}", "valid choices: " + ", ".join(map(str, choices))
    if error.validator == "pattern" and key == "labels.managed":
        return (
            f"'labels.managed' is {error.instance!r}: a label name with a comma cannot be listed",
            "GitHub's issue listing splits `labels=` on commas; choose a name without one",
        )
    if error.validator == "type":
        return f"'{key}' must be {error.validator_value}, not {type(error.instance).__name__}", None
    return f"'{key}': {error.message}", None


def _deadlines(data: dict[str, Any]) -> DeadlineSettings:
    severity = data.get("severity")
    return DeadlineSettings(
        severity=DeadlineSettings.severity
        if severity is None
        else tuple(sorted((k.upper(), v) for k, v in severity.items())),
        priority=tuple(sorted(data.get("priority", {}).items())),
    )


def _overdue(data: dict[str, Any]) -> OverdueSettings:
    values = dict(data)
    if "reminders" in values:
        values["reminders"] = tuple(sorted(set(values["reminders"])))
    return OverdueSettings(**values)


def load_config(path: Path | None, *, cwd: Path | None = None) -> Config:
    """Read and validate a config file; with no file, the built-in defaults."""
    cwd = cwd or Path.cwd()
    if path is None:
        return Config(root=cwd)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such config file", "check the path, or copy config.example.yaml to pmsync.yaml"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read: {err}") from None
    try:
        data = yaml.load(raw, Loader=_ConfigLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from None
    if data is None:
        data = {}
    infinite = _not_finite(data)
    if infinite is not None:
        raise ConfigError(f"{path}: '{infinite}' must be a finite number")
    import jsonschema  # here, not at the top: a run without a config file does not pay for it

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        message, hint = _describe(errors[0])
        raise ConfigError(f"{path}: {message}", hint)
    sections = data.get("sections", {})
    return Config(
        repository=data.get("repository"),
        api_url=data.get("api_url"),
        document_url=data.get("document_url"),
        labels=LabelSettings(**data.get("labels", {})),
        push=PushSettings(**data.get("push", {})),
        writeback=WritebackSettings(**data.get("writeback", {})),
        deadlines=_deadlines(data.get("deadlines", {})),
        overdue=_overdue(data.get("overdue", {})),
        paths=tuple(data.get("paths", Config.paths)),
        exclude=tuple(data.get("exclude", ())),
        followup_words=tuple(sections.get("followup", ())),
        ignore_words=tuple(sections.get("ignore", ())),
        owners=tuple(sorted(data.get("owners", {}).items())),
        check_levels=tuple(sorted(data.get("check", {}).items())),
        source=path,
        root=path.parent.resolve(),
    )
