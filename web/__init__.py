"""Flask glue every role shares: language choice (Dutch by default, English available),
CSRF protection for forms, the security headers of every browser response, the accessible
base template and error pages.

Roles (``broker``, ``idp``, ``sp_adapters``) build on this and never on each other.
"""

from web.app import install

__all__ = ["install"]
