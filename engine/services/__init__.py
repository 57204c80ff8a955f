"""Use cases. Each is a plain function taking a unit of work and keyword-only dependencies
(actor, catalogue, calendar, clock); none reads Flask, the environment or a global.
"""
