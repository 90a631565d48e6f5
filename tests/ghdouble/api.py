"""The REST operations: request checks and answers, one method per operationId.

Validation errors, status codes and messages follow what api.github.com
answers (see `recorded/` and GitHub's REST documentation); bodies come from
`render.Renderer`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote, urlencode

if TYPE_CHECKING:
    from .render import Json, Renderer
    from .schema import Operation
    from .state import Issue, Label, Milestone, Repo, Token, World

T = TypeVar("T")

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100
MAX_SUB_ISSUES = 100
GENERIC_DOCS = "https://docs.github.com/rest"

_COLOR = re.compile(r"^[0-9a-fA-F]{6}$")
_CLOSED_REASONS = ("completed", "not_planned", "duplicate")
_LOCK_REASONS = ("off-topic", "too heated", "resolved", "spam")
# Query parameters that pick a page rather than what is listed.
_PAGING = frozenset({"page", "per_page"})
# Distinct listings kept at once; a client pages through one or two at a time.
_LISTINGS_KEPT = 16


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """An error answer; `errors` makes it GitHub's "Validation Failed" shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        documentation_url: str | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors
        self.documentation_url = documentation_url
        self.headers = headers or {}
        self.extra = extra or {}

    def response(self, documentation_url: str) -> Response:
        body: dict[str, Any] = {"message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extra)
        body["documentation_url"] = self.documentation_url or documentation_url
        body["status"] = str(self.status)
        return Response(self.status, body, dict(self.headers))


def not_found() -> ApiError:
    return ApiError(404, "Not Found", documentation_url=GENERIC_DOCS)


def invalid(resource: str, field_name: str, code: str = "invalid", **more: Any) -> ApiError:
    return ApiError(
        422,
        "Validation Failed",
        errors=[{"resource": resource, "code": code, "field": field_name, **more}],
    )


def not_supplied(name: str) -> ApiError:
    return ApiError(422, f'Invalid request.\n\n"{name}" wasn\'t supplied.')


@dataclass
class Call:
    """One routed request, with the caller and repository already resolved."""

    operation: Operation
    path: str
    params: dict[str, str]
    query: list[tuple[str, str]]
    body: Any
    token: Token | None
    repo: Repo | None

    @property
    def login(self) -> str:
        # Every handler that writes runs after the dispatcher checked a token.
        assert self.token is not None
        return self.token.login

    def arg(self, name: str, default: str | None = None) -> str | None:
        return dict(self.query).get(name, default)

    def the_repo(self) -> Repo:
        assert self.repo is not None, f"{self.operation.operation_id} is repository-scoped"
        return self.repo

    def number(self, name: str) -> int:
        try:
            return int(self.params[name])
        except ValueError:
            raise not_found() from None

    def fields(self) -> dict[str, Any]:
        if self.body is None:
            return {}
        if not isinstance(self.body, dict):
            raise ApiError(400, "Problems parsing JSON")
        return self.body


Handler = Callable[["Api", Call], Response]
HANDLERS: dict[str, Handler] = {}


def handles(operation_id: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        HANDLERS[operation_id] = handler
        return handler

    return register


def parse_time(value: str, resource: str, field_name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise invalid(resource, field_name) from None
    if moment.tzinfo is None:
        raise invalid(resource, field_name)
    return moment


def _names(values: Any, resource: str, field_name: str, key: str) -> list[str]:
    """Strings from a list of strings or of objects such as {"name": ...}."""
    if not isinstance(values, list):
        raise invalid(resource, field_name)
    names: list[str] = []
    for value in values:
        if isinstance(value, dict) and isinstance(value.get(key), str):
            names.append(value[key])
        elif isinstance(value, str):
            names.append(value)
        else:
            raise invalid(resource, field_name)
    return names


class Api:
    def __init__(self, world: World, render: Renderer) -> None:
        self.world = world
        self.render = render
        # Filtered, sorted listings by (repository, query without paging), with
        # the stamp of the state they were computed from. Paging through N
        # items then costs one filter and sort instead of one per page.
        self._listings: dict[tuple[object, ...], tuple[tuple[object, ...], list[Any]]] = {}

    def _cached(self, key: tuple[object, ...], stamp: tuple[object, ...], compute: Callable[[], list[T]]) -> list[T]:
        """compute(), or its result from an earlier call with the same key and stamp.

        Only results are kept: a request compute() refuses is refused again.
        """
        found = self._listings.get(key)
        if found is not None and found[0] == stamp:
            return found[1]
        items = compute()
        if len(self._listings) >= _LISTINGS_KEPT:
            self._listings.clear()
        self._listings[key] = (stamp, items)
        return items

    def handle(self, call: Call) -> Response:
        handler = HANDLERS.get(call.operation.operation_id)
        if handler is None:
            # In the subset but not modelled (issue fields): answer as GitHub
            # does for a feature that is not enabled rather than inventing data.
            raise not_found()
        return handler(self, call)

    # -- helpers -----------------------------------------------------------

    def _issue(self, call: Call) -> Issue:
        """The issue the path names, answering 301/410/404 as GitHub does."""
        issue = call.the_repo().issues.get(call.number("issue_number"))
        if issue is None:
            raise not_found()
        if issue.deleted:
            raise ApiError(410, "This issue was deleted")
        if issue.transferred_to is not None:
            target = issue.transferred_to
            location = f"{self.render.api}/repositories/{target.repo.id}/issues/{target.number}"
            raise ApiError(
                301,
                "Moved Permanently",
                headers={"Location": location},
                extra={"url": location},
            )
        return issue

    def _page(self, call: Call, items: Sequence[T], render: Callable[[T], Json]) -> Response:
        """One page of `items` with GitHub's Link header."""
        per_page = _int_arg(call.arg("per_page"), DEFAULT_PER_PAGE)
        per_page = min(max(per_page, 1), MAX_PER_PAGE)
        page = max(_int_arg(call.arg("page"), 1), 1)
        last = max(math.ceil(len(items) / per_page), 1)
        chunk = items[(page - 1) * per_page : page * per_page]
        response = Response(200, [render(item) for item in chunk])
        links = []
        if page > 1:
            links.append((page - 1, "prev"))
        if page < last:
            links += [(page + 1, "next"), (last, "last")]
        if page > 1:
            links.append((1, "first"))
        if links:
            response.headers["Link"] = ", ".join(
                f'<{self._page_url(call, number)}>; rel="{rel}"' for number, rel in links
            )
        return response

    def _page_url(self, call: Call, page: int) -> str:
        # GitHub links repository lists by repository id, which stays valid
        # when the repository is renamed or transferred.
        path = call.path
        if call.repo is not None:
            prefix = f"/repos/{call.params['owner']}/{call.params['repo']}"
            path = f"/repositories/{call.repo.id}{path.removeprefix(prefix)}"
        query = list(call.query)
        # An explicit page keeps its place in the query, as on GitHub.
        at = next((i for i, (key, _) in enumerate(query) if key == "page"), None)
        if at is None:
            query.append(("page", str(page)))
        else:
            query[at] = ("page", str(page))
        return f"{self.render.api}{path}?{urlencode(query, quote_via=quote)}"

    def _assignable(self, repo: Repo, logins: Iterable[str]) -> list[str]:
        by_key = {login.casefold(): login for login in repo.assignees}
        found: list[str] = []
        for login in logins:
            canonical = by_key.get(login.casefold())
            if canonical is None:
                raise invalid("Issue", "assignees", value=login)
            if canonical not in found:
                found.append(canonical)
        return found

    def _issue_fields(self, call: Call, *, creating: bool) -> dict[str, Any]:
        """Checked changes from an issues/create or issues/update body."""
        body = call.fields()
        repo = call.the_repo()
        changes: dict[str, Any] = {}
        if "title" in body and body["title"] is not None:
            title = body["title"]
            if not isinstance(title, (str, int)) or str(title).strip() == "":
                raise invalid("Issue", "title", "missing_field")
            changes["title"] = str(title)
        elif creating:
            raise not_supplied("title")
        if "body" in body:
            if body["body"] is not None and not isinstance(body["body"], str):
                raise invalid("Issue", "body")
            changes["body"] = body["body"]
        labels = None
        if "labels" in body:
            labels = _names(body["labels"], "Issue", "labels", "name")
        assignees: list[str] | None = None
        if "assignee" in body:
            # The deprecated single-assignee field; null clears.
            assignees = [] if body["assignee"] is None else [body["assignee"]]
        if "assignees" in body:
            assignees = _names(body["assignees"], "Issue", "assignees", "login")
        if assignees is not None:
            changes["assignees"] = self._assignable(repo, assignees)
        if "milestone" in body:
            changes["milestone"] = self._milestone_number(repo, body["milestone"])
        if "type" in body:
            changes["type"] = self._type_name(repo, body["type"])
        if not creating:
            changes.update(_state_change(body))
        if labels is not None:
            # Only once everything is checked: a refused request creates no labels.
            changes["labels"] = self.world.ensure_labels(repo, labels)
        return changes

    @staticmethod
    def _milestone_number(repo: Repo, value: Any) -> int | None:
        if value is None or value == "":
            return None
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise invalid("Issue", "milestone", value=value) from None
        if number not in repo.milestones:
            raise invalid("Issue", "milestone", value=value)
        return number

    def _type_name(self, repo: Repo, value: Any) -> str | None:
        if isinstance(value, dict):
            value = value.get("value")
        if value is None:
            return None
        issue_type = self.world.issue_type(repo, str(value))
        if issue_type is None:
            raise invalid("Issue", "type", value=value)
        return issue_type.name

    def _label_list(self, issue: Issue) -> Response:
        repo = issue.repo
        return Response(200, [self.render.label(repo, repo.require_label(name)) for name in issue.labels])

    # -- repository, user, rate limit ---------------------------------------

    @handles("repos/get")
    def get_repo(self, call: Call) -> Response:
        return Response(200, self.render.repository(call.the_repo(), call.token))

    @handles("users/get-authenticated")
    def get_authenticated_user(self, call: Call) -> Response:
        if call.token is None:
            raise ApiError(401, "Requires authentication")
        user = self.world.user(call.token.login)
        return Response(200, self.render.authenticated_user(user.login, self.world.clock))

    # -- issues --------------------------------------------------------------

    @handles("issues/list-for-repo")
    def list_issues(self, call: Call) -> Response:
        repo = call.the_repo()
        # Any change to an issue (updated_at included) or to the set of issues
        # moves the stamp, so a cached listing never shows stale membership or
        # order; the items themselves are rendered fresh for every page.
        stamp = (repo.revision, len(repo.issues), repo.issues)
        issues = self._cached(("issues", repo, _query_key(call)), stamp, lambda: self._filtered_issues(call, repo))
        return self._page(call, issues, lambda i: self.render.issue(i, single=False))

    def _filtered_issues(self, call: Call, repo: Repo) -> list[Issue]:
        state = call.arg("state", "open")
        if state not in ("open", "closed", "all"):
            raise invalid("Issue", "state")
        issues = [i for i in repo.live_issues() if state in ("all", i.state)]
        labels = call.arg("labels")
        if labels:
            wanted = {name.strip().casefold() for name in labels.split(",") if name.strip()}
            issues = [i for i in issues if wanted <= {n.casefold() for n in i.labels}]
        since = call.arg("since")
        if since:
            moment = parse_time(since, "Issue", "since")
            issues = [i for i in issues if i.updated_at >= moment]
        issues = [
            i
            for i in issues
            if _matches(call.arg("milestone"), None if i.milestone is None else str(i.milestone))
            and _matches_any(call.arg("assignee"), i.assignees)
            and _matches(call.arg("type"), i.type)
        ]
        creator = call.arg("creator")
        if creator:
            issues = [i for i in issues if i.user.casefold() == creator.casefold()]
        sort = call.arg("sort", "created")
        keys: dict[str, Callable[[Issue], Any]] = {
            "created": lambda i: (i.created_at, i.number),
            "updated": lambda i: (i.updated_at, i.number),
            "comments": lambda i: (len(i.comments), i.number),
        }
        if sort not in keys:
            raise invalid("Issue", "sort")
        direction = call.arg("direction", "desc")
        if direction not in ("asc", "desc"):
            raise invalid("Issue", "direction")
        issues.sort(key=keys[sort], reverse=direction == "desc")
        return issues

    @handles("issues/get")
    def get_issue(self, call: Call) -> Response:
        return Response(200, self.render.issue(self._issue(call)))

    @handles("issues/create")
    def create_issue(self, call: Call) -> Response:
        repo = call.the_repo()
        changes = self._issue_fields(call, creating=True)
        issue = self.world.create_issue(repo, call.login, changes.pop("title"), **changes)
        return Response(201, self.render.issue(issue), {"Location": self.render.issue_url(issue)})

    @handles("issues/update")
    def update_issue(self, call: Call) -> Response:
        issue = self._issue(call)
        self.world.update_issue(issue, call.login, self._issue_fields(call, creating=False))
        return Response(200, self.render.issue(issue))

    @handles("issues/lock")
    def lock_issue(self, call: Call) -> Response:
        issue = self._issue(call)
        reason = call.fields().get("lock_reason")
        if reason is not None and reason not in _LOCK_REASONS:
            raise invalid("Issue", "lock_reason")
        self.world.set_lock(issue, reason, locked=True)
        return Response(204)

    @handles("issues/unlock")
    def unlock_issue(self, call: Call) -> Response:
        self.world.set_lock(self._issue(call), None, locked=False)
        return Response(204)

    # -- comments ------------------------------------------------------------

    @handles("issues/list-comments")
    def list_comments(self, call: Call) -> Response:
        comments = self._issue(call).comments
        since = call.arg("since")
        if since:
            moment = parse_time(since, "IssueComment", "since")
            comments = [c for c in comments if c.updated_at >= moment]
        return self._page(call, comments, self.render.comment)

    @handles("issues/create-comment")
    def create_comment(self, call: Call) -> Response:
        issue = self._issue(call)
        body = _comment_body(call)
        comment = self.world.add_comment(issue, call.login, body)
        rendered = self.render.comment(comment)
        return Response(201, rendered, {"Location": rendered["url"]})

    @handles("issues/update-comment")
    def update_comment(self, call: Call) -> Response:
        comment = self.world.comment_by_id(call.the_repo(), call.number("comment_id"))
        if comment is None:
            raise not_found()
        self.world.edit_comment(comment, _comment_body(call))
        return Response(200, self.render.comment(comment))

    # -- labels on an issue --------------------------------------------------

    def _label_names(self, call: Call) -> list[str]:
        body = call.body
        if isinstance(body, dict):
            body = body.get("labels", [])
        return _names(body, "Label", "labels", "name")

    @handles("issues/add-labels")
    def add_labels(self, call: Call) -> Response:
        issue = self._issue(call)
        added = self.world.ensure_labels(issue.repo, self._label_names(call))
        merged = issue.labels + [name for name in added if name not in issue.labels]
        self.world.update_issue(issue, call.login, {"labels": merged})
        return self._label_list(issue)

    @handles("issues/set-labels")
    def set_labels(self, call: Call) -> Response:
        issue = self._issue(call)
        names = self.world.ensure_labels(issue.repo, self._label_names(call))
        self.world.update_issue(issue, call.login, {"labels": names})
        return self._label_list(issue)

    @handles("issues/remove-label")
    def remove_label(self, call: Call) -> Response:
        issue = self._issue(call)
        label = issue.repo.label(call.params["name"])
        if label is None or label.name not in issue.labels:
            raise ApiError(404, "Label does not exist")
        remaining = [name for name in issue.labels if name != label.name]
        self.world.update_issue(issue, call.login, {"labels": remaining})
        return self._label_list(issue)

    @handles("issues/remove-all-labels")
    def remove_all_labels(self, call: Call) -> Response:
        self.world.update_issue(self._issue(call), call.login, {"labels": []})
        return Response(204)

    # -- assignees -------------------------------------------------------------

    @handles("issues/list-assignees")
    def list_assignees(self, call: Call) -> Response:
        return self._page(call, call.the_repo().assignees, self.render.user)

    @handles("issues/check-user-can-be-assigned")
    def check_assignee(self, call: Call) -> Response:
        wanted = call.params["assignee"].casefold()
        if any(login.casefold() == wanted for login in call.the_repo().assignees):
            return Response(204)
        raise not_found()

    @handles("issues/add-assignees")
    def add_assignees(self, call: Call) -> Response:
        issue = self._issue(call)
        wanted = _names(call.fields().get("assignees", []), "Issue", "assignees", "login")
        # Unlike create and update, GitHub silently skips logins it cannot assign here.
        assignable = {login.casefold(): login for login in issue.repo.assignees}
        merged = list(issue.assignees)
        for login in wanted:
            canonical = assignable.get(login.casefold())
            if canonical is not None and canonical not in merged:
                merged.append(canonical)
        self.world.update_issue(issue, call.login, {"assignees": merged})
        return Response(201, self.render.issue(issue))

    @handles("issues/remove-assignees")
    def remove_assignees(self, call: Call) -> Response:
        issue = self._issue(call)
        fields = call.fields()
        if "assignees" not in fields:
            raise not_supplied("assignees")
        gone = {n.casefold() for n in _names(fields["assignees"], "Issue", "assignees", "login")}
        remaining = [login for login in issue.assignees if login.casefold() not in gone]
        self.world.update_issue(issue, call.login, {"assignees": remaining})
        return Response(200, self.render.issue(issue))

    # -- repository labels ---------------------------------------------------

    @handles("issues/list-labels-for-repo")
    def list_labels(self, call: Call) -> Response:
        repo = call.the_repo()
        return self._page(call, repo.labels, lambda label: self.render.label(repo, label))

    def _label_details(self, fields: dict[str, Any]) -> tuple[str | None, str | None]:
        color = fields.get("color")
        if color is not None:
            color = str(color).removeprefix("#")
            if not _COLOR.match(color):
                raise invalid("Label", "color")
        description = fields.get("description")
        if description is not None and (not isinstance(description, str) or len(description) > 100):
            raise invalid("Label", "description")
        return color, description

    @handles("issues/create-label")
    def create_label(self, call: Call) -> Response:
        repo = call.the_repo()
        fields = call.fields()
        name = fields.get("name")
        if not isinstance(name, str) or not name.strip():
            raise not_supplied("name")
        color, description = self._label_details(fields)
        if repo.label(name) is not None:
            raise invalid("Label", "name", "already_exists")
        label = self.world.add_label(repo, name, color or "ededed", description)
        rendered = self.render.label(repo, label)
        return Response(201, rendered, {"Location": rendered["url"]})

    def _repo_label(self, call: Call) -> tuple[Repo, Label]:
        repo = call.the_repo()
        label = repo.label(call.params["name"])
        if label is None:
            raise not_found()
        return repo, label

    @handles("issues/get-label")
    def get_label(self, call: Call) -> Response:
        repo, label = self._repo_label(call)
        return Response(200, self.render.label(repo, label))

    @handles("issues/update-label")
    def update_label(self, call: Call) -> Response:
        repo, label = self._repo_label(call)
        fields = call.fields()
        color, description = self._label_details(fields)
        new_name = fields.get("new_name")
        if new_name is not None:
            clash = repo.label(new_name)
            if clash is not None and clash is not label:
                raise invalid("Label", "name", "already_exists")
            self.world.rename_label(repo, label, new_name)
        if color is not None:
            label.color = color
        if "description" in fields:
            label.description = description
        return Response(200, self.render.label(repo, label))

    @handles("issues/delete-label")
    def delete_label(self, call: Call) -> Response:
        repo, label = self._repo_label(call)
        self.world.delete_label(repo, label)
        return Response(204)

    # -- milestones ------------------------------------------------------------

    @handles("issues/list-milestones")
    def list_milestones(self, call: Call) -> Response:
        repo = call.the_repo()
        # Thousands of milestones at 30 a page: sorted once, not once per page.
        milestones = self._cached(
            ("milestones", repo, _query_key(call)),
            repo.milestones_stamp(),
            lambda: self._sorted_milestones(call, repo),
        )
        return self._page(call, milestones, lambda m: self.render.milestone(repo, m))

    def _sorted_milestones(self, call: Call, repo: Repo) -> list[Milestone]:
        state = call.arg("state", "open")
        if state not in ("open", "closed", "all"):
            raise invalid("Milestone", "state")
        milestones = [m for m in repo.milestones.values() if state in ("all", m.state)]
        sort = call.arg("sort", "due_on")
        if sort == "due_on":
            # Milestones without a due date come last, as on GitHub.
            milestones.sort(key=lambda m: (m.due_on is None, m.due_on or m.created_at, m.number))
        elif sort != "completeness":
            raise invalid("Milestone", "sort")
        if call.arg("direction", "asc") == "desc":
            milestones.reverse()
        return milestones

    @handles("issues/create-milestone")
    def create_milestone(self, call: Call) -> Response:
        repo = call.the_repo()
        fields = call.fields()
        title = fields.get("title")
        if not isinstance(title, str) or not title.strip():
            raise not_supplied("title")
        if repo.has_milestone_titled(title):
            raise invalid("Milestone", "title", "already_exists")
        state = fields.get("state", "open")
        if state not in ("open", "closed"):
            raise invalid("Milestone", "state")
        due_on = fields.get("due_on")
        milestone = self.world.add_milestone(
            repo,
            title,
            call.login,
            state=state,
            description=fields.get("description"),
            due_on=None if due_on is None else parse_time(due_on, "Milestone", "due_on"),
        )
        rendered = self.render.milestone(repo, milestone)
        return Response(201, rendered, {"Location": rendered["url"]})

    @handles("issues/get-milestone")
    def get_milestone(self, call: Call) -> Response:
        repo = call.the_repo()
        milestone = repo.milestones.get(call.number("milestone_number"))
        if milestone is None:
            raise not_found()
        return Response(200, self.render.milestone(repo, milestone))

    # -- sub-issues --------------------------------------------------------------

    def _sub_issue(self, call: Call, parent: Issue) -> Issue:
        sub_id = call.fields().get("sub_issue_id")
        if not isinstance(sub_id, int):
            raise not_supplied("sub_issue_id")
        sub = self.world.issue_by_id(sub_id)
        # Issues of another owner are invisible here, as on GitHub.
        if sub is None or sub.repo.owner is not parent.repo.owner:
            raise not_found()
        return sub

    @handles("issues/add-sub-issue")
    def add_sub_issue(self, call: Call) -> Response:
        parent = self._issue(call)
        sub = self._sub_issue(call, parent)
        ancestor: Issue | None = parent
        while ancestor is not None:
            if ancestor is sub:
                raise invalid("Issue", "sub_issue_id", message="Sub-issue would create a cycle")
            ancestor = ancestor.parent
        if sub.parent is parent:
            raise invalid("Issue", "sub_issue_id", message="Issue is already a sub-issue")
        if sub.parent is not None and call.fields().get("replace_parent") is not True:
            raise invalid("Issue", "sub_issue_id", message="Sub-issue already has a parent")
        if len(parent.sub_issues) >= MAX_SUB_ISSUES:
            raise invalid("Issue", "sub_issue_id", message="Parent has too many sub-issues")
        self.world.set_parent(sub, parent)
        return Response(201, self.render.issue(parent), {"Location": self.render.issue_url(sub)})

    @handles("issues/remove-sub-issue")
    def remove_sub_issue(self, call: Call) -> Response:
        parent = self._issue(call)
        sub = self._sub_issue(call, parent)
        if sub.parent is not parent:
            raise not_found()
        self.world.set_parent(sub, None)
        return Response(200, self.render.issue(parent), {"Location": self.render.issue_url(sub)})

    @handles("issues/list-sub-issues")
    def list_sub_issues(self, call: Call) -> Response:
        return self._page(call, self._issue(call).sub_issues, lambda i: self.render.issue(i, single=False))

    @handles("issues/get-parent")
    def get_parent(self, call: Call) -> Response:
        parent = self._issue(call).parent
        if parent is None:
            raise not_found()
        return Response(200, self.render.issue(parent))

    # -- issue types -------------------------------------------------------------

    @handles("repos/list-issue-types")
    def list_repo_issue_types(self, call: Call) -> Response:
        types = self.world.org_issue_types(call.the_repo().owner)
        if types is None:
            raise not_found()
        return Response(200, [self.render.issue_type(t) for t in types])

    @handles("orgs/list-issue-types")
    def list_org_issue_types(self, call: Call) -> Response:
        owner = self.world.users.get(call.params["org"].casefold())
        types = None if owner is None else self.world.org_issue_types(owner)
        if types is None:
            raise not_found()
        return Response(200, [self.render.issue_type(t) for t in types])

    # -- search ------------------------------------------------------------------

    @handles("search/issues-and-pull-requests")
    def search_issues(self, call: Call) -> Response:
        query = call.arg("q")
        if not query:
            raise invalid("Search", "q", "missing")
        visible = [repo for repo in self.world.repos.values() if call.token is not None or not repo.private]
        found = [i for repo in visible for i in repo.live_issues() if _search_hit(i, query)]
        sort = call.arg("sort")
        if sort in ("created", "updated", "comments"):
            keys: dict[str, Callable[[Issue], Any]] = {
                "created": lambda i: i.created_at,
                "updated": lambda i: i.updated_at,
                "comments": lambda i: len(i.comments),
            }
            found.sort(key=keys[sort], reverse=call.arg("order", "desc") == "desc")
        page = self._page(call, found, lambda i: {**self.render.issue(i, single=False), "score": 1.0})
        page.body = {
            "total_count": len(found),
            "incomplete_results": False,
            "items": page.body,
            "search_type": "lexical",
        }
        # Search results are never served from a cache, so GitHub sends no ETag.
        page.headers["Cache-Control"] = "no-cache"
        return page


def _query_key(call: Call) -> tuple[tuple[str, str], ...]:
    """What a listing depends on: every argument as `Call.arg` reads it, but paging."""
    return tuple(sorted((k, v) for k, v in dict(call.query).items() if k not in _PAGING))


def _int_arg(value: str | None, default: int) -> int:
    try:
        return default if value is None else int(value)
    except ValueError:
        return default


def _matches(wanted: str | None, actual: str | None) -> bool:
    """GitHub's filter convention: absent = any, "*" = set, "none" = unset."""
    if wanted is None:
        return True
    if wanted == "*":
        return actual is not None
    if wanted == "none":
        return actual is None
    return actual is not None and actual.casefold() == wanted.casefold()


def _matches_any(wanted: str | None, actual: list[str]) -> bool:
    if wanted in (None, "*", "none"):
        return _matches(wanted, actual[0] if actual else None)
    return any(_matches(wanted, login) for login in actual)


def _state_change(body: dict[str, Any]) -> dict[str, Any]:
    state = body.get("state")
    reason = body.get("state_reason")
    if state is None:
        # GitHub ignores state_reason unless the state is being set.
        return {}
    if state == "closed":
        if reason not in (None, *_CLOSED_REASONS):
            raise invalid("Issue", "state_reason")
    elif state == "open":
        if reason not in (None, "reopened"):
            raise invalid("Issue", "state_reason")
    else:
        raise invalid("Issue", "state")
    return {"state": state, "state_reason": reason}


def _comment_body(call: Call) -> str:
    body = call.fields().get("body")
    if body is None:
        raise not_supplied("body")
    if not isinstance(body, str) or not body.strip():
        raise invalid("IssueComment", "body", "missing_field")
    return body


_QUALIFIER = re.compile(r'(-?)(\w+):("[^"]*"|\S+)|"([^"]*)"|(\S+)')


def _search_hit(issue: Issue, query: str) -> bool:
    """A small subset of GitHub's issue search syntax: enough for lookups by
    repo, state, label, author, assignee and words in the title or body."""
    facets = {
        "repo": {issue.repo.full_name},
        "org": {issue.repo.owner.login},
        "user": {issue.repo.owner.login},
        "is": {"issue", issue.state},
        "type": {"issue", issue.type or ""},
        "state": {issue.state},
        "label": set(issue.labels),
        "author": {issue.user},
        "assignee": set(issue.assignees),
    }
    text = f"{issue.title}\n{issue.body or ''}".casefold()
    for negate, key, value, phrase, word in _QUALIFIER.findall(query):
        if key.casefold() == "in":
            continue  # words are looked for in title and body alike
        if key:
            known = {facet.casefold() for facet in facets.get(key.casefold(), set())}
            hit = value.strip('"').casefold() in known
        else:
            hit = (phrase or word).casefold() in text
        if hit == bool(negate):
            return False
    return True
