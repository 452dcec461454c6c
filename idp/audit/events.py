"""Typed names of security events, in source:subject:action form (BR-UI-010)."""

from enum import StrEnum


class AuditEvent:
    class Account(StrEnum):
        LoginSuccess = "account:login:success"
        LoginFailure = "account:login:failure"
        Logout = "account:logout"
        Created = "account:created"

    class OAuth(StrEnum):
        ConsentGranted = "oauth:consent:granted"
        ConsentDenied = "oauth:consent:denied"
        CodeIssued = "oauth:code:issued"
        CodeReused = "oauth:code:reused"
        TokenIssued = "oauth:token:issued"
        TokenRefreshed = "oauth:token:refreshed"
        RefreshReused = "oauth:token:refresh_reused"
        TokenRevoked = "oauth:token:revoked"
        ClientCreated = "oauth:client:created"

    class Keys(StrEnum):
        Created = "oidc:key:created"
        Rotated = "oidc:key:rotated"

    class Session(StrEnum):
        Started = "session:started"
        Ended = "session:ended"
