"""Test-only REST methods (names under ``sandboxtest.``) that exercise the transport layer."""
from __future__ import annotations

import time
from typing import Any

from sandbox.errors import core_error
from sandbox.registry import METHODS, Call, Page, page_of, rest_method


def _echo(call: Call) -> dict[str, Any]:
    return {"params": call.params, "positional": call.positional(), "user_id": call.auth.user_id}


def _numbers(call: Call) -> Page:
    return page_of([{"ID": str(i)} for i in range(1, 121)], call.get("start"))


def _fail(call: Call) -> Any:
    raise core_error("Probe failure<br>")


def _crash(call: Call) -> Any:
    raise RuntimeError("probe crash with a secret-looking traceback")


def _slow(call: Call) -> bool:
    time.sleep(float(call.get("seconds", default=0.01)))
    return True


def _user_scoped(call: Call) -> str:
    return "ok"


PROBES = {
    "sandboxtest.echo": (_echo, "basic"),
    # A name under "task." so the dispatcher treats it as a positional legacy method.
    "task.sandboxtest.echo": (_echo, "task"),
    "sandboxtest.numbers": (_numbers, "basic"),
    "sandboxtest.fail": (_fail, "basic"),
    "sandboxtest.crash": (_crash, "basic"),
    "sandboxtest.slow": (_slow, "basic"),
    "sandboxtest.userscoped": (_user_scoped, "user"),
}


def register() -> None:
    """Register the probes once per process."""
    for name, (handler, scope) in PROBES.items():
        if name not in METHODS:
            rest_method(name, scope=scope)(handler)


register()
