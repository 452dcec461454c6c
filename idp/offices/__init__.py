"""Transport offices (the vendors): signup with documents, approval by an admin."""
