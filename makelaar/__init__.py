"""The ``makelaar`` command and the demo: the only places that know all roles."""
