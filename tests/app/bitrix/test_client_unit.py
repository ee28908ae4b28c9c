"""PortalClient over a scripted transport: envelopes, typed errors, retries, batches."""
from __future__ import annotations

from typing import Any, Callable, Mapping

import pytest
from sqlalchemy.orm import Session, sessionmaker

from b24app.bitrix.auth import PortalAuth
from b24app.bitrix.commands import Command, Ref
from b24app.bitrix.envelope import error_from_body
from b24app.bitrix.errors import (AccessDenied, B24ApiError, B24TransportError, NotFound,
                                  OperationTimeLimit, PortalUnavailable, RateLimited, ServerError,
                                  TokenExpired)
from b24app.clock import FixedClock
from b24app.models import Portal
from config.settings import Settings



@pytest.fixture
def auth(portal_id: int, settings: Settings, session_factory: sessionmaker[Session],
         clock: FixedClock) -> PortalAuth:
    return PortalAuth(portal_id, settings, session_factory, clock)


@pytest.mark.parametrize("status, body, kind", [
    (503, b'{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}', RateLimited),
    (429, b'{"error":"OPERATION_TIME_LIMIT","error_description":"blocked"}', OperationTimeLimit),
    (401, b'{"error":"expired_token","error_description":"expired"}', TokenExpired),
    (403, b'{"error":"insufficient_scope","error_description":"no"}', AccessDenied),
    (404, b'{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"}', NotFound),
    (502, b"<html>Bad gateway</html>", ServerError),
])
def test_error_bodies_map_to_typed_errors_with_their_description(status: int, body: bytes,
                                                                 kind: type[B24ApiError]) -> None:
    error = error_from_body(status, body)
    assert type(error) is kind
    assert error.status == status and error.description


def test_call_returns_result_and_sends_params_as_json(auth: PortalAuth, make_client: Any, fake_batch_portal: Any) -> None:
    seen: list[Mapping[str, Any]] = []

    def send(base_url: str, method: str, body: Mapping[str, Any]) -> Any:
        seen.append(body)
        return {"result": {"ID": "1"}, "time": {}}

    assert make_client(auth, send).call("user.current") == {"ID": "1"}
    assert make_client(auth, send).call("task.checklistitem.add", [7, {"TITLE": "x"}]) == {"ID": "1"}
    assert list(seen[1]) == ["0", "1"]       # webhook: no auth key; positional order kept


def test_error_inside_a_200_answer_is_raised(auth: PortalAuth, make_client: Any, fake_batch_portal: Any) -> None:
    def send(base_url: str, method: str, body: Mapping[str, Any]) -> Any:
        return {"error": "ERROR_PLACEMENT_MAX_COUNT", "error_description": "max"}

    with pytest.raises(B24ApiError) as caught:
        make_client(auth, send).call("placement.bind", {"PLACEMENT": "REST_APP_URI"})
    assert caught.value.code == "ERROR_PLACEMENT_MAX_COUNT"


Send = Callable[[str, str, Mapping[str, Any]], Any]


def scripted(script: list[Any]) -> Send:
    """A transport that answers each call with the script's next step (raised if an error)."""

    def send(base_url: str, method: str, body: Mapping[str, Any]) -> Any:
        step = script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step

    return send


def always_raising(error: Exception, calls: list[str]) -> Send:
    """A transport that records each method called in ``calls`` and raises ``error``."""

    def send(base_url: str, method: str, body: Mapping[str, Any]) -> Any:
        calls.append(method)
        raise error

    return send


def test_transient_errors_are_retried_with_backoff_then_succeed(auth: PortalAuth, make_client: Any, fake_batch_portal: Any) -> None:
    send = scripted([RateLimited("QUERY_LIMIT_EXCEEDED", status=503), B24TransportError("timeout"),
                     {"result": 5, "time": {}}])
    sleeps: list[float] = []
    assert make_client(auth, send, attempts=3, sleeps=sleeps).call("user.get") == 5
    assert len(sleeps) == 2 and all(0 < s <= 0.02 for s in sleeps)


def test_transient_errors_stop_after_the_configured_attempts(auth: PortalAuth, make_client: Any, fake_batch_portal: Any) -> None:
    calls: list[str] = []
    send = always_raising(ServerError("INTERNAL_SERVER_ERROR", status=500), calls)
    with pytest.raises(ServerError):
        make_client(auth, send, attempts=3).call("user.get")
    assert len(calls) == 3


def test_permanent_errors_are_raised_at_once(auth: PortalAuth, make_client: Any, fake_batch_portal: Any) -> None:
    calls: list[str] = []
    send = always_raising(AccessDenied("ACCESS_DENIED", status=403), calls)
    with pytest.raises(AccessDenied):
        make_client(auth, send, attempts=5).call("user.add")
    assert calls == ["user.add"]


def test_operation_time_limit_waits_until_reset_capped(auth: PortalAuth, make_client: Any, fake_batch_portal: Any) -> None:
    send = scripted([OperationTimeLimit("OPERATION_TIME_LIMIT", reset_at=1e12), {"result": 1, "time": {}}])
    sleeps: list[float] = []
    assert make_client(auth, send, sleeps=sleeps).call("tasks.task.list") == 1
    assert sleeps == [0.05]     # the cap, not the far-away reset


