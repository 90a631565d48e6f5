"""A stateful test double of the GitHub REST API on a real local HTTP port.

Clients (PyGithub) talk to it over HTTP exactly as they would to
api.github.com. Tests arrange state and faults through `GitHubDouble` and
read back what the client did through `requests` and the state objects.
"""

from __future__ import annotations

import fnmatch
import hashlib
import http
import json
import socket
import threading
import traceback
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

import github

from .api import GENERIC_DOCS, Api, ApiError, Call, Response, not_found
from .render import API_VERSION, Renderer
from .schema import Spec
from .state import Comment, Issue, Label, Milestone, Repo, Token, World

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from types import TracebackType

    from .schema import Operation

DEFAULT_TOKEN = "test-token"
DEFAULT_LOGIN = "pmsync-bot"
# Who the "act as a human" helpers act as, unless told otherwise.
HUMAN = "octocat"
START = datetime(2024, 1, 1, tzinfo=UTC)

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
SECONDARY_RATE_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
)
RATE_LIMIT_DOCS = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"

# Loaded once: building the route table and schema registry is the slow part.
_SPEC = Spec.load()


@dataclass
class RequestRecord:
    """One request as the double received it, and the status the client saw.

    `status` is None when the connection was dropped (or is still being
    delayed); `operation` is the operationId it was routed to.
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    operation: str | None = None
    fault: Fault | None = None


@dataclass(frozen=True)
class Fault:
    """A failure to inject: an error status, a delay, or a dropped connection.

    `delay` seconds pass before anything else happens (longer than the
    client's timeout simulates a timeout; the request is still applied, as a
    client-side timeout does not cancel GitHub's work). With `after`, the
    request is applied first and the client gets the error or the dropped
    connection instead of the real answer.
    """

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0
    drop: bool = False
    after: bool = False

    def __post_init__(self) -> None:
        if self.status is None and not self.drop and not self.delay:
            raise ValueError("a Fault needs a status, drop=True or a delay")
        if self.status is not None and self.drop:
            raise ValueError("a Fault either answers with a status or drops, not both")

    @classmethod
    def secondary_rate_limit(cls, retry_after: int = 1, status: int = 403) -> Fault:
        return cls(status=status, headers={"Retry-After": str(retry_after)})

    @property
    def interrupts(self) -> bool:
        return self.status is not None or self.drop

    def response(self) -> Response:
        assert self.status is not None
        body = self.body
        if body is None:
            # 403 and 429 are how GitHub signals its secondary rate limit.
            limited = self.status in (403, 429)
            body = {
                "message": SECONDARY_RATE_LIMIT_MESSAGE if limited else http.HTTPStatus(self.status).phrase,
                "documentation_url": RATE_LIMIT_DOCS if limited else GENERIC_DOCS,
                "status": str(self.status),
            }
        return Response(self.status, body, dict(self.headers))


# A fault rule matches an operationId ("issues/create") or a (method, path
# glob) pair such as ("POST", "/repos/*/issues").
Match = str | tuple[str, str]


@dataclass
class _Rule:
    fault: Fault
    at: int
    match: Match | None
    seen: int = 0

    def matches(self, method: str, path: str, operation: str | None) -> bool:
        if self.match is None:
            return True
        if isinstance(self.match, str):
            return self.match == operation
        want_method, want_path = self.match
        return want_method.upper() == method and fnmatch.fnmatchcase(path, want_path)


@dataclass
class _Bucket:
    """One primary rate limit (GitHub keeps separate ones for core and search)."""

    limit: int
    remaining: int
    reset: int
    used: int = 0


class _Server(ThreadingHTTPServer):
    double: GitHubDouble


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps PyGithub's connection alive between requests, as GitHub does.
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self.server.double._serve(self)

    do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without NODELAY, Nagle's
        # algorithm and the client's delayed ACK add ~40 ms to every request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header follows the double's clock, like every timestamp it sends.
        return formatdate(self.server.double.clock.timestamp(), usegmt=True)

    def version_string(self) -> str:
        return "github.com"

    def log_message(self, format: str, *args: Any) -> None:
        # Tests read `GitHubDouble.requests`; stderr noise would only hide failures.
        pass


class GitHubDouble:
    """GitHub's REST API for issues, in memory, on 127.0.0.1.

    Every response is checked against GitHub's OpenAPI description when
    `validate` is on; problems land in `violations` (and fail
    `assert_no_violations`, which the `github_double` fixture calls).
    """

    def __init__(
        self,
        *,
        validate: bool = True,
        clock: datetime = START,
        tick: timedelta = timedelta(seconds=1),
        path_prefix: str = "",
    ) -> None:
        self.validate = validate
        # GitHub Enterprise Server serves the REST API under /api/v3: with a prefix the
        # double answers only under it, and its links and URLs carry it.
        self.path_prefix = path_prefix.rstrip("/")
        self.requests: list[RequestRecord] = []
        self.violations: list[str] = []
        self._world = World(clock, tick)
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._rules: list[_Rule] = []
        self._buckets: dict[str, _Bucket] = {}
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._url = ""
        self._api = Api(self._world, Renderer("", self._world))
        for resource, limit in (("core", 5000), ("search", 30)):
            self._buckets[resource] = _Bucket(limit, limit, self._next_reset())
        self.add_token(DEFAULT_TOKEN, login=DEFAULT_LOGIN, write=True)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> GitHubDouble:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.double = self
        self._server = server
        self._url = f"http://127.0.0.1:{server.server_address[1]}{self.path_prefix}"
        self._api.render.api = self._url
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes requests sleeping in a delay fault
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    def __enter__(self) -> GitHubDouble:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None:
            self.assert_no_violations()

    @property
    def url(self) -> str:
        if not self._url:
            raise RuntimeError("GitHubDouble.start() has not been called")
        return self._url

    def client(self, token: str = DEFAULT_TOKEN, **options: Any) -> github.Github:
        """A PyGithub client for this double, tuned for tests: no retries, no
        pauses between requests (PyGithub waits 0.25 s/1 s by default)."""
        settings: dict[str, Any] = {
            "base_url": self.url,
            "retry": None,
            "seconds_between_requests": None,
            "seconds_between_writes": None,
            "timeout": 5,
            **options,
        }
        return github.Github(auth=github.Auth.Token(token), **settings)

    def assert_no_violations(self) -> None:
        """Fail when any response broke GitHub's schema or the double crashed."""
        if self.violations:
            listed = "\n".join(f"  - {v}" for v in self.violations)
            raise AssertionError(f"GitHub double sent invalid responses:\n{listed}")

    # -- arranging state -------------------------------------------------------------

    def add_repo(
        self,
        full_name: str,
        *,
        private: bool = False,
        assignees: Iterable[str] = (),
        owner_type: str = "Organization",
        default_labels: bool = True,
    ) -> Repo:
        with self._lock:
            if self._world.repo(full_name) is not None:
                raise ValueError(f"repository {full_name} already exists")
            return self._world.add_repo(
                full_name,
                private=private,
                assignees=assignees,
                owner_type=owner_type,
                default_labels=default_labels,
            )

    def add_token(self, token: str, *, login: str = DEFAULT_LOGIN, write: bool = True) -> Token:
        with self._lock:
            self._world.user(login)
            found = self._world.tokens[token] = Token(token, login, write)
            return found

    def add_label(
        self,
        repo: Repo | str,
        name: str,
        color: str = "ededed",
        description: str | None = None,
    ) -> Label:
        with self._lock:
            return self._world.add_label(self._repo(repo), name, color, description)

    def add_milestone(
        self,
        repo: Repo | str,
        title: str,
        *,
        state: str = "open",
        description: str | None = None,
        due_on: datetime | None = None,
    ) -> Milestone:
        with self._lock:
            return self._world.add_milestone(
                self._repo(repo), title, HUMAN, state=state, description=description, due_on=due_on
            )

    def add_issue(self, repo: Repo | str, title: str, *, author: str = HUMAN, **fields: Any) -> Issue:
        """Open an issue as a human would; `fields` as for `edit_issue`."""
        with self._lock:
            found = self._repo(repo)
            return self._world.create_issue(found, author, title, **self._fields(found, fields))

    def add_comment(self, repo: Repo | str, number: int, body: str, *, author: str = HUMAN) -> Comment:
        with self._lock:
            return self._world.add_comment(self.issue(repo, number), author, body)

    # -- acting as a human on GitHub ------------------------------------------------

    def edit_issue(self, repo: Repo | str, number: int, *, actor: str = HUMAN, **fields: Any) -> Issue:
        """Change an issue as a person in the web UI would.

        `fields`: title, body, state, state_reason, labels (names, created if
        missing), assignees (logins), milestone (number or None), type (name).
        """
        with self._lock:
            issue = self.issue(repo, number)
            self._world.update_issue(issue, actor, self._fields(issue.repo, fields))
            return issue

    def close_issue(self, repo: Repo | str, number: int, reason: str = "completed", *, actor: str = HUMAN) -> Issue:
        return self.edit_issue(repo, number, actor=actor, state="closed", state_reason=reason)

    def reopen_issue(self, repo: Repo | str, number: int, *, actor: str = HUMAN) -> Issue:
        return self.edit_issue(repo, number, actor=actor, state="open")

    def delete_issue(self, repo: Repo | str, number: int) -> None:
        with self._lock:
            self._world.delete_issue(self.issue(repo, number))

    def transfer_issue(self, repo: Repo | str, number: int, to: Repo | str, *, actor: str = HUMAN) -> Issue:
        with self._lock:
            return self._world.transfer_issue(self.issue(repo, number), self._repo(to), actor)

    def archive(self, repo: Repo | str, archived: bool = True) -> None:
        with self._lock:
            self._repo(repo).archived = archived

    def _fields(self, repo: Repo, fields: dict[str, Any]) -> dict[str, Any]:
        unknown = set(fields) - {
            "title",
            "body",
            "state",
            "state_reason",
            "labels",
            "assignees",
            "milestone",
            "type",
        }
        if unknown:
            raise TypeError(f"unknown issue fields: {sorted(unknown)}")
        if "labels" in fields:
            fields = {**fields, "labels": self._world.ensure_labels(repo, fields["labels"])}
        if "assignees" in fields:
            fields = {
                **fields,
                "assignees": [self._world.user(a).login for a in fields["assignees"]],
            }
        # Unlike labels, milestones and types are never created on the fly.
        if fields.get("milestone") is not None and fields["milestone"] not in repo.milestones:
            raise ValueError(f"{repo.full_name} has no milestone {fields['milestone']}")
        if fields.get("type") is not None:
            issue_type = self._world.issue_type(repo, fields["type"])
            if issue_type is None:
                raise ValueError(f"{repo.full_name} has no issue type {fields['type']!r}")
            fields = {**fields, "type": issue_type.name}
        return fields

    # -- reading state ------------------------------------------------------------------

    def repo(self, full_name: str) -> Repo:
        return self._repo(full_name)

    def issue(self, repo: Repo | str, number: int) -> Issue:
        """The issue with this number, including deleted or transferred ones."""
        return self._repo(repo).issues[number]

    def issues(self, repo: Repo | str) -> list[Issue]:
        """Issues the API still shows (not deleted, not transferred), by number."""
        return sorted(self._repo(repo).live_issues(), key=lambda issue: issue.number)

    def _repo(self, repo: Repo | str) -> Repo:
        if not isinstance(repo, str):
            return repo
        found = self._world.repo(repo)
        if found is None:
            raise KeyError(f"no repository {repo} in the GitHub double")
        return found

    # -- the clock ---------------------------------------------------------------------

    @property
    def clock(self) -> datetime:
        """When the next change happens; each change moves it on by `tick`."""
        return self._world.clock

    @clock.setter
    def clock(self, moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("the clock needs an aware datetime (GitHub speaks UTC)")
        self._world.clock = moment.astimezone(UTC)

    def advance(self, seconds: float = 0.0, **delta: float) -> datetime:
        """Move the clock forward, e.g. advance(90) or advance(days=2)."""
        self.clock = self.clock + timedelta(seconds=seconds, **delta)
        return self.clock

    # -- the request log -----------------------------------------------------------------

    def writes(self) -> list[RequestRecord]:
        return [r for r in self.requests if r.method in WRITE_METHODS]

    def calls(self, operation_id: str) -> list[RequestRecord]:
        return [r for r in self.requests if r.operation == operation_id]

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- faults and limits ---------------------------------------------------------------

    def inject(self, fault: Fault, *, at: int = 1, match: Match | None = None) -> None:
        """Make the `at`-th request from now (1-based, counting only requests
        that `match`, if given) fail with `fault`. Rules queue up."""
        if at < 1:
            raise ValueError("at counts requests from now, starting at 1")
        with self._lock:
            self._rules.append(_Rule(fault, at, match))

    def rate_limit(
        self,
        *,
        remaining: int | None = None,
        reset: int | None = None,
        limit: int | None = None,
        resource: str = "core",
    ) -> None:
        """Set a primary rate limit. At 0 remaining, requests get GitHub's 403
        until the double's clock passes `reset` (epoch seconds)."""
        with self._lock:
            bucket = self._buckets[resource]
            if limit is not None:
                bucket.limit = limit
            if remaining is not None:
                bucket.remaining = remaining
                bucket.used = bucket.limit - remaining
            if reset is not None:
                bucket.reset = reset

    def _next_reset(self) -> int:
        return int((self._world.clock + timedelta(hours=1)).timestamp())

    def _spend(self, resource: str, token: Token | None) -> None:
        bucket = self._buckets[resource]
        if self._world.clock.timestamp() >= bucket.reset:
            bucket.remaining, bucket.used, bucket.reset = bucket.limit, 0, self._next_reset()
        if bucket.remaining <= 0:
            who = "your IP address" if token is None else f"user ID {self._world.user(token.login).id}"
            raise ApiError(
                403,
                f"API rate limit exceeded for {who}.",
                documentation_url="https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            )
        bucket.remaining -= 1
        bucket.used += 1

    # -- serving ---------------------------------------------------------------------------

    def _serve(self, handler: _Handler) -> None:
        method = handler.command
        split = urlsplit(handler.path)
        query = parse_qsl(split.query, keep_blank_values=True)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        headers = {key.lower(): value for key, value in handler.headers.items()}
        with self._lock:
            operation, params, path = self._route(method, split.path)
            record = RequestRecord(
                method,
                split.path,
                dict(query),
                _decode(raw),
                headers=headers,
                operation=None if operation is None else operation.operation_id,
            )
            self.requests.append(record)
            fault = self._take_fault(method, path, record.operation)
            record.fault = fault
        if fault is not None and fault.delay:
            self._stopping.wait(fault.delay)
        if fault is not None and fault.interrupts and not fault.after:
            self._answer_fault(handler, record, fault)
            return
        with self._lock:
            response, resource = self._dispatch(method, path, operation, params, query, raw, headers)
            payload = self._finish(response, resource)
            if self.validate and operation is not None:
                for problem in _SPEC.response_errors(operation.operation_id, response.status, response.body):
                    self.violations.append(f"{method} {handler.path}: {problem}")
        if fault is not None and fault.interrupts:
            self._answer_fault(handler, record, fault)
            return
        record.status = response.status
        _write(handler, response, payload)

    def _finish(self, response: Response, resource: str) -> bytes:
        """Add GitHub's headers to `response`; return the encoded body."""
        response.headers.update(self._common_headers(resource))
        if response.body is None:
            return b""
        payload = json.dumps(response.body, separators=(",", ":")).encode()
        if 200 <= response.status < 300 and "Cache-Control" not in response.headers:
            digest = hashlib.blake2b(payload, digest_size=16).hexdigest()
            response.headers["Cache-Control"] = "private, max-age=60, s-maxage=60"
            response.headers["ETag"] = f'"{digest}"'
        return payload

    def _route(self, method: str, raw_path: str) -> tuple[Operation | None, dict[str, str], str]:
        """(operation or None, unquoted path parameters, canonical path)."""
        if self.path_prefix:
            if not raw_path.startswith(self.path_prefix + "/"):
                return None, {}, raw_path  # outside the API's prefix: 404
            raw_path = raw_path.removeprefix(self.path_prefix)
        path = raw_path
        if raw_path.startswith("/repositories/"):
            # Link headers and redirects address repositories by id.
            repo_id, _, rest = raw_path.removeprefix("/repositories/").partition("/")
            repo = self._world.repo_by_id(int(repo_id)) if repo_id.isdigit() else None
            if repo is not None:
                path = f"/repos/{repo.full_name}" + (f"/{rest}" if rest else "")
        found = _SPEC.match(method, path)
        if found is None:
            return None, {}, path
        operation, params = found
        return operation, {key: unquote(value) for key, value in params.items()}, path

    def _take_fault(self, method: str, path: str, operation: str | None) -> Fault | None:
        chosen: _Rule | None = None
        for rule in self._rules:
            if rule.matches(method, path, operation):
                rule.seen += 1
                # A rule whose turn collides with another's fires on the next
                # matching request instead of being lost.
                if chosen is None and rule.seen >= rule.at:
                    chosen = rule
        if chosen is None:
            return None
        self._rules.remove(chosen)
        return chosen.fault

    def _answer_fault(self, handler: _Handler, record: RequestRecord, fault: Fault) -> None:
        if fault.drop:
            handler.close_connection = True
            return
        response = fault.response()
        with self._lock:
            response.headers = {**self._common_headers("core"), **response.headers}
        record.status = response.status
        _write(handler, response, json.dumps(response.body, separators=(",", ":")).encode())

    def _dispatch(
        self,
        method: str,
        path: str,
        operation: Operation | None,
        params: dict[str, str],
        query: list[tuple[str, str]],
        raw: bytes,
        headers: dict[str, str],
    ) -> tuple[Response, str]:
        """The answer and the rate-limit resource it was charged to."""
        operation_id = None if operation is None else operation.operation_id
        resource = "search" if operation_id == "search/issues-and-pull-requests" else "core"
        docs = GENERIC_DOCS if operation is None else operation.documentation_url
        try:
            token = self._authenticate(headers.get("authorization"))
            # GitHub does not charge for asking about the limit itself.
            if operation_id != "rate-limit/get":
                self._spend(resource, token)
            if operation is None:
                raise not_found()
            if operation_id == "rate-limit/get":
                return Response(200, self._rate_limit_body()), resource
            body = _parse_body(raw)
            repo = self._authorize(method, params, token)
            call = Call(operation, path, params, query, body, token, repo)
            return self._api.handle(call), resource
        except ApiError as error:
            return error.response(docs), resource
        except Exception:  # a bug in the double must fail the test, not hang it
            self.violations.append(f"{method} {path}: double crashed\n{traceback.format_exc()}")
            return ApiError(500, "Internal Server Error").response(docs), resource

    def _authenticate(self, authorization: str | None) -> Token | None:
        if authorization is None:
            return None
        scheme, _, secret = authorization.partition(" ")
        token = self._world.tokens.get(secret.strip())
        if scheme.lower() not in ("token", "bearer") or token is None:
            raise ApiError(401, "Bad credentials", documentation_url=GENERIC_DOCS)
        return token

    def _authorize(self, method: str, params: dict[str, str], token: Token | None) -> Repo | None:
        repo = None
        if "owner" in params and "repo" in params:
            repo = self._world.repo(f"{params['owner']}/{params['repo']}")
            # GitHub hides private repositories from those who may not see them.
            if repo is None or (repo.private and token is None):
                raise not_found()
        if method in WRITE_METHODS:
            if token is None:
                raise ApiError(401, "Requires authentication", documentation_url=GENERIC_DOCS)
            if repo is not None and repo.archived:
                raise ApiError(403, "Repository was archived so is read-only.")
            if not token.write:
                raise ApiError(403, "Resource not accessible by personal access token")
        return repo

    def _rate_limit_body(self) -> dict[str, Any]:
        resources = {
            name: {
                "limit": b.limit,
                "remaining": b.remaining,
                "reset": b.reset,
                "used": b.used,
                "resource": name,
            }
            for name, b in self._buckets.items()
        }
        return {"resources": resources, "rate": resources["core"]}

    def _common_headers(self, resource: str) -> dict[str, str]:
        bucket = self._buckets[resource]
        return {
            "X-GitHub-Api-Version-Selected": API_VERSION,
            "X-GitHub-Media-Type": "github.v3; format=json",
            "X-GitHub-Request-Id": f"0000:{len(self.requests):05d}",
            "X-RateLimit-Limit": str(bucket.limit),
            "X-RateLimit-Remaining": str(bucket.remaining),
            "X-RateLimit-Reset": str(bucket.reset),
            "X-RateLimit-Used": str(bucket.used),
            "X-RateLimit-Resource": resource,
        }


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def _parse_body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiError(400, "Problems parsing JSON") from None


def _write(handler: _Handler, response: Response, payload: bytes) -> None:
    try:
        handler.send_response(response.status)
        for key, value in response.headers.items():
            handler.send_header(key, value)
        # A 204 carries no body and, per RFC 9110, no Content-Length either.
        if response.status != 204:
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        # The client gave up (its timeout); GitHub would not notice either.
        handler.close_connection = True
