"""The HM <-> MR messages: XACMLAuthzDecisionQuery and the MR's XACML decision statement.

Spec: ``shared/spec/eherkenning.md`` §3.1 (attribute names), §4.7 (HM <-> MR), §7 (chain
authorisation); OASIS SAML 2.0 profile of XACML 2.0 (schemas ``xacml-samlp`` and ``xacml-saml``,
``...:schema:os``) and the XACML 2.0 context and policy schemas.

This is the public face of the XACML messages; import from here. The work is done in:

- :mod:`etoegang.messages.xacml_context`: the attribute ids and data types, :class:`Decision`,
  :class:`XacmlStatusCode`, :class:`XacmlAttribute`, :class:`Obligation`, :class:`XacmlStatus`
  and the XML form of Attribute and Request elements, which both messages share;
- :mod:`etoegang.messages.xacml_query`: the query (HM -> MR, and HM -> MR2 in a chain);
- :mod:`etoegang.messages.xacml_statement`: the MR's decision statement (MR -> HM), with what
  the real Signicat MR assertion confirmed and what was derived.

Embedded assertions and EncryptedIDs are carried with :func:`etoegang.xml.graft.graft`, so
their signatures still verify. Statements should be signed with
``inclusive_prefixes=("xacml-saml",)`` so that the prefix inside ``xsi:type`` is covered by the
signature, as Signicat does.
"""

from __future__ import annotations

from etoegang.messages.xacml_context import ACCESS_SUBJECT
from etoegang.messages.xacml_context import ACS_INDEX
from etoegang.messages.xacml_context import ACTING_ENTITY_ID
from etoegang.messages.xacml_context import ACTING_SUBJECT_ID
from etoegang.messages.xacml_context import ACTION_ID
from etoegang.messages.xacml_context import ASSERTIONS
from etoegang.messages.xacml_context import AUTHENTICATE
from etoegang.messages.xacml_context import INTENDED_AUDIENCE
from etoegang.messages.xacml_context import INTERMEDIATE_SUBJECT_ID
from etoegang.messages.xacml_context import LEGAL_SUBJECT_ID
from etoegang.messages.xacml_context import LEVEL_OF_ASSURANCE
from etoegang.messages.xacml_context import LEVEL_OF_ASSURANCE_USED
from etoegang.messages.xacml_context import LINKED_SIGNATURE
from etoegang.messages.xacml_context import NEXT_MR_OBLIGATION
from etoegang.messages.xacml_context import SAML_ASSERTION
from etoegang.messages.xacml_context import SAML_ENCRYPTED_ID
from etoegang.messages.xacml_context import SERVICE_ID
from etoegang.messages.xacml_context import SERVICE_UUID
from etoegang.messages.xacml_context import SUBDOSSIERNR
from etoegang.messages.xacml_context import VESTIGINGSNR
from etoegang.messages.xacml_context import XS_ANY_URI
from etoegang.messages.xacml_context import XS_BASE64
from etoegang.messages.xacml_context import XS_INTEGER
from etoegang.messages.xacml_context import XS_STRING
from etoegang.messages.xacml_context import Decision
from etoegang.messages.xacml_context import Obligation
from etoegang.messages.xacml_context import Value
from etoegang.messages.xacml_context import XacmlAttribute
from etoegang.messages.xacml_context import XacmlStatus
from etoegang.messages.xacml_context import XacmlStatusCode
from etoegang.messages.xacml_query import DecisionQuery
from etoegang.messages.xacml_query import build_decision_query
from etoegang.messages.xacml_query import parse_decision_query
from etoegang.messages.xacml_statement import DecisionStatement
from etoegang.messages.xacml_statement import build_decision_statement
from etoegang.messages.xacml_statement import find_decision_statement
from etoegang.messages.xacml_statement import is_decision_statement
from etoegang.messages.xacml_statement import next_mr_obligation
from etoegang.messages.xacml_statement import parse_decision_statement

__all__ = [
    "ACCESS_SUBJECT",
    "ACS_INDEX",
    "ACTING_ENTITY_ID",
    "ACTING_SUBJECT_ID",
    "ACTION_ID",
    "ASSERTIONS",
    "AUTHENTICATE",
    "Decision",
    "DecisionQuery",
    "DecisionStatement",
    "INTENDED_AUDIENCE",
    "INTERMEDIATE_SUBJECT_ID",
    "LEGAL_SUBJECT_ID",
    "LEVEL_OF_ASSURANCE",
    "LEVEL_OF_ASSURANCE_USED",
    "LINKED_SIGNATURE",
    "NEXT_MR_OBLIGATION",
    "Obligation",
    "SAML_ASSERTION",
    "SAML_ENCRYPTED_ID",
    "SERVICE_ID",
    "SERVICE_UUID",
    "SUBDOSSIERNR",
    "VESTIGINGSNR",
    "Value",
    "XS_ANY_URI",
    "XS_BASE64",
    "XS_INTEGER",
    "XS_STRING",
    "XacmlAttribute",
    "XacmlStatus",
    "XacmlStatusCode",
    "build_decision_query",
    "build_decision_statement",
    "find_decision_statement",
    "is_decision_statement",
    "next_mr_obligation",
    "parse_decision_query",
    "parse_decision_statement",
]
