"""The authentication service (AD) of Makelaar's means issuer: e-mail and password, an SMS
one-time code from eH2+, consent for AD attributes, the signed AD assertion by artifact, AD SSO
and single logout (spec §2, §3.1, §3.3, §3.4, §4.6, §4.8, §9; issue 3 items 2 and 6)."""
