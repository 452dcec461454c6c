"""The schema is made only by the Alembic revisions; the models must describe exactly it."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from idp.extensions import db


def test_migrations_match_the_models(app):
    """What `flask db check` checks: autogenerate finds nothing to add, drop or alter between
    the migrated database and the models (a model change without its revision fails here)."""
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []
