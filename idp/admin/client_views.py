"""Registered clients: list, register, update, rotate the secret, disable and enable."""

from __future__ import annotations

from idp.admin.errors import InvalidBody
from idp.admin.payloads import bool_field
from idp.admin.payloads import json_body
from idp.admin.payloads import only_fields
from idp.admin.payloads import string_field
from idp.admin.payloads import string_list
from idp.admin.serializers import client_json
from idp.admin.views import actor_id
from idp.admin.views import bp
from idp.admin.views import done
from idp.oauth import client_admin
from idp.oauth.clients import DEFAULT_SCOPE
from idp.oauth.clients import ClientMetadata
from idp.rbac import require


def _metadata(body: dict) -> dict:
    """The ``ClientMetadata`` fields in ``body``, each checked for its JSON kind."""
    values = {}
    for name in client_admin.metadata_fields():
        if name not in body:
            continue
        kind, nullable = client_admin.field_kind(name)
        if body[name] is None and nullable:
            values[name] = None
        elif kind == "list":
            values[name] = tuple(string_list(body, name, required=True))
        elif kind == "boolean":
            values[name] = bool_field(body, name)
            if values[name] is None:
                raise InvalidBody(f"{name} must be true or false.")
        elif name == "name":
            values[name] = string_field(body, name, required=True, max_length=200)
        else:
            values[name] = string_field(body, name, required=True, max_length=4000)
    return values


def _client_body(*, registering: bool) -> dict:
    body = json_body()
    only_fields(body, client_admin.metadata_fields())
    values = _metadata(body)
    if registering and "name" not in values:
        raise InvalidBody("name is required.")
    if not registering and not values:
        raise InvalidBody("Send at least one field to change.")
    return values


@bp.get("/clients")
@require("clients:read")
def list_clients():
    return done({"clients": [client_json(c) for c in client_admin.list_all_clients()]})


@bp.post("/clients")
@require("clients:update")
def register_client():
    values = _client_body(registering=True)
    values.setdefault("scope", DEFAULT_SCOPE)
    client, secret = client_admin.register_client(ClientMetadata(**values), actor_id=actor_id())
    data = client_json(client)
    if secret:
        data["client_secret"] = secret  # shown once: only its digest is stored
    return done(data, 201)


@bp.get("/clients/<client_id>")
@require("clients:read")
def show_client(client_id):
    client = client_admin.find_client(client_id)
    if client is None:
        raise client_admin.ClientNotFound()
    return done(client_json(client))


@bp.patch("/clients/<client_id>")
@require("clients:update")
def update_client(client_id):
    if client_admin.find_client(client_id) is None:
        raise client_admin.ClientNotFound()
    values = _client_body(registering=False)
    client = client_admin.update_client(client_id, values, actor_id=actor_id())
    return done(client_json(client))


@bp.post("/clients/<client_id>/secret")
@require("clients:update")
def rotate_secret(client_id):
    json_body(required=False)
    secret = client_admin.rotate_client_secret(client_id, actor_id=actor_id())
    return done({"client_id": client_id, "client_secret": secret})


@bp.post("/clients/<client_id>/disable")
@require("clients:update")
def disable_client(client_id):
    json_body(required=False)
    return done(client_json(client_admin.disable_client(client_id, actor_id=actor_id())))


@bp.post("/clients/<client_id>/enable")
@require("clients:update")
def enable_client(client_id):
    json_body(required=False)
    return done(client_json(client_admin.enable_client(client_id, actor_id=actor_id())))
