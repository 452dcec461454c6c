"""Password hashing, keyed digests and field encryption."""
