"""Alembic migrations of the means issuer database (run through idp.db.session.upgrade_to_head)."""
