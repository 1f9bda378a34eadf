"""thidua: the intranet of a province's emulation blocs (khối thi đua).

``create_app`` is the Flask application factory (the Flask tutorial's pattern).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, g, has_request_context, request, session

from core.config import PROJECT_ROOT, from_environment
from core.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate


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

    @app.before_request
    def _remember_language() -> None:
        lang = request.args.get("lang")
        if lang in ("vi", "en"):
            session["lang"] = lang
        g.lang = select_locale()

    return app
