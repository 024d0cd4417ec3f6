"""Message exchange between eHerkenning peers, shared by every role: the back-channel transport,
the peer directory port, artifact resolution (client and service), inbound signature checks
against the sender's registered metadata, and replay protection.

No web framework here: a role's HTTP layer hands bytes in and sends bytes out.
"""
