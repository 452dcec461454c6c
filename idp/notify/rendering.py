"""Turning a template name, a context and a language into the text of a message.

Templates live in ``templates/notify/``: ``<name>.email.txt`` defines the blocks ``subject``
and ``body``; ``<name>.sms.txt`` is the whole text. Every sentence goes through ``_()`` so
that it reads in Arabic and English; ``.txt`` templates are not HTML-escaped.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale

from idp.notify.models import Channel


@dataclass(frozen=True)
class Rendered:
    subject: str | None
    body: str


def template_path(template: str, channel: str) -> str:
    return f"notify/{template}.{'email' if channel == Channel.EMAIL else 'sms'}.txt"


def supported_locale(locale: str | None) -> str:
    """``locale`` if the hosted pages are offered in it, else IDP_DEFAULT_LOCALE."""
    language = (locale or "").replace("_", "-").split("-")[0].lower()
    if language in current_app.config["IDP_LOCALES"]:
        return language
    return current_app.config["IDP_DEFAULT_LOCALE"]


def render(template: str, channel: str, context: dict, locale: str) -> Rendered:
    """Render in ``locale``; raises jinja2.TemplateNotFound for an unknown template."""
    source = current_app.jinja_env.get_template(template_path(template, channel))
    with force_locale(locale):
        if channel == Channel.SMS:
            return Rendered(subject=None, body=source.render(context).strip())
        blocks = {}
        for block in ("subject", "body"):
            if block not in source.blocks:
                raise LookupError(f"{source.name} has no {{% block {block} %}}")
            blocks[block] = "".join(source.blocks[block](source.new_context(context)))
    # A subject is one line (a newline would end the header).
    return Rendered(subject=" ".join(blocks["subject"].split()), body=blocks["body"].strip())
