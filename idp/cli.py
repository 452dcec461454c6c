"""The ``idp`` command: thin wrappers over service functions. Errors are one line, exit 2."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import sys
from urllib.parse import urlencode

import click
from flask import current_app
from flask.cli import FlaskGroup
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from idp.config import SettingsError
from idp.config import describe_settings
from idp.errors import IdpError
from idp.extensions import db

DEMO_EMAIL = "demo@example.com"
DEMO_PHONE = "+967771234567"
DEMO_REDIRECT_URI = "http://127.0.0.1:8000/callback"


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def service_command(func):
    """Run ``func`` in one transaction: commit on success, one line and exit 2 on IdpError."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            result = func(*args, **kwargs)
        except IdpError as exc:
            db.session.rollback()
            _fail(str(exc.description))  # in English: i18n.select_locale outside a request
        db.session.commit()
        return result

    return with_appcontext(wrapper)


def _create_app():
    from idp.app import create_app

    try:
        return create_app()
    except SettingsError as exc:
        _fail(str(exc))


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def cli():
    """The identity provider's administration command."""


def register_commands(app) -> None:
    """Commands also reachable as ``flask --app wsgi …`` (Flask-Migrate adds ``db``)."""
    for command in (init, users, clients, keys, demo, run, config, *_package_commands()):
        app.cli.add_command(command)


@click.command()
@with_appcontext
def init():
    """Apply migrations and make sure a signing key exists."""
    from flask_migrate import upgrade

    from idp.oidc.keys import ensure_key

    upgrade(directory=current_app.extensions["migrate"].directory)
    key = ensure_key()
    db.session.commit()
    click.echo(f"database ready: {db.engine.url.render_as_string(hide_password=True)}")
    click.echo(f"signing key created: {key.kid}" if key else "signing key: present")


@click.group()
def users():
    """Create and list accounts."""


@users.command("create")
@click.option("--email")
@click.option("--phone")
@click.option("--password", required=True)
@click.option("--name", default="")
@click.option("--role", "roles", multiple=True, help="Role name; repeatable.")
@click.option("--verified", is_flag=True, help="Mark email and phone verified: active now.")
@service_command
def users_create(email, phone, password, name, roles, verified):
    from idp.accounts.services import create_user
    from idp.rbac.services import assign_role

    user = create_user(email=email, phone=phone, password=password, name=name,
                       verified=verified)
    for role in roles:
        assign_role(user, role)
    click.echo(json.dumps({"id": user.id, "email": user.email, "status": user.status,
                           "roles": sorted(roles)}))


@users.command("list")
@service_command
def users_list():
    from idp.accounts.services import list_users
    from idp.rbac.services import role_names

    for user in list_users():
        click.echo(f"{user.id}  {user.email or '-'}  {user.status}  "
                   f"{','.join(role_names(user.id)) or '-'}")


@click.group()
def clients():
    """Register and list OAuth clients."""


@clients.command("create")
@click.option("--name", required=True)
@click.option("--redirect-uri", "redirect_uris", multiple=True, help="Repeatable.")
@click.option("--public", is_flag=True, help="No secret: a mobile or browser app using PKCE.")
@click.option("--first-party", is_flag=True, help="Ours: skips the consent page.")
@click.option("--grant-type", "grant_types", multiple=True,
              type=click.Choice(["authorization_code", "refresh_token", "client_credentials"]),
              help="Repeatable; default authorization_code and refresh_token.")
@click.option("--scope", default=None, help="Space-separated scopes the client may ask for.")
@click.option("--json", "as_json", is_flag=True, help="Print only the credentials as JSON.")
@click.option("--post-logout-redirect-uri", "post_logout_redirect_uris", multiple=True,
              help="Where RP-initiated logout may return; repeatable.")
@click.option("--backchannel-logout-uri", default=None,
              help="Receives a signed logout token when a session ends.")
@click.option("--frontchannel-logout-uri", default=None,
              help="Loaded in an iframe on the signed-out page.")
@click.option("--permission", "permissions", multiple=True,
              help="A permission its tokens may carry (resource:action, resource:* or *); "
                   "repeatable. Without it, tokens carry none.")
@service_command
def clients_create(name, redirect_uris, public, first_party, grant_types, scope, as_json,
                   post_logout_redirect_uris, backchannel_logout_uri, frontchannel_logout_uri,
                   permissions):
    from idp.oauth.clients import DEFAULT_SCOPE
    from idp.oauth.clients import ClientMetadata
    from idp.oauth.clients import create_client

    grant_types = grant_types or ("authorization_code", "refresh_token")
    if scope is None:
        scope = DEFAULT_SCOPE if "authorization_code" in grant_types else ""
    client, secret = create_client(ClientMetadata(
        name=name, redirect_uris=tuple(redirect_uris), grant_types=tuple(grant_types),
        scope=scope, public=public, first_party=first_party,
        post_logout_redirect_uris=tuple(post_logout_redirect_uris),
        backchannel_logout_uri=backchannel_logout_uri,
        frontchannel_logout_uri=frontchannel_logout_uri,
        permissions=tuple(permissions) or None,
    ))
    credentials = {"client_id": client.id}
    if secret:
        credentials["client_secret"] = secret
    if as_json:
        click.echo(json.dumps(credentials))
        return
    click.echo(f"client_id:     {client.id}")
    if secret:
        click.echo(f"client_secret: {secret}   (shown once; only a digest is stored)")
    click.echo(f"grant types:   {' '.join(client.grant_types)}")
    click.echo(f"scope:         {client.scope}")
    click.echo(f"permissions:   {' '.join(client.permissions or []) or '(none)'}")


