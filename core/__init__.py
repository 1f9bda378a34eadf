"""thidua: the intranet of a province's emulation blocs (khối thi đua).

``create_app`` is the Flask application factory (the Flask tutorial's pattern).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context, request, session
from werkzeug.routing import IntegerConverter

from core.config import PROJECT_ROOT, from_environment, secret_key_path
from core.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate

INT_MAX = 2**31 - 1


def select_locale() -> str:
    """The user's chosen language (session), else Vietnamese (also outside a request: CLI)."""
    if not has_request_context():
        return "vi"
    lang = session.get("lang")
    return lang if lang in ("vi", "en") else "vi"


def _add_plugin_templates(app: Flask) -> None:
    """A plugin's own templates (``<plugin>/templates/<plugin>/…``) are found after the core's,
    so a plugin can add documents or override them by name (thidua_document_templates)."""
    from jinja2 import ChoiceLoader, FileSystemLoader

    folders = []
    for record in app.extensions["thidua"].records.values():
        origin = getattr(record.module, "__file__", None)
        if origin and (Path(origin).parent / "templates").is_dir():
            folders.append(FileSystemLoader(str(Path(origin).parent / "templates")))
    if folders:
        app.jinja_loader = ChoiceLoader([app.jinja_loader, *folders])


class BoundedInt(IntegerConverter):
    """``<int:…>`` limited to 0 … 2³¹−1 unless a route says otherwise."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = INT_MAX, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class MissingSecretKey(RuntimeError):
    """No secret key is configured: refuse to start rather than sign sessions with a known key."""


def _require_secret_key(app: Flask) -> None:
    """A configured key (``THIDUA_SECRET_KEY``, the instance key file or the caller's config);
    when testing or debugging without one, a random key for this process only."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("TESTING") or app.debug:
        import secrets

        app.config["SECRET_KEY"] = secrets.token_hex(32)
        return
    raise MissingSecretKey(
        "No secret key configured: set THIDUA_SECRET_KEY (e.g. THIDUA_SECRET_KEY=$(python3 -c "
        "'import secrets; print(secrets.token_hex(32))')) or write one into "
        f"{secret_key_path(app.instance_path)} (`make run` does this once).")


def csp_nonce() -> str:
    """A random token per response, kept only so a template that still writes
    ``nonce="{{ csp_nonce() }}"`` renders: the policy names no nonce, so it allows nothing."""
    # Kept on the request, not on ``g``: an app context may outlive one request (tests).
    nonce = getattr(request, "_thidua_csp_nonce", None)
    if nonce is None:
        import secrets

        nonce = request._thidua_csp_nonce = secrets.token_urlsafe(18)
    return nonce


# Strict: no inline script and no inline style at all. The pages' scripts are files under
# static/js (server data in data-* attributes or <script type="application/json"> blocks,
# which are not executed), their styles are classes in static/css; a width that is data is
# set from a script through the CSSOM (element.style), which style-src does not govern.
# ``data:`` images are Bootstrap's icons.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'"
)


def _security_headers(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _add_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        return response


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config (defaults < environment < ``config``), extensions, plugins,
    blueprints, CLI commands."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(from_environment(app.instance_path))
    if config:
        app.config.update(config)
    _require_secret_key(app)
    proxies = int(app.config.get("THIDUA_TRUSTED_PROXIES") or 0)
    if proxies > 0:
        # Behind a reverse proxy: the client's address (sign-in throttling counts per address)
        # is the one the trusted proxies forwarded, not the proxy's own.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    # Every ``<int:…>`` in a URL (years, ids) fits a PostgreSQL integer: a larger number is
    # a 404 from the router, never an overflow in the database (500).
    app.url_map.converters["int"] = BoundedInt

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"),
                     render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    limiter.init_app(app)

    from core import models  # noqa: F401  (register the models with the metadata)
    from core.plugins import build_plugin_host

    app.extensions["thidua"] = build_plugin_host(app.config)
    _add_plugin_templates(app)

    from core import cli, unit_of_work, web
    from core.api import api_bp

    web.init_app(app)
    app.register_blueprint(api_bp)
    cli.init_app(app)
    unit_of_work.init_app(app)  # one transaction per request, committed before the response

    _security_headers(app)

    @app.before_request
    def _remember_language() -> None:
        lang = request.args.get("lang")
        if lang in ("vi", "en"):
            session["lang"] = lang
        g.lang = select_locale()

    return app
