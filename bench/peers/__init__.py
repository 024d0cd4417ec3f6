"""Test peers of the proxy benchmark: a plain SAML service provider and identity provider."""
