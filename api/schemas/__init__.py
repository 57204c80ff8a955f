"""marshmallow schemas of the API envelopes, one module per resource as in the URL (beside api/views/),
named by direction (…CreateSchema, …ReadSchema, …Query); common.py holds what they share."""
