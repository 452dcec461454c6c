"""The security pages: the locked page and its unlock link (EC-UI-004), "this wasn't me"
(BR-UI-007), and the one place where lockout and rate-limit refusals become responses."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_locale
from flask_limiter.errors import RateLimitExceeded

from idp import audit
from idp.audit import AuditEvent
from idp.error_handlers import _wants_json
from idp.error_handlers import handle_http_error
from idp.extensions import db
from idp.extensions import limiter
from idp.security.errors import SecurityLinkInvalid
from idp.security.errors import TooManyAttempts
from idp.security.forms import LinkConfirmForm
from idp.security.forms import UnlockRequestForm
from idp.security.lockout import AccountLocked
from idp.security.rate_limits import identifier_key
from idp.security.rate_limits import setting
from idp.security.suspicious import not_me_link_is_live
from idp.security.suspicious import report_not_me
from idp.security.unlock import request_unlock
from idp.security.unlock import unlock_with_link

bp = Blueprint("security", __name__)


# --- refusals ---------------------------------------------------------------------------------


def _json_refusal(status: int, code: str, message, retry_after: int | None):
    response = jsonify(error=code, error_description=str(message))
    response.status_code = status
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.app_errorhandler(AccountLocked)
def account_locked(error: AccountLocked):
    db.session.commit()  # the refused attempt and its audit record stay
    if _wants_json():
        return _json_refusal(423, error.code, error.description, error.retry_after)
    form = UnlockRequestForm(formdata=None, identifier=request.form.get("identifier", ""))
    minutes = -(-error.retry_after // 60) if error.retry_after else None
    response = current_app.make_response(
        (render_template("security/locked.html", form=form, minutes=minutes), 423))
    if error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _audit_rate_limited(kind: str) -> None:
    # Buffered (durable=False): a flood of refusals must not become a flood of transactions.
    audit.record(AuditEvent.Security.RateLimited, result="failure", durable=False,
                 endpoint=request.endpoint, limit=kind)
    db.session.commit()


@bp.app_errorhandler(TooManyAttempts)
def too_many_attempts(error: TooManyAttempts):
    _audit_rate_limited(error.limit)
    if _wants_json():
        return _json_refusal(429, error.code, error.description, error.retry_after)
    response = current_app.make_response(
        (render_template("errors/page.html", message=error.description, code=error.code), 429))
    response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.app_errorhandler(RateLimitExceeded)
def rate_limit_exceeded(error: RateLimitExceeded):
    _audit_rate_limited(str(error.limit.limit) if getattr(error, "limit", None) else "")
    return handle_http_error(error)


# --- the unlock link (EC-UI-004) --------------------------------------------------------------


@bp.route("/login/unlock", methods=["GET", "POST"])
@limiter.limit(setting("IDP_LOGIN_RATE_LIMIT"), methods=["POST"])
@limiter.limit(setting("IDP_UNLOCK_REQUEST_RATE_LIMIT"), methods=["POST"],
               key_func=identifier_key("identifier", "unlock"))
def unlock_request():
    form = UnlockRequestForm()
    if request.method == "GET":
        form.identifier.data = request.args.get("identifier", "")
    if form.validate_on_submit():
        request_unlock(form.identifier.data)
        db.session.commit()
        return redirect(url_for("security.unlock_sent"))
    return render_template("security/unlock_request.html", form=form)


@bp.route("/login/unlock/sent")
def unlock_sent():
    return render_template("security/unlock_sent.html",
                           minutes=current_app.config["IDP_UNLOCK_LINK_SECONDS"] // 60)


def _link_page(live):
    """The confirmation form of a link, or the invalid-link page when a GET opens a dead one."""
    form = LinkConfirmForm()
    if request.method == "GET":
        form.token.data = request.args.get("token", "")
        if not live(form.token.data):
            return render_template("security/link_invalid.html"), 400
    return form


@bp.route("/login/unlock/confirm", methods=["GET", "POST"])
def unlock_confirm():
    from idp.security.links import live_link
    from idp.security.models import LinkPurpose

    form = _link_page(lambda token: live_link(token, LinkPurpose.UNLOCK) is not None)
    if not isinstance(form, LinkConfirmForm):
        return form
    if form.validate_on_submit():
        try:
            unlock_with_link(form.token.data)
        except SecurityLinkInvalid:
            db.session.commit()  # the audit record of the refusal
            return render_template("security/link_invalid.html"), 400
        db.session.commit()
        return render_template("security/unlocked.html")
    return render_template("security/unlock_confirm.html", form=form)


# --- "this wasn't me" (BR-UI-007) -------------------------------------------------------------


@bp.route("/login/not-me", methods=["GET", "POST"])
def not_me():
    form = _link_page(not_me_link_is_live)
    if not isinstance(form, LinkConfirmForm):
        return form
    if form.validate_on_submit():
        try:
            report_not_me(form.token.data, locale=str(get_locale()))
        except SecurityLinkInvalid:
            db.session.commit()
            return render_template("security/link_invalid.html"), 400
        db.session.commit()
        from idp.sessions.services import clear_cookie

        response = current_app.make_response(render_template("security/not_me_done.html"))
        clear_cookie(response)  # this browser's session ended with the others
        return response
    return render_template("security/not_me_confirm.html", form=form)
