"""agencies (kind, parent), DMN files per procedure version, dossier routes, clock pause and fee

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('units', sa.Column('agency', sa.String(length=32), nullable=True))
    if op.get_context().dialect.name == 'sqlite':
        # SQLite adds a column with its reference in place; Alembic's batch mode would rebuild `units`,
        # which fails while dossiers and users refer to it.
        op.execute('ALTER TABLE units ADD COLUMN parent_id VARCHAR(32) REFERENCES units (id)')
    else:
        op.add_column('units', sa.Column('parent_id', sa.String(length=32), sa.ForeignKey('units.id')))
    op.add_column('procedure_versions', sa.Column('decisions', sa.JSON(), nullable=False,
                                                  server_default=sa.text("'{}'")))
    op.add_column('dossiers', sa.Column('routes', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
    op.add_column('dossiers', sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('dossiers', sa.Column('fee_vnd', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    op.drop_column('dossiers', 'fee_vnd')
    op.drop_column('dossiers', 'paused_at')
    op.drop_column('dossiers', 'routes')
    op.drop_column('procedure_versions', 'decisions')
    op.drop_column('units', 'parent_id')
    op.drop_column('units', 'agency')
