"""An example booking service guarded by ``idp.resource``: see app.py."""
