"""Page authentication for every embedded page: the ``@page(roles=...)`` decorator.

A page is first opened by a Bitrix24 placement POST (AUTH_ID, member_id, APPLICATION_TOKEN):
the decorator verifies it, asks the portal who the user is, and answers 303 to the same URL
with a signed page token ``t`` (plus the placement's scalar options, e.g. ``taskId``). Every
later request carries ``t`` in its links and forms, because cookies may be blocked inside the
iframe. Non-GET requests must also carry ``csrf`` (derived from ``t``) and, when the browser
sends an Origin, come from our own origin or the portal's.

Views read ``g.caller`` (b24app.roles.Caller). Templates build links with
``page_url('blueprint.view', ...)`` and put ``{{ auth_fields() }}`` inside every form.
"""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable, Iterable, TypeVar, cast
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup, escape

from b24app.bindings import APP_PLACEMENTS
from b24app.bitrix.events import parse_placement_payload
from b24app.bitrix.user_auth import whoami
from b24app.models import Portal
from b24app.page_auth import CSRF_FIELD, PAGE_TOKEN_FIELD, PageTokens, is_placement_post, open_page_session
from b24app.roles import caller_for

from .context import current_services

bp = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., ResponseReturnValue])
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def page_tokens() -> PageTokens:
    """Return the page-token signer built from the app's settings and clock."""
    services = current_services()
    return PageTokens(services.settings.secret_key, services.settings.page_token_ttl_seconds,
                      services.clock)


def page(roles: Iterable[str] | None = None) -> Callable[[View], View]:
    """Guard a view: open it from a placement POST, or resolve ``t``; enforce ``roles``.

    ``roles``: the caller needs at least one of them (None: any user of the portal).
    """
    required = frozenset(roles or ())

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> ResponseReturnValue:
            if request.method == "POST" and is_placement_post(request.form):
                return _open_from_placement()
            _resolve_caller()
            if request.method not in _SAFE_METHODS:
                _refuse_cross_site_post()
            if required and not g.caller.has_role(*required):
                abort(403)
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorate


def _open_from_placement() -> ResponseReturnValue:
    services = current_services()
    payload = parse_placement_payload(request.form, request.args)
    session = open_page_session(services, payload, services.clock.now(), whoami)
    query: dict[str, str] = {PAGE_TOKEN_FIELD: page_tokens().issue(session)}
    # The placement's context (TASK_VIEW_TAB sends {"taskId": "31"}) becomes query arguments.
    query.update({str(k): str(v) for k, v in payload.placement_options.items()
                  if isinstance(v, (str, int)) and k != "URI" and k != PAGE_TOKEN_FIELD})
    return redirect(f"{request.path}?{urlencode(query)}", code=303)


def _resolve_caller() -> None:
    token = request.values.get(PAGE_TOKEN_FIELD, "")
    page_session = page_tokens().read(token)      # PageTokenInvalid/Expired → 401 page
    services = current_services()
    with services.session_factory.begin() as session:
        portal = session.get(Portal, page_session.portal_id)
        if portal is None or portal.status == "uninstalled":
            abort(401)
        g.portal_origins = _portal_origins(portal)
        g.caller = caller_for(session, page_session)
    g.page_token = token


def _refuse_cross_site_post() -> None:
    given = request.form.get(CSRF_FIELD) or request.headers.get("X-CSRF-Token", "")
    if not page_tokens().csrf_valid(g.page_token, given):
        abort(403)
    origin = request.headers.get("Origin")
    if origin is not None and origin not in {_own_origin(), *g.portal_origins}:
        abort(403)


def _own_origin() -> str:
    parts = urlsplit(request.host_url)
    return f"{parts.scheme}://{parts.netloc}"


def _portal_origins(portal: Portal) -> list[str]:
    origins = [f"https://{portal.domain}"] if portal.domain else []
    endpoint = urlsplit(portal.client_endpoint)
    if endpoint.scheme and endpoint.netloc:
        origins.append(f"{endpoint.scheme}://{endpoint.netloc}")
    return list(dict.fromkeys(origins))


def frame_headers(response: Response) -> Response:
    """Let the portal (and only it, when known) frame our pages."""
    response.headers.pop("X-Frame-Options", None)
    origins = getattr(g, "portal_origins", None)
    if origins:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'self' " + " ".join(origins)
    return response


def page_url(endpoint: str, **values: Any) -> str:
    """Return a URL for ``endpoint`` that carries the current page token."""
    return url_for(endpoint, **{PAGE_TOKEN_FIELD: getattr(g, "page_token", ""), **values})


def auth_fields() -> Markup:
    """Return the hidden inputs every form of a page must carry (page token and CSRF token)."""
    token = getattr(g, "page_token", "")
    csrf = page_tokens().csrf_token(token) if token else ""
    return Markup(f'<input type="hidden" name="{PAGE_TOKEN_FIELD}" value="{escape(token)}">'
                  f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf)}">')


@bp.app_context_processor
def _page_helpers() -> dict[str, Any]:
    return {"page_url": page_url, "auth_fields": auth_fields}


@bp.after_app_request
def _frame(response: Response) -> Response:
    return frame_headers(response)


@bp.route("/app/", methods=["GET", "POST"])
@page()
def home() -> ResponseReturnValue:
    """The app's main page (DEFAULT placement): links to its sections."""
    token = urlencode({PAGE_TOKEN_FIELD: g.page_token})
    links = [(title, f"{path}?{token}") for placement, path, title in APP_PLACEMENTS
             if placement == "LEFT_MENU"]
    return render_template("auth/home.html", links=links)
