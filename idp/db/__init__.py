"""Durable storage of the means issuer: models, migrations, sessions and queries."""
