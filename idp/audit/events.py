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

    class Office(StrEnum):
        Applied = "office:applied"
        Approved = "office:approved"
        Rejected = "office:rejected"

    class Password(StrEnum):
        Set = "account:password:set"
        Changed = "account:password:changed"
        ChangeFailed = "account:password:change_failed"
        ResetRequested = "account:password:reset_requested"
        ResetFailed = "account:password:reset_failed"
        Reset = "account:password:reset"
        SupportRecovery = "account:recovery:support"

    class Keys(StrEnum):
        Created = "oidc:key:created"
        Rotated = "oidc:key:rotated"

    class Session(StrEnum):
        Started = "session:started"
        Ended = "session:ended"

    class Notify(StrEnum):
        MessageFailed = "notify:message:failed"

    class Profile(StrEnum):
        """FR-UI-006: the user's own profile, picture and contact addresses."""

        Updated = "account:profile:updated"
        AvatarChanged = "account:avatar:changed"
        AvatarRemoved = "account:avatar:removed"
        ContactChangeRequested = "account:contact:change_requested"
        ContactChangeRefused = "account:contact:change_refused"
        ContactChanged = "account:contact:changed"

    class Verification(StrEnum):
        """FR-UI-001-03/04, BR-UI-003/004: proving an email address or a phone number, and the
        customer signup that waits for both."""

        Sent = "account:verification:sent"
        Confirmed = "account:verification:confirmed"
        Failed = "account:verification:failed"
        Activated = "account:activated"
        SignupCancelled = "account:signup:cancelled"

    class Mfa(StrEnum):
        """FR-UI-002, BR-UI-010: second factors: enrolment, challenges, recovery codes."""

    class Security(StrEnum):
        """FR-UI-002-05, BR-UI-006/007: lockout, unlock, rate limits, suspicious logins."""

    class Rbac(StrEnum):
        """FR-UI-004, BR-UI-011…015: roles, permissions, grants, denials."""

    class Admin(StrEnum):
        """The admin API and the break-glass account."""
