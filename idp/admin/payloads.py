"""Reading the admin API's input: the JSON body, its fields and the query string, each
refusal a 400 ``invalid_request`` naming the field (a bad input is never a 500)."""

from __future__ import annotations

from flask import request

from idp.admin.errors import InvalidBody


def json_body(*, required: bool = True) -> dict:
    """The request's JSON object; {} when none was sent and ``required`` is False."""
    if not request.get_data(cache=True):
        if required:
            raise InvalidBody("Send a JSON object as the request body "
                              "(Content-Type: application/json).")
        return {}
    if not request.is_json:
        raise InvalidBody("The body must be JSON (Content-Type: application/json).")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidBody("The body must be a JSON object.")
    return body


def only_fields(body: dict, allowed) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise InvalidBody(f"Unknown field(s): {', '.join(unknown)}. Allowed: "
                          f"{', '.join(sorted(allowed))}.")


def string_field(body: dict, name: str, *, required: bool = False, max_length: int = 255,
                 default: str | None = None) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidBody(f"{name} is required.")
        return default
    if not isinstance(value, str):
        raise InvalidBody(f"{name} must be a string.")
    value = value.strip()
    if required and not value:
        raise InvalidBody(f"{name} must not be empty.")
    if len(value) > max_length:
        raise InvalidBody(f"{name} must be at most {max_length} characters.")
    return value


def string_list(body: dict, name: str, *, required: bool = False, max_items: int = 500,
                max_length: int = 2048) -> list[str] | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidBody(f"{name} is required.")
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidBody(f"{name} must be a list of strings.")
    if len(value) > max_items:
        raise InvalidBody(f"{name} may hold at most {max_items} items.")
    if any(len(item) > max_length for item in value):
        raise InvalidBody(f"Each item of {name} must be at most {max_length} characters.")
    return [item.strip() for item in value]


def bool_field(body: dict, name: str, *, default: bool | None = None) -> bool | None:
    value = body.get(name, default)
    if value is not None and not isinstance(value, bool):
        raise InvalidBody(f"{name} must be true or false.")
    return value


def query_int(name: str, default: int, *, minimum: int = 1, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidBody(f"{name} must be a whole number.") from None
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
        raise InvalidBody(f"{name} must be {bound}.")
    return value


def query_string(name: str, *, max_length: int = 254) -> str | None:
    value = (request.args.get(name) or "").strip()
    if len(value) > max_length:
        raise InvalidBody(f"{name} must be at most {max_length} characters.")
    return value or None
