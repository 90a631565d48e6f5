"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.ghdouble import GitHubDouble

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
