"""Envelopes of the exchange between provinces' deployments (POST /exchange/packages, docs/exchange.md): the
package goes in as its own bytes (a signed ZIP, not JSON); the acknowledgement comes back as JSON."""

from __future__ import annotations

from marshmallow import Schema, fields

from engine.domain.exchange import MAX_PACKAGE_BYTES, MEDIA_TYPE

PACKAGE_BODY = {
    "required": True,
    "description": f"The dossier package (docs/exchange.md): a ZIP container whose manifest is signed with a "
                   f"detached JWS by the sending deployment's registered key; at most {MAX_PACKAGE_BYTES} bytes.",
    "content": {MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
}


class AcknowledgementSchema(Schema):
    """The receiver's answer to a package it applied, the same for every later delivery of its package_id."""

    package_id = fields.String(metadata={"description": "the sender's id of the package"})
    dossier_code = fields.String(metadata={"description": "the dossier's code, the same on both deployments"})
    state = fields.String(metadata={"description": "the dossier's exchange state after the package (its kind)"})
    duplicate = fields.Boolean(metadata={
        "description": "true: the same package was applied before, and nothing was applied again"})
