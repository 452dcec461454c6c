"""What the admin API shows of each resource. Secrets never leave: no password hash, no
client secret digest, no document path."""

from __future__ import annotations


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def user_summary(user) -> dict:
    from idp.rbac.services import role_names

    profile = user.profile
    return {"id": user.id, "email": user.email, "name": profile.name if profile else "",
            "status": user.status, "office_id": user.office_id, "roles": role_names(user.id),
            "created_at": _iso(user.created_at)}


def user_detail(user) -> dict:
    from idp.accounts.services import phone_number
    from idp.rbac.services import effective_permissions
    from idp.security.lockout import locked_until

    profile = user.profile
    return {**user_summary(user), "phone": phone_number(user),
            "email_verified": user.email_verified_at is not None,
            "phone_verified": user.phone_verified_at is not None,
            "locale": profile.locale if profile else None,
            "locked_until": _iso(locked_until(user)),
            "permissions": sorted(effective_permissions(user.id)),
            "updated_at": _iso(user.updated_at)}


def role_json(role) -> dict:
    return {"name": role.name, "description": role.description or "",
            "permissions": sorted(p.name for p in role.permissions)}


def permission_json(permission) -> dict:
    return {"name": permission.name, "description": permission.description or ""}


def client_json(client) -> dict:
    from idp.oauth.client_admin import metadata_of

    meta = metadata_of(client)
    data = {"client_id": client.id}
    for name, value in vars(meta).items():
        data[name] = list(value) if isinstance(value, tuple) else value
    data.update(token_endpoint_auth_method=client.token_endpoint_auth_method,
                disabled=client.disabled_at is not None, disabled_at=_iso(client.disabled_at),
                created_at=_iso(client.created_at))
    return data


def office_json(office) -> dict:
    return {"id": office.id, "name": office.name, "status": office.status,
            "commercial_registration_number": office.commercial_registration_number,
            "city": office.city, "contact_person": office.contact_person,
            "representative_id": office.representative_id,
            "rejection_reason": office.rejection_reason,
            "created_at": _iso(office.created_at), "decided_at": _iso(office.decided_at),
            "decided_by": office.decided_by,
            "documents": [{"id": d.id, "filename": d.original_filename,
                           "content_type": d.content_type, "size": d.size,
                           "sha256": d.sha256} for d in office.documents]}
