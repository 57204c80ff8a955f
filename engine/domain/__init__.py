"""Pure Python domain: dossiers, statuses, units, actors, procedures, the working-day clock.

Imports nothing outside the standard library and small packages (holidays, jsonschema, google-re2).
"""
