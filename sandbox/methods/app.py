"""app.info, app.option.set/get (api-reference/common/system, common/settings)."""
from __future__ import annotations

from typing import Any

from ..errors import RestError
from ..registry import Call, rest_method
from ..state import App

LICENSE = {"LICENSE": "ru_ent250", "LICENSE_TYPE": "ent250", "LICENSE_FAMILY": "ent"}


def _app_context(call: Call) -> App:
    # app.option.* answer ACCESS_DENIED (not WRONG_AUTH_TYPE) outside an app (app-option-set.md).
    app = call.portal.apps.get(call.auth.client_id) if call.auth.kind == "oauth" else None
    if app is None:
        raise RestError("ACCESS_DENIED", "Access denied! Application context required", 403)
    return app


def app_number(call: Call, client_id: str) -> int:
    """A stable numeric ID for the app: its position in registration order."""
    return list(call.portal.apps).index(client_id) + 1


@rest_method("app.info", scope="basic")
def app_info(call: Call) -> dict[str, Any]:
    """The calling application's status; for a webhook only its scopes and license."""
    if call.auth.kind != "oauth" or call.auth.client_id not in call.portal.apps:
        # Assumption: a webhook has no application, so app.info describes the webhook.
        scopes = list(call.auth.scopes) or ["all"]
        return {"SCOPE": ",".join(scopes), **LICENSE}
    app = call.portal.apps[call.auth.client_id]
    return {"ID": app_number(call, app.client_id), "CODE": app.code or app.client_id,
            "VERSION": app.version, "STATUS": "L", "INSTALLED": app.installed,
            "PAYMENT_EXPIRED": "N", "DAYS": None, "LANGUAGE_ID": "ru", **LICENSE}


@rest_method("app.option.set", scope="basic")
def option_set(call: Call) -> bool:
    """Store key/value settings of the app (admin only)."""
    app = _app_context(call)
    if not call.is_admin:
        raise RestError("ACCESS_DENIED", "Access denied! Administrator authorization required", 403)
    options = call.get("options")
    if options is None:
        options = {k: v for k, v in call.params.items() if k not in ("auth", "__order")}
    if not isinstance(options, dict) or not options:
        raise RestError("ERROR_ARGUMENT", "Argument 'options' is null or empty", 400,
                        {"argument": "options"})
    app.options.update({str(k): v for k, v in options.items()})
    return True


@rest_method("app.option.get", scope="basic")
def option_get(call: Call) -> Any:
    """All settings, or one value with ``option`` (null when unset)."""
    app = _app_context(call)
    name = call.get("option")
    if name not in (None, ""):
        return app.options.get(str(name))
    return dict(app.options) if app.options else []
