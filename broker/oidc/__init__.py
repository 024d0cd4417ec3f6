"""The broker's OpenID Connect face for service providers (issue 6; DESIGN §2 last paragraph).

The same eHerkenning login as the SAML face (discovery, AD, MR, MR2 by artifact), begun by an
OAuth 2.0 authorization request and ended with an authorization code instead of a SAML
Response. Built on authlib (``authlib.oauth2`` grants and client authentication,
``authlib.oidc.core`` ID tokens and userinfo, ``authlib.oidc.rpinitiated`` logout) with joserfc,
authlib's JOSE implementation, for JWTs and JWKs. What a DV's developer needs is in
``docs/oidc.md``.
"""
