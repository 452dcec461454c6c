"""The OpenAPI 3.1 description of the admin API, served at /api/admin/openapi.json.

Kept by hand beside the routes; ``tests/integration/test_admin_api_openapi.py`` checks that
every registered route and method is described here and nothing else, and that the document
is valid OpenAPI 3.1. ``x-permission`` names the permission each operation requires.
"""

from __future__ import annotations

from flask import current_app

_REF = "#/components/schemas/"
_ERRORS = {
    "400": "The request is not valid (a field, the JSON body or a query parameter).",
    "401": "No access token, or one that is not valid, has expired or was revoked.",
    "403": "The token's user lacks the permission (recorded in the activity log).",
    "404": "No such resource.",
    "409": "The request conflicts with the resource's state.",
}


def _ref(name: str) -> dict:
    return {"$ref": _REF + name}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string"}}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def _op(op_id: str, summary: str, permission: str | None, ok: tuple[str, str, dict | None],
        *, errors=("400", "401", "403"), body: dict | None = None, body_required=True,
        params=(), description: str | None = None) -> dict:
    status, text, schema = ok
    responses = {status: {"description": text, **({"content": _json(schema)} if schema
                                                  else {})}}
    for code in errors:
        responses[code] = {"description": _ERRORS[code], "content": _json(_ref("Error"))}
    operation = {"operationId": op_id, "summary": summary, "responses": responses}
    if description:
        operation["description"] = description
    if params:
        operation["parameters"] = list(params)
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": _json(body)}
    if permission:
        operation["x-permission"] = permission
    else:
        operation["security"] = []
    return operation


def _client_metadata_schema() -> dict:
    from idp.oauth.client_admin import field_kind
    from idp.oauth.client_admin import metadata_fields

    properties = {}
    for name in metadata_fields():
        kind, nullable = field_kind(name)
        schema = ({"type": "array", "items": {"type": "string"}} if kind == "list"
                  else {"type": kind})
        if nullable:
            schema["type"] = [schema["type"], "null"]
        properties[name] = schema
    if "permissions" in properties:
        properties["permissions"]["description"] = (
            "The permissions the client's tokens may carry: names, resource:* or *; null: none.")
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _schemas() -> dict:
    string, nullable = {"type": "string"}, {"type": ["string", "null"]}
    time = {"type": "string", "format": "date-time"}
    strings = {"type": "array", "items": string}
    client_input = _client_metadata_schema()
    client = {"type": "object", "properties": {
        "client_id": string, **client_input["properties"],
        "token_endpoint_auth_method": string, "disabled": {"type": "boolean"},
        "disabled_at": {"type": ["string", "null"], "format": "date-time"},
        "created_at": time}}
    return {
        "Error": {"type": "object", "required": ["error", "error_description"], "properties": {
            "error": {"type": "string", "description": "A machine code: invalid_request, "
                      "invalid_token, forbidden, not_found, role_in_use …"},
            "error_description": {"type": "string"}}},
        "User": {"type": "object", "properties": {
            "id": string, "email": nullable, "name": string,
            "status": {"type": "string", "enum": ["pending", "active", "disabled"]},
            "office_id": nullable, "roles": strings, "created_at": time}},
        "UserDetail": {"allOf": [_ref("User"), {"type": "object", "properties": {
            "phone": nullable, "email_verified": {"type": "boolean"},
            "phone_verified": {"type": "boolean"}, "locale": nullable,
            "locked_until": {"type": ["string", "null"], "format": "date-time"},
            "permissions": strings, "updated_at": time}}]},
        "UserPage": {"type": "object", "properties": {
            "users": {"type": "array", "items": _ref("User")}, "page": {"type": "integer"},
            "per_page": {"type": "integer"}, "total": {"type": "integer"}}},
        "UserAccess": {"type": "object", "properties": {
            "user_id": string, "roles": strings, "permissions": strings}},
        "Reason": {"type": "object", "additionalProperties": False, "properties": {
            "reason": {"type": "string", "maxLength": 200}}},
        "PermissionChange": {"type": "object", "required": ["effect"],
                             "additionalProperties": False, "properties": {
                                 "effect": {"type": "string", "enum": ["grant", "deny"]},
                                 "office_id": {"type": "string", "description":
                                               "Limit a grant to this office."}}},
        "Role": {"type": "object", "properties": {
            "name": string, "description": string, "permissions": strings}},
        "RoleInput": {"type": "object", "required": ["name"], "additionalProperties": False,
                      "properties": {"name": {"type": "string", "maxLength": 64},
                                     "description": string, "permissions": strings}},
        "RolePermissions": {"type": "object", "required": ["permissions"],
                            "additionalProperties": False,
                            "properties": {"permissions": strings}},
        "Permission": {"type": "object", "properties": {"name": string,
                                                        "description": string}},
        "ClientInput": client_input,
        "Client": client,
        "ClientWithSecret": {"allOf": [_ref("Client"), {"type": "object", "properties": {
            "client_secret": {"type": "string", "description": "Shown once."}}}]},
        "ClientSecret": {"type": "object", "properties": {
            "client_id": string, "client_secret": {"type": "string",
                                                   "description": "Shown once."}}},
        "Office": {"type": "object", "properties": {
            "id": string, "name": string,
            "status": {"type": "string", "enum": ["pending", "approved", "rejected"]},
            "commercial_registration_number": string, "city": string,
            "contact_person": string, "representative_id": nullable,
            "rejection_reason": nullable, "created_at": time,
            "decided_at": {"type": ["string", "null"], "format": "date-time"},
            "decided_by": nullable,
            "documents": {"type": "array", "items": {"type": "object", "properties": {
                "id": string, "filename": string, "content_type": string,
                "size": {"type": "integer"}, "sha256": string}}}}},
        "Rejection": {"type": "object", "required": ["reason"], "additionalProperties": False,
                      "properties": {"reason": {"type": "string", "maxLength": 2000}}},
        "AuditEvent": {"type": "object", "properties": {
            "id": {"type": "integer"}, "event": string,
            "result": string, "user_id": nullable, "client_id": nullable,
            "session_id": nullable, "ip": nullable, "user_agent": nullable,
            "detail": {"type": "object"}, "created_at": time}},
        "AuditPage": {"type": "object", "properties": {
            "events": {"type": "array", "items": _ref("AuditEvent")},
            "next_before": {"type": ["integer", "null"], "description":
                            "Pass as `before` for the next (older) page; null at the end."}}},
    }


