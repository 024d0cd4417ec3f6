"""The eHerkenning (etoegang) protocol core that every Makelaar role shares.

Hardened XML parsing, XML signatures and encryption through python-xmlsec, the SAML
bindings (HTTP-Redirect, HTTP-POST, HTTP-Artifact with SOAP) and the typed message models
of the eHerkenning interface specifications (``shared/spec/eherkenning.md`` sections 3 to 6).
This package imports no role package and no web framework: it takes values and returns values.
"""
