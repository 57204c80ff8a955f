"""Signing officers in and out of the pages, and the language switch."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from api.auth import check_csrf, end_session, sign_in, start_session
from api.pages.i18n import LANGUAGES
from api.pages.web import safe_next
from engine.domain.actor import Actor, Role
from engine.domain.errors import AuthenticationError, ForbiddenError
from engine.services.accounts import TokenKind

bp = Blueprint("session_pages", __name__)


def home_of(actor: Actor) -> str:
    """Where an officer starts the day: the counter, the procedures, the province's dossiers and figures (a
    supervisor has no steps of their own: an inbox would always be empty), or the inbox."""
    if Role.RECEPTION.value in actor.roles:
        return url_for("counter_pages.choose")
    if Role.ADMIN.value in actor.roles:
        return url_for("admin_pages.procedures")
    if Role.SUPERVISOR.value in actor.roles:
        return url_for("inbox_pages.dossiers")
    return url_for("inbox_pages.inbox")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("pages/login.html", next=request.args.get("next", ""))
    try:
        check_csrf()
        officer, token = sign_in(request.form.get("username", ""), request.form.get("password", ""),
                                 TokenKind.SESSION)
    except (AuthenticationError, ForbiddenError) as error:
        flash(_("Wrong username or password.") if isinstance(error, AuthenticationError)
              else _("The session expired; please try again."), "error")
        return render_template("pages/login.html", next=request.form.get("next", ""),
                      username=request.form.get("username", "")), 401
    start_session(token)
    return redirect(safe_next(request.form.get("next"), home_of(officer)))


@bp.post("/logout")
def logout() -> Any:
    end_session()  # no CSRF check: signing out is harmless, and a stale form must not keep anyone signed in
    return redirect(url_for("session_pages.login"))


@bp.get("/lang/<code>")
def switch_language(code: str) -> Any:
    response = redirect(safe_next(request.args.get("next"), "/"))
    if code in LANGUAGES:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax")
    return response
