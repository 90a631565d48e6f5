"""GitHub's OpenAPI description as a route table and a response validator.

The double answers only what `openapi-subset.json` describes (plus the few
endpoints in `EXTRA_OPERATIONS`) and checks every body it sends against the
response schema of the operation, so a test can never pass on a response
GitHub would not send.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import relevance
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).with_name("openapi-subset.json")

# The registry key under which the whole (converted) document is stored; the
# spec's own "#/components/..." references resolve against it.
_DOCUMENT_URI = "urn:ghdouble:openapi-subset"

_GENERIC_ERROR_POINTER = "/components/schemas/basic-error"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    template: str
    documentation_url: str
    # False for the EXTRA_OPERATIONS: served, but GitHub's subset has no schema.
    documented: bool


# Endpoints pmsync or the recorded exchanges use that the subset leaves out.
# They all answer 204 with no body, which the validator checks instead.
EXTRA_OPERATIONS = (
    Operation(
        "issues/lock",
        "PUT",
        "/repos/{owner}/{repo}/issues/{issue_number}/lock",
        "https://docs.github.com/rest/issues/issues#lock-an-issue",
        documented=False,
    ),
    Operation(
        "issues/unlock",
        "DELETE",
        "/repos/{owner}/{repo}/issues/{issue_number}/lock",
        "https://docs.github.com/rest/issues/issues#unlock-an-issue",
        documented=False,
    ),
    Operation(
        "issues/delete-label",
        "DELETE",
        "/repos/{owner}/{repo}/labels/{name}",
        "https://docs.github.com/rest/issues/labels#delete-a-label",
        documented=False,
    ),
    Operation(
        "issues/remove-all-labels",
        "DELETE",
        "/repos/{owner}/{repo}/issues/{issue_number}/labels",
        "https://docs.github.com/rest/issues/labels#remove-all-labels-from-an-issue",
        documented=False,
    ),
)

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE)

# RFC 3986: a scheme, a colon, then no whitespace ("git:host/path" is a URI).
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")


def _is_date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.match(value))


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))


# jsonschema only asserts formats it is given checkers for; the two that
# matter for GitHub payloads are checked here without extra dependencies.
FORMAT_CHECKER = FormatChecker(formats=())
FORMAT_CHECKER.checks("date-time")(_is_date_time)
FORMAT_CHECKER.checks("uri")(_is_uri)


def to_json_schema(node: Any) -> Any:
    """Rewrite OpenAPI 3.0 `nullable: true` into JSON Schema (null allowed).

    Wrapping in anyOf rather than extending `type` keeps `enum`, `$ref` and
    `oneOf` schemas correct as well: an enum without null would still reject
    null if only `type` were widened.
    """
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    # A property that happens to be called "nullable" maps to a schema
    # object, never a bool, so only the keyword is removed.
    converted = {
        key: to_json_schema(value) for key, value in node.items() if not (key == "nullable" and isinstance(value, bool))
    }
    if node.get("nullable") is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _pointer_segment(segment: str) -> str:
    return quote(segment.replace("~", "~0").replace("/", "~1"), safe="~")


class Spec:
    """Operations by id, path matching, and response validation."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.operations: dict[str, Operation] = {}
        for template, methods in document["paths"].items():
            for method, operation in methods.items():
                if method == "parameters":
                    continue
                self.operations[operation["operationId"]] = Operation(
                    operation["operationId"],
                    method.upper(),
                    template,
                    operation["externalDocs"]["url"],
                    documented=True,
                )
        for extra in EXTRA_OPERATIONS:
            self.operations[extra.operation_id] = extra
        # Literal segments win over parameters ("/issues/comments/{id}" must
        # not be read as issue number "comments"), so routes with more literal
        # segments are tried first.
        self._routes = sorted(
            ((self._compile(op.template), op) for op in self.operations.values()),
            key=lambda route: -route[1].template.count("/") + route[1].template.count("{"),
        )
        registry: Registry[Any] = Registry().with_resource(
            _DOCUMENT_URI, DRAFT202012.create_resource(to_json_schema(document))
        )
        self._registry = registry
        self._validators: dict[str, Draft202012Validator] = {}

    @classmethod
    def load(cls, path: Path = SPEC_PATH) -> Spec:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    @staticmethod
    def _compile(template: str) -> re.Pattern[str]:
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        return re.compile(f"^{pattern}$")

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        for regex, operation in self._routes:
            if operation.method != method:
                continue
            found = regex.match(path)
            if found:
                return operation, found.groupdict()
        return None

    def response_pointer(self, operation_id: str, status: int) -> str | None:
        """JSON pointer to the body schema, or None when no body is allowed.

        Raises KeyError when the operation does not document the status and
        the status is a success: that response is one GitHub never sends.
        """
        operation = self.operations[operation_id]
        if not operation.documented:
            if status < 300:
                return None
            return _GENERIC_ERROR_POINTER
        raw = self.document["paths"][operation.template][operation.method.lower()]
        response = raw["responses"].get(str(status))
        if response is None:
            # GitHub answers 401, 403 (rate limits) and 5xx on any endpoint
            # with its basic error body, whether or not the operation lists it.
            if status >= 300:
                return _GENERIC_ERROR_POINTER
            raise KeyError(f"{operation_id} does not document status {status}")
        pointer = (
            "/"
            + "/".join(
                _pointer_segment(s) for s in ("paths", operation.template, operation.method.lower(), "responses")
            )
            + f"/{status}"
        )
        if "$ref" in response:
            pointer = response["$ref"].removeprefix("#")
            response = self._resolve(pointer)
        if "application/json" not in response.get("content", {}):
            return None
        return pointer + "/content/application~1json/schema"

    def _resolve(self, pointer: str) -> Any:
        node: Any = self.document
        for segment in pointer.lstrip("/").split("/"):
            node = node[segment.replace("~1", "/").replace("~0", "~")]
        return node

    def validator(self, pointer: str) -> Draft202012Validator:
        found = self._validators.get(pointer)
        if found is None:
            found = Draft202012Validator(
                {"$ref": f"{_DOCUMENT_URI}#{pointer}"},
                registry=self._registry,
                format_checker=FORMAT_CHECKER,
            )
            self._validators[pointer] = found
        return found

    def response_errors(self, operation_id: str, status: int, body: Any) -> list[str]:
        """Why `body` is not what GitHub documents for this response; [] if it is."""
        try:
            pointer = self.response_pointer(operation_id, status)
        except KeyError as undocumented:
            return [str(undocumented)]
        if pointer is None:
            return [] if body is None else [f"{operation_id} {status} must have no body"]
        if body is None:
            return [f"{operation_id} {status} must have a JSON body"]
        errors = sorted(self.validator(pointer).iter_errors(body), key=relevance)
        return [f"{operation_id} {status} at {error.json_path}: {error.message}" for error in errors]
