"""Users and profiles: identifiers, credentials, login."""
