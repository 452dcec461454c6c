"""`idp offices …`: list, approve and reject office applications."""

import click


@click.group()
def offices():
    """Transport-office applications."""
