"""XML handling of the protocol core: the one hardened parser and the namespace table."""
