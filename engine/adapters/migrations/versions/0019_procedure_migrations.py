"""procedure migrations: running dossiers moved in bulk from one version of a procedure to another, with each
dossier's outcome

Revision ID: 0019
Revises: 0018
"""
import sqlalchemy as sa
from alembic import op

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'procedure_migrations',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('procedure_code', sa.String(32), nullable=False, index=True),
        sa.Column('from_version_id', sa.Integer(), sa.ForeignKey('procedure_versions.id'), nullable=False),
        sa.Column('to_version_id', sa.Integer(), sa.ForeignKey('procedure_versions.id'), nullable=False),
        sa.Column('plan', sa.JSON(), nullable=False),
        sa.Column('actor_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        'procedure_migration_items',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('migration_id', sa.Integer(), sa.ForeignKey('procedure_migrations.id'), nullable=False),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossiers.id'), nullable=False, index=True),
        sa.Column('dossier_code', sa.String(48), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('obstacles', sa.JSON(), nullable=False),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint('migration_id', 'dossier_id', name='uq_procedure_migration_items_dossier'),
    )
    op.create_index('ix_procedure_migration_items_status', 'procedure_migration_items', ['migration_id', 'status'])


def downgrade() -> None:
    op.drop_table('procedure_migration_items')
    op.drop_table('procedure_migrations')
