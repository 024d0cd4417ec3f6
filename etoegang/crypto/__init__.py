"""Cryptography of the protocol core: XML signatures (and, beside them, XML encryption).

Only modules in this package and in ``keys`` import xmlsec or cryptography's primitives.
"""
