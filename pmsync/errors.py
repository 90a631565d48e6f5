"""One exception hierarchy, rendered in one place (cli.main) as one line plus a hint.

Exit codes are the contract in DESIGN.md: 0 done, 1 findings or a run that could
not finish, 2 usage or configuration error, 3 internal error (a bug: please report
it), 4 authentication or permission,
8 a check mode found documents or issues out of date, 130 interrupted.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3  # a bug in pmsync: please report it
EXIT_AUTH = 4
EXIT_OUT_OF_DATE = 8
EXIT_INTERRUPTED = 130


class PmsyncError(Exception):
    """An error the user can act on: `message` names the file, line or key."""

    exit_code = EXIT_FINDINGS

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(PmsyncError):
    exit_code = EXIT_USAGE


class ConfigError(PmsyncError):
    exit_code = EXIT_USAGE


class InputError(PmsyncError):
    """A document that cannot be read at all (missing, unreadable, binary)."""

    exit_code = EXIT_USAGE


class AuthError(PmsyncError):
    exit_code = EXIT_AUTH


class RemoteError(PmsyncError):
    """GitHub answered with something the run cannot continue past."""

    exit_code = EXIT_FINDINGS
