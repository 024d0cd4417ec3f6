"""Tests of the means issuer (idp/)."""
