"""Second factors: TOTP, one-time codes by SMS or email, recovery codes (FR-UI-002)."""
