"""`idp notify …`: the outbox worker."""

import click


@click.group()
def notify():
    """Email and SMS delivery."""
