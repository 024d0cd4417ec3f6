"""The means issuer's portal (issue 8): administrators request and manage means, mandates and
chain mandates for their organisation; users look after their own means; operators validate
identity documents and handle what the portal cannot do itself.

Services (sans-IO, over a SQLAlchemy session, with the time passed in) live in one module per
job; the Flask views in ``views_*.py`` only translate between HTTP and those services.
"""
