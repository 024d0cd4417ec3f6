"""SAML bindings of the protocol core (spec §4.1): how messages travel between the roles.

``artifact``: type 0x0004 artifacts, the one-time artifact store, issuing and resolving;
``soap``: the SOAP envelope of the artifact back-channel (ArtifactResolve/ArtifactResponse).
"""
