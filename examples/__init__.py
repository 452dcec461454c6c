"""Example services that use the identity provider."""
