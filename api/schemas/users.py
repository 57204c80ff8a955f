"""Envelopes of the accounts API (GET/POST /users, …/disable, …/enable).
The service checks the content (username shape, password strength, roles fitting the unit)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class UserQuery(Schema):
    unit_id = fields.String(validate=validate.Length(1, 32))


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(1, 64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(1, 256))
    display_name = fields.String(required=True, validate=validate.Length(1, 100))
    unit_id = fields.String(required=True, validate=validate.Length(1, 32))
    roles = fields.List(fields.String(validate=validate.Length(1, 32)), required=True,
                        validate=validate.Length(1, 5))
    deputy = fields.Boolean(load_default=False, metadata={
        "description": "a leader who is the unit's deputy head (phó chủ tịch, phó trưởng): signs 'KT.' for the head"})


class UserReadSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    unit_id = fields.String()
    roles = fields.List(fields.String())
    disabled = fields.Boolean()
    deputy = fields.Boolean()
