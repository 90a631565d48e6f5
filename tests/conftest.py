"""Fixtures shared by the whole test suite."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

# `tests` is not an installed package and pytest puts only this directory on
# sys.path; the project root must be there for `from tests.ghdouble import ...`.
_ROOT = str(Path(__file__).resolve().parent.parent)
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from tests.ghdouble import GitHubDouble  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def github_double() -> Iterator[GitHubDouble]:
    """A started GitHub double, stopped after the test.

    Teardown fails the test if the double sent any response that does not
    match GitHub's OpenAPI description, or crashed while answering.
    """
    double = GitHubDouble()
    double.start()
    try:
        yield double
    finally:
        double.stop()
    double.assert_no_violations()