@clients.command("list")
@service_command
def clients_list():
    from idp.oauth.clients import list_clients

    for client in list_clients():
        kind = "public" if client.public else "confidential"
        click.echo(f"{client.id}  {client.name}  {kind}  {' '.join(client.grant_types)}  "
                   f"{' '.join(client.redirect_uris)}")


@click.group()
def keys():
    """Signing keys."""


@keys.command("rotate")
@service_command
def keys_rotate():
    from idp.oidc.keys import rotate_keys

    key = rotate_keys()
    click.echo(f"new key {key.kid} published now, signing from {key.activates_at.isoformat()}")


@keys.command("rotate-data-key")
@service_command
def keys_rotate_data_key():
    """Re-encrypt the data at rest under the newest key of IDP_DATA_KEYS (NFR-UI-002-02)."""
    from idp.security.crypto import DataKeyError
    from idp.security.data_keys import rotate_data_key

    try:
        counts = rotate_data_key()
    except DataKeyError as exc:
        _fail(str(exc))
    for column, count in counts.items():
        click.echo(f"{column}: {count} re-encrypted")


@keys.command("list")
@service_command
def keys_list():
    from idp.oidc.keys import list_keys

    for key in list_keys():
        state = "retired " + key.retired_at.isoformat() if key.retired_at else "current"
        click.echo(f"{key.kid}  {key.alg}  created {key.created_at.isoformat()}  "
                   f"signs from {key.activates_at.isoformat()}  {state}")


@click.command()
@service_command
def demo():
    """Create (or refresh) a demo user and client and print how to try them."""
    from idp.accounts.services import create_user
    from idp.accounts.services import find_user
    from idp.accounts.signup import DEFAULT_ROLE
    from idp.oauth.clients import ClientMetadata
    from idp.oauth.clients import create_client
    from idp.oauth.clients import list_clients
    from idp.rbac.services import assign_role
    from idp.security.passwords import hash_password

    password = "Demo-" + secrets.token_urlsafe(9)
    user = find_user(DEMO_EMAIL)
    if user is None:
        user = create_user(email=DEMO_EMAIL, phone=DEMO_PHONE, password=password,
                           name="Demo Customer", verified=True)
        assign_role(user, DEFAULT_ROLE)  # as a customer who signed up holds it
    else:
        user.password_hash = hash_password(password)
    for old in list_clients():
        if old.name == "Demo app":
            db.session.delete(old)
    client, secret = create_client(ClientMetadata(name="Demo app",
                                                  redirect_uris=(DEMO_REDIRECT_URI,),
                                                  permissions=("*",)))
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    issuer = current_app.config["IDP_ISSUER"]
    query = urlencode({
        "response_type": "code", "client_id": client.id, "redirect_uri": DEMO_REDIRECT_URI,
        "scope": "openid profile email phone roles offline_access",
        "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge, "code_challenge_method": "S256",
    })
    click.echo("demo user:     " + f"{DEMO_EMAIL} / {DEMO_PHONE}  password: {password}")
    click.echo(f"demo client:   client_id={client.id}  client_secret={secret}")
    click.echo(f"redirect URI:  {DEMO_REDIRECT_URI}")
    click.echo(f"PKCE verifier: {verifier}")
    click.echo(f"authorize:     {issuer}/authorize?{query}")
    click.echo(f"discovery:     {issuer}/.well-known/openid-configuration")


@click.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int, envvar="PORT")
@with_appcontext
def run(host, port):
    """Serve with the development server (use `make serve` for gunicorn)."""
    # Not app.run(): under a FlaskGroup command it returns at once without serving.
    run_simple(host, port, current_app._get_current_object(), threaded=True,
               use_reloader=False, use_debugger=False)


@click.command()
@click.option("--doc", is_flag=True, help="Print every setting with its default and meaning.")
def config(doc):
    """Show the settings reference."""
    click.echo(describe_settings())


def main() -> None:
    cli(prog_name="idp")


def _package_commands():
    import idp.accounts.cli  # noqa: F401  (adds `idp users recover`)
    from idp.admin.cli import admin
    from idp.audit.cli import audit
    from idp.notify.cli import notify
    from idp.offices.cli import offices
    from idp.sessions.cli import sessions

    return (notify, offices, sessions, admin, audit)


for _command in (init, users, clients, keys, demo, run, config, *_package_commands()):
    cli.add_command(_command)