def test_webhook_auth_failure_flags_portal(auth: PortalAuth, session_factory: sessionmaker[Session], make_client: Any) -> None:
    from b24app.bitrix.errors import AuthFailed

    def send(base_url: str, method: str, body: Mapping[str, Any]) -> Any:
        raise AuthFailed("NO_AUTH_FOUND", "Wrong authorization data", 401)

    client = make_client(auth, send)
    with pytest.raises(PortalUnavailable):
        client.call("user.current")
    with session_factory() as session:
        portal = session.get(Portal, auth.portal_id)
        assert portal is not None and portal.status == "needs_admin"
        assert "NO_AUTH_FOUND" in portal.status_reason
    with pytest.raises(PortalUnavailable):        # no further HTTP for a flagged portal
        client.call("user.current")


def test_batch_keeps_successful_results_when_some_commands_fail(auth: PortalAuth, make_client: Any, fake_batch_portal: Any) -> None:
    portal = fake_batch_portal(failing={"c3", "c7"})
    results = make_client(auth, portal).batch([Command(f"c{i}", "user.get", {"ID": i}) for i in range(10)])
    assert len(portal.requests) == 1
    assert [k for k, r in results.items() if not r.ok] == ["c3", "c7"]
    assert results["c3"].error is not None and results["c3"].error.description == "c3 refused<br>"
    assert results["c9"].result["params"] == {"ID": "9"}


def test_batch_rejects_more_than_fifty_and_forward_refs(auth: PortalAuth, make_client: Any, fake_batch_portal: Any) -> None:
    client = make_client(auth, fake_batch_portal())
    with pytest.raises(ValueError):
        client.batch([Command(f"c{i}", "user.get") for i in range(51)])
    with pytest.raises(ValueError):
        client.batch([Command("a", "user.get", {"ID": Ref("b")}), Command("b", "user.get")])


def test_halted_batch_reports_unexecuted_commands(auth: PortalAuth, make_client: Any, fake_batch_portal: Any) -> None:
    def send(base_url: str, method: str, body: Mapping[str, Any]) -> Any:
        assert body["halt"] == 1
        return {"result": {"result": {"a": 1}, "result_error": {"b": {"error": "ERROR_CORE"}}}, "time": {}}

    results = make_client(auth, send).batch([Command("a", "x.y"), Command("b", "x.y"), Command("c", "x.y")],
                                            halt=True)
    assert results["a"].result == 1
    assert results["b"].error is not None and results["b"].error.code == "ERROR_CORE"
    assert results["c"].error is not None and results["c"].error.code == "NOT_EXECUTED"


def test_run_commands_fills_batches_and_resolves_refs_within_and_across_batches(auth: PortalAuth, make_client: Any, fake_batch_portal: Any) -> None:
    portal = fake_batch_portal(failing={"t60"})
    commands: list[Command] = []
    for i in range(0, 120, 2):
        commands.append(Command(f"t{i}", "tasks.task.add", {"fields": {"TITLE": f"T{i}"}}))
        commands.append(Command(f"t{i + 1}", "task.checklistitem.add", [Ref(f"t{i}", "id"), {"TITLE": "x"}]))
    commands.append(Command("late", "task.checklistitem.add", [Ref("t0", "id"), {"TITLE": "y"}]))
    results = make_client(auth, portal).run_commands(commands)

    assert [len(body["cmd"]) for _, _, body in portal.requests] == [50, 50, 21]
    first = portal.requests[0][2]["cmd"]
    assert first["t1"] == "task.checklistitem.add?0=$result[t0][id]&1[TITLE]=x"
    # t49 (the pair's parent) ran in batch 1; t50/t51 sit together in batch 2.
    last = portal.requests[2][2]["cmd"]
    assert last["late"] == "task.checklistitem.add?0=id-t0&1[TITLE]=y"
    # t61 shared t60's batch, so it was sent with $result[t60][id]: the portal decides.
    assert "t61" in portal.requests[1][2]["cmd"]
    assert results["t60"].error is not None and results["t59"].ok
    assert len(results) == len(commands)


def test_run_commands_skips_dependents_of_failed_earlier_batch_commands(auth: PortalAuth, make_client: Any, fake_batch_portal: Any) -> None:
    portal = fake_batch_portal(failing={"c0"})
    commands = [Command(f"c{i}", "user.get", {"ID": i}) for i in range(50)]
    commands.append(Command("child", "user.get", {"ID": Ref("c0", "id")}))
    commands.append(Command("grandchild", "user.get", {"ID": Ref("child", "id")}))
    commands.append(Command("other", "user.get", {"ID": Ref("c1", "id")}))
    results = make_client(auth, portal).run_commands(commands)
    assert len(portal.requests) == 2
    assert list(portal.requests[1][2]["cmd"]) == ["other"]
    assert portal.requests[1][2]["cmd"]["other"] == "user.get?ID=id-c1"
    for key in ("child", "grandchild"):
        error = results[key].error
        assert isinstance(error, B24ApiError) and error.code == "DEPENDENCY_FAILED"