def _paths() -> dict:
    user = _path_param("user_id", "The user's opaque id (the tokens' sub).")
    role = _path_param("role", "A role name.")
    name = _path_param("name", "A role name.")
    permission = _path_param("permission", "A permission name, resource:action.")
    client = _path_param("client_id", "The client's id.")
    office = _path_param("office_id", "The office's id.")
    user_detail = ("200", "The user.", _ref("UserDetail"))
    access = ("200", "The user's roles and effective permissions.", _ref("UserAccess"))
    reason = _ref("Reason")
    page = {"type": "integer", "minimum": 1}
    audit_filters = (
        _query("user_id", "Rows about this user."),
        _query("event", "An event name, or a prefix ending in * (oauth:token:*)."),
        _query("result", "success, failure …"),
        _query("client_id", "Rows about this client."),
        _query("since", "From this ISO 8601 date-time (inclusive; UTC if no zone).",
               {"type": "string", "format": "date-time"}),
        _query("until", "Before this ISO 8601 date-time (exclusive).",
               {"type": "string", "format": "date-time"}))
    return {
        "/api/admin/openapi.json": {"get": _op(
            "getOpenApi", "This document.", None, ("200", "OpenAPI 3.1.", {"type": "object"}),
            errors=())},
        "/api/admin/users": {"get": _op(
            "searchUsers", "Search users.", "users:read",
            ("200", "A page of users, oldest account first.", _ref("UserPage")),
            params=(_query("email", "Part of the email address."),
                    _query("phone", "The whole phone number (E.164 or national)."),
                    _query("name", "Part of the name."),
                    _query("status", "pending, active or disabled.",
                           {"type": "string", "enum": ["pending", "active", "disabled"]}),
                    _query("role", "Holders of this role."),
                    _query("office_id", "Representatives of this office."),
                    _query("page", "Page number, from 1.", page),
                    _query("per_page", "Users per page (at most 200).", page)))},
        "/api/admin/users/{user_id}": {"parameters": [user], "get": _op(
            "getUser", "View a user.", "users:read", user_detail,
            errors=("401", "403", "404"))},
        "/api/admin/users/{user_id}/lock": {"parameters": [user], "post": _op(
            "lockUser", "Lock a user until unlocked; ends their sessions and tokens.",
            "users:update", user_detail, body=reason, body_required=False,
            errors=("400", "401", "403", "404", "409"))},
        "/api/admin/users/{user_id}/unlock": {"parameters": [user], "post": _op(
            "unlockUser", "Lift every lock on a user.", "users:update", user_detail,
            errors=("400", "401", "403", "404"))},
        "/api/admin/users/{user_id}/activate": {"parameters": [user], "post": _op(
            "activateUser", "Activate a user whose contacts are verified.", "users:update",
            user_detail, errors=("400", "401", "403", "404", "409"))},
        "/api/admin/users/{user_id}/disable": {"parameters": [user], "post": _op(
            "disableUser", "Disable a user: sessions end, every token is revoked.",
            "users:update", user_detail, body=reason, body_required=False,
            errors=("400", "401", "403", "404", "409"))},
        "/api/admin/users/{user_id}/roles": {"parameters": [user], "get": _op(
            "getUserAccess", "A user's roles and effective permissions.", "users:read",
            access, errors=("401", "403", "404"))},
        "/api/admin/users/{user_id}/roles/{role}": {
            "parameters": [user, role],
            "put": _op("assignRole", "Give a user a role (super admin only, BR-UI-014).",
                       "roles:assign", access, errors=("401", "403", "404")),
            "delete": _op("revokeRole", "Take a role from a user (super admin only).",
                          "roles:assign", access, errors=("401", "403", "404"))},
        "/api/admin/users/{user_id}/permissions/{permission}": {
            "parameters": [user, permission],
            "put": _op("setUserPermission", "Grant or deny one permission to one user "
                       "(super admin only).", "roles:assign", access,
                       body=_ref("PermissionChange"), errors=("400", "401", "403", "404")),
            "delete": _op("clearUserPermission", "Remove a user's grant or denial.",
                          "roles:assign", access, errors=("400", "401", "403", "404"))},
        "/api/admin/roles": {
            "get": _op("listRoles", "Every role with its permissions.", "roles:read",
                       ("200", "The roles.", {"type": "object", "properties": {
                           "roles": {"type": "array", "items": _ref("Role")}}}),
                       errors=("401", "403")),
            "post": _op("createRole", "Create a role.", "roles:update",
                        ("201", "The role.", _ref("Role")), body=_ref("RoleInput"),
                        errors=("400", "401", "403", "409"))},
        "/api/admin/roles/{name}": {
            "parameters": [name],
            "get": _op("getRole", "View a role.", "roles:read", ("200", "The role.",
                                                                 _ref("Role")),
                       errors=("401", "403", "404")),
            "delete": _op("deleteRole", "Delete a role no user holds (BR-UI-015).",
                          "roles:update", ("200", "Deleted.", {"type": "object"}),
                          errors=("401", "403", "404", "409"))},
        "/api/admin/roles/{name}/permissions": {"parameters": [name], "put": _op(
            "setRolePermissions", "Replace a role's permissions; its holders' sessions end.",
            "roles:update", ("200", "The role.", _ref("Role")), body=_ref("RolePermissions"),
            errors=("400", "401", "403", "404"))},
        "/api/admin/permissions": {"get": _op(
            "listPermissions", "Every permission.", "roles:read",
            ("200", "The permissions.", {"type": "object", "properties": {
                "permissions": {"type": "array", "items": _ref("Permission")}}}),
            errors=("401", "403"))},
        "/api/admin/clients": {
            "get": _op("listClients", "Every registered client, disabled ones included.",
                       "clients:read", ("200", "The clients.", {"type": "object", "properties": {
                           "clients": {"type": "array", "items": _ref("Client")}}}),
                       errors=("401", "403")),
            "post": _op("registerClient", "Register a client; a confidential one's secret is "
                        "in the answer, once.", "clients:update",
                        ("201", "The client.", _ref("ClientWithSecret")),
                        body=_ref("ClientInput"))},
        "/api/admin/clients/{client_id}": {
            "parameters": [client],
            "get": _op("getClient", "View a client.", "clients:read",
                       ("200", "The client.", _ref("Client")), errors=("401", "403", "404")),
            "patch": _op("updateClient", "Change some registration metadata (not public).",
                         "clients:update", ("200", "The client.", _ref("Client")),
                         body=_ref("ClientInput"), errors=("400", "401", "403", "404"))},
        "/api/admin/clients/{client_id}/secret": {"parameters": [client], "post": _op(
            "rotateClientSecret", "A new secret; the old one stops working at once.",
            "clients:update", ("200", "The new secret, shown once.", _ref("ClientSecret")),
            errors=("400", "401", "403", "404", "409"))},
        "/api/admin/clients/{client_id}/disable": {"parameters": [client], "post": _op(
            "disableClient", "Stop a client and revoke every token issued to it.",
            "clients:update", ("200", "The client.", _ref("Client")),
            errors=("400", "401", "403", "404"))},
        "/api/admin/clients/{client_id}/enable": {"parameters": [client], "post": _op(
            "enableClient", "Accept a disabled client again.", "clients:update",
            ("200", "The client.", _ref("Client")), errors=("400", "401", "403", "404"))},
        "/api/admin/offices": {"get": _op(
            "listOffices", "Office applications, oldest first (a representative: their own).",
            "offices:read", ("200", "The offices.", {"type": "object", "properties": {
                "offices": {"type": "array", "items": _ref("Office")}}}),
            params=(_query("status", "pending, approved or rejected.",
                           {"type": "string", "enum": ["pending", "approved", "rejected"]}),))},
        "/api/admin/offices/{office_id}": {"parameters": [office], "get": _op(
            "getOffice", "View an office: with offices:read any, with offices:update only "
            "one's own (a representative).", "offices:read",
            ("200", "The office.", _ref("Office")), errors=("401", "403", "404"))},
        "/api/admin/offices/{office_id}/approve": {"parameters": [office], "post": _op(
            "approveOffice", "Approve a pending office (super admin).", "offices:approve",
            ("200", "The office.", _ref("Office")),
            errors=("400", "401", "403", "404", "409"))},
        "/api/admin/offices/{office_id}/reject": {"parameters": [office], "post": _op(
            "rejectOffice", "Reject a pending office with a reason (super admin).",
            "offices:approve", ("200", "The office.", _ref("Office")),
            body=_ref("Rejection"), errors=("400", "401", "403", "404", "409"))},
        "/api/admin/audit": {"get": _op(
            "searchAudit", "Search the activity log, newest first.", "audit:read",
            ("200", "A page of rows.", _ref("AuditPage")),
            params=(*audit_filters,
                    _query("limit", "Rows per page (at most 500).", page),
                    _query("before", "The next_before of the previous page.", page)))},
        "/api/admin/audit/export": {"get": {
            **_op("exportAudit", "Every matching row, oldest first, as JSON Lines.",
                  "audit:export", ("200", "One AuditEvent object per line.", None),
                  params=audit_filters),
            "responses": {
                "200": {"description": "One AuditEvent object per line.",
                        "content": {"application/jsonl": {"schema": {"type": "string"}}}},
                **{code: {"description": _ERRORS[code], "content": _json(_ref("Error"))}
                   for code in ("400", "401", "403")}}}},
    }


def document() -> dict:
    """The whole OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "idp admin API", "version": "1",
                 "description": "Users, roles and permissions, clients, offices and the "
                                "activity log of the identity provider. Every operation but "
                                "this document needs an access token of ours (Bearer) whose "
                                "user holds the operation's x-permission; see "
                                "docs/admin-api.md."},
        "servers": [{"url": current_app.config["IDP_ISSUER"]}],
        "security": [{"bearer": []}],
        "paths": _paths(),
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "bearerFormat": "JWT (RFC 9068 access token)"}},
            "schemas": _schemas()},
    }
