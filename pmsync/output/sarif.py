"""`pmsync check --format sarif`: the findings as SARIF 2.1.0, which GitHub code scanning
shows on the postmortems (upload it with github/codeql-action/upload-sarif).

One rule per check, with its help text; file-level findings (no action items, an
unreadable file) have no region. Paths are made relative to the current folder
(run pmsync at the repository root, as the Action does) and written as URIs.
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
from pathlib import Path
from typing import Any

from pmsync import __version__
from pmsync.commands.check import CheckResult
from pmsync.engine.lint import RULES, Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/pmsync/pmsync"
_LEVELS = {"error": "error", "warning": "warning", "notice": "note"}
# Findings of reading, not of checking: they have rules too, so every result names one.
_READING = {
    "unreadable": Rule("unreadable", "A file pmsync cannot read", "Check the path and the file's permissions."),
    "encoding": Rule("encoding", "Text that is not valid UTF-8", "Save the document as UTF-8."),
    "front-matter": Rule("front-matter", "Front matter pmsync cannot read", "Fix the YAML between the --- lines."),
    "outside": Rule(
        "outside", "A document outside the config's folder", "Move it, or point `paths:` in pmsync.yaml at it."
    ),
}


def _rule_json(rule: Rule, level: str) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.help},
        "help": {"text": rule.help, "markdown": f"**{rule.summary}.** {rule.help}"},
        "helpUri": f"{INFORMATION_URI}#pmsync-check",
        "defaultConfiguration": {"level": _LEVELS.get(level, "warning")},
    }


def _uri(path: str) -> str:
    if Path(path).is_absolute():
        relative = os.path.relpath(path)
        path = path if relative.startswith("..") else relative
    return urllib.parse.quote(path.replace(os.sep, "/").removeprefix("./"))


def sarif(result: CheckResult) -> str:
    """The SARIF log: one run of pmsync, its rules (every check, and any reading problem found), the results."""
    rules = [RULES[rule_id] for rule_id in RULES]
    for finding in result.findings:
        if finding.code not in RULES and all(rule.id != finding.code for rule in rules):
            rules.append(_READING.get(finding.code, Rule(finding.code, finding.code, finding.message)))
    index = {rule.id: position for position, rule in enumerate(rules)}
    results = []
    for finding in result.findings:
        location: dict[str, Any] = {"artifactLocation": {"uri": _uri(finding.path), "uriBaseId": "%SRCROOT%"}}
        if finding.line is not None:
            location["region"] = {"startLine": finding.line}
        fingerprint = hashlib.sha256(f"{finding.path}\0{finding.code}\0{finding.message}".encode()).hexdigest()
        results.append(
            {
                "ruleId": finding.code,
                "ruleIndex": index[finding.code],
                "level": _LEVELS[finding.level],
                "message": {"text": finding.message},
                "locations": [{"physicalLocation": location}],
                "partialFingerprints": {"pmsyncFinding/v1": fingerprint[:32]},
            }
        )
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pmsync",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule_json(rule, result.levels.get(rule.id, "error")) for rule in rules],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"
