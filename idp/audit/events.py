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
        #: The cookie secret was replaced (a privilege change): the old cookie opens nothing.
        Rotated = "session:rotated"
        #: NFR-UI-002-04: presented by another browser or OS family than the one that logged in.
        HijackSuspected = "session:hijack_suspected"
        #: OpenID RP-Initiated Logout refused (bad id_token_hint or post_logout_redirect_uri).
        LogoutRefused = "session:logout:refused"
        #: A logout token was queued for a client's back-channel logout URI.
        BackchannelQueued = "session:backchannel:queued"

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

        #: A right password led to the second step (``methods`` offered, ``purpose``), or to
        #: enrolment when a factor is required and the user has none (``enrol``).
        Challenged = "mfa:challenge:started"
        #: A code was sent by SMS or email (``channel``, ``purpose``: login or enrol).
        ChallengeSent = "mfa:challenge:sent"
        #: A second factor was accepted (``method``: totp, sms, email, recovery).
        Success = "mfa:challenge:success"
        #: A wrong, expired, replayed or used code (``method``, ``reason``).
        Failure = "mfa:challenge:failure"
        Enrolled = "mfa:method:enrolled"
        Disabled = "mfa:method:disabled"
        RecoveryCodeUsed = "mfa:recovery_code:used"
        RecoveryCodesRegenerated = "mfa:recovery_codes:regenerated"
        DeviceTrusted = "mfa:device:trusted"
        DeviceUntrusted = "mfa:device:untrusted"
        #: A second factor was skipped on a device the user trusts.
        SkippedTrustedDevice = "mfa:challenge:skipped_trusted_device"
        #: ``idp keys rotate-data-key`` re-encrypted the data at rest under the newest key.
        DataKeyRotated = "security:data_key:rotated"

    class Security(StrEnum):
        """FR-UI-002-05, BR-UI-006/007: lockout, unlock, rate limits, suspicious logins."""

        Locked = "security:account:locked"
        Unlocked = "security:account:unlocked"
        UnlockRequested = "security:unlock:requested"
        UnlockFailed = "security:unlock:failed"
        RateLimited = "security:rate_limited"
        SuspiciousLoginNotified = "security:login:suspicious_notified"
        NotMeUsed = "security:login:not_me"
        NotMeFailed = "security:login:not_me_failed"
        Imported = "security:account:imported"

    class Rbac(StrEnum):
        """FR-UI-004, BR-UI-011…015: roles, permissions, grants, denials."""

        RoleCreated = "rbac:role:created"
        RolePermissionsChanged = "rbac:role:permissions_changed"
        RoleDeleted = "rbac:role:deleted"
        #: BR-UI-015: the role has users (or is one of the spec's six).
        RoleDeleteRefused = "rbac:role:delete_refused"
        RoleAssigned = "rbac:role:assigned"
        RoleRevoked = "rbac:role:revoked"
        PermissionGranted = "rbac:permission:granted"
        PermissionDenied = "rbac:permission:denied"
        PermissionCleared = "rbac:permission:cleared"
        #: BR-UI-014: someone other than a super admin tried to grant or revoke.
        ChangeRefused = "rbac:change:refused"
        #: BR-UI-013: a request refused for lack of a permission (who, what, resource, IP).
        AccessDenied = "rbac:access:denied"
        #: EC-UI-006: repeated refusals; the security contact was alerted.
        AlertRaised = "rbac:alert:raised"

    class Admin(StrEnum):
        """The admin API and the break-glass account."""

        UserLocked = "admin:user:locked"
        UserUnlocked = "admin:user:unlocked"
        UserActivated = "admin:user:activated"
        UserDisabled = "admin:user:disabled"
        ClientRegistered = "admin:client:registered"
        ClientUpdated = "admin:client:updated"
        ClientSecretRotated = "admin:client:secret_rotated"
        ClientDisabled = "admin:client:disabled"
        AuditExported = "admin:audit:exported"
        #: The break-glass account was created or re-enabled (`idp admin emergency`).
        Emergency = "admin:emergency:account"
        #: The one-time password of an emergency account was replaced by its holder.
        PasswordChangeCompleted = "admin:password_change:completed"
