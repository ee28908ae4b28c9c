"""In-process helpers for S3's tests: a small seeded sandbox and calls as webhook or app."""
from __future__ import annotations

from typing import Any

import pytest

from sandbox.errors import RestError
from sandbox.methods import load_all
from sandbox.registry import Auth, Page
from sandbox.runtime import Sandbox
from sandbox.seed import build_portal
from sandbox.state import App

load_all()


def make_sandbox(stores: int = 3, seed: int = 7) -> Sandbox:
    return Sandbox(build_portal(stores=stores, seed=seed))


def add_app(sandbox: Sandbox, scopes: list[str], base: str = "http://127.0.0.1:9",
            client_id: str = "local.s3test0001.00000001") -> App:
    app = App(client_id=client_id, client_secret="secret", code=client_id,
              install_url=f"{base}/install", handler_base=f"{base}/", scopes=scopes,
              application_token="apptoken-" + client_id, installed=True)
    sandbox.portal.apps[client_id] = app
    return app


def call(sandbox: Sandbox, method: str, params: dict[str, Any] | None = None, *,
         user_id: int = 1, client_id: str = "") -> Any:
    """Invoke as a webhook of ``user_id``, or in app ``client_id`` (OAuth) when given."""
    auth = (Auth(kind="oauth", user_id=user_id, client_id=client_id) if client_id
            else Auth(kind="webhook", user_id=user_id, webhook_code="test"))
    return sandbox.invoke(method, dict(params or {}), auth)


def items(result: Any) -> Any:
    return result.items if isinstance(result, Page) else result


def error_of(sandbox: Sandbox, method: str, params: dict[str, Any] | None = None,
             **kwargs: Any) -> RestError:
    with pytest.raises(RestError) as caught:
        call(sandbox, method, params, **kwargs)
    return caught.value


def store_staff(sandbox: Sandbox) -> tuple[int, int, int]:
    """(store department ID, its manager ID, one sales person ID) of the first store."""
    portal = sandbox.portal
    store = next(d for d in portal.departments.values() if d.name.startswith("Магазин "))
    seller = next(u.id for u in portal.users.values()
                  if store.id in u.departments and u.id != store.head and u.active)
    assert store.head is not None
    return store.id, store.head, seller
