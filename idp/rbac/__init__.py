"""Roles, permissions and the effective-permission function (FR-UI-004)."""
