"""When an item is due: what its document says, else the config's deadline for
its priority or its incident's severity, counted from the incident date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Literal

from pmsync.config import DeadlineSettings
from pmsync.model import Incident, Item, Postmortem

DueSource = Literal["document", "priority", "severity"]


@dataclass(frozen=True)
class Deadline:
    date: dt.date
    source: DueSource


def _severity_key(severity: str | None) -> str | None:
    """'sev2', 'SEV-2', '2', 'S2' -> 'SEV2'; named levels are kept upper-cased."""
    if not severity:
        return None
    digits = re.search(r"\d", severity)
    return f"SEV{digits.group(0)}" if digits else severity.upper()


def deadline(item: Item, incident: Incident, settings: DeadlineSettings) -> Deadline | None:
    if item.due is not None:
        return Deadline(item.due, "document")
    if incident.date is None:
        return None
    for days, source in (
        (dict(settings.priority).get(item.priority) if item.priority else None, "priority"),
        (dict(settings.severity).get(_severity_key(incident.severity) or ""), "severity"),
    ):
        if days is not None:
            try:
                return Deadline(incident.date + dt.timedelta(days=days), source)  # type: ignore[arg-type]
            except OverflowError:
                return None  # an incident dated near the calendar's end
    return None


def with_deadlines(pm: Postmortem, settings: DeadlineSettings) -> Postmortem:
    """The postmortem with every item's due date filled in where a deadline applies."""
    items = []
    for item in pm.items:
        found = deadline(item, pm.incident, settings)
        items.append(item if found is None or item.due is not None else replace(item, due=found.date))
    return replace(pm, items=tuple(items))
