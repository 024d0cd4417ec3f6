"""Keys of every Makelaar role: the key ring with current and next keys, KeyName derivation,
loading from files, and a development PKI standing in for PKIoverheid.

Private key material never leaves this package and :mod:`etoegang.crypto` except as opaque
objects, and is never logged (``repr`` of a key pair shows only its KeyName).
"""
