"""Server-side login sessions: the cookie holds an opaque secret, the row holds the rest."""
