"""The admin API (/api/admin/…): users, roles, permissions, clients, offices, audit."""
