"""Issue 16: the promises an adversarial run broke, one test (or more) per point,
through the CLI, real PyGithub and the GitHub double.

Bad input of the config and the environment (points 9 and 10) is in
`test_bad_input_catalogue.py` with the rest of the catalogue.
"""

from __future__ import annotations

import pytest

from tests.commands.test_remote_surprises import PAYMENTS, Env, env  # noqa: F401 (env is a fixture)
from tests.ghdouble import Fault

# -- 11. every request kind is retried on a secondary rate limit ---------------------------------


@pytest.mark.parametrize("status", [403, 429])
@pytest.mark.parametrize("operation", ["issues/update", "issues/create", "issues/list-for-repo"])
def test_secondary_rate_limit_is_waited_out_for_every_request_kind(
    env: Env,  # noqa: F811
    status: int,
    operation: str,
) -> None:
    env.setup({"payments.md": PAYMENTS.encode()})
    assert env.run("push").code == 0
    env.replace("payments.md", "Rotate the signing keys", "Rotate the signing keys monthly")
    (env.root / "postmortems" / "new.md").write_text(PAYMENTS.replace("Payment", "Billing"), encoding="utf-8")
    env.double.inject(Fault.secondary_rate_limit(retry_after=0, status=status), match=operation)
    run = env.run("push", "--yes")
    assert run.code == 0, run.err
    refused = [r for r in env.double.requests if r.operation == operation and r.fault is not None]
    assert len(refused) == 1, "the fault was never met"
    titles = sorted(issue.title for issue in env.issues())
    assert "Rotate the signing keys monthly" in titles
    assert len(titles) == 6
