"""Envelopes of sign-in (POST/DELETE /auth/token)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class TokenCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, validate=validate.Length(1, 256), load_only=True)


class TokenReadSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer()
    username = fields.String()
    unit_id = fields.String()
    roles = fields.List(fields.String())
