"""The domain core of the one-stop dossier engine.

Nothing here imports Flask or marshmallow; SpiffWorkflow lives only in engine.workflow and
SQLAlchemy only in engine.adapters (checked by the import-linter contracts in setup.cfg).
"""
