"""dossier search: the applicant's folded name, ID number and phone on each dossier (filled from its
application), indexed for officer search (a trigram index on the name on PostgreSQL), and the audit of
searches of personal data

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.add_column('dossiers', sa.Column('applicant_folded', sa.String(100), nullable=False, server_default=''))
    op.add_column('dossiers', sa.Column('applicant_id_number', sa.String(20), nullable=True))
    op.add_column('dossiers', sa.Column('applicant_phone', sa.String(16), nullable=True))

    from engine.adapters.dossier_search import backfill
    backfill(op.get_bind())

    # Built after the back-fill: one pass over the filled table instead of an update per row.
    if postgres:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_index('ix_dossiers_applicant_folded', 'dossiers', ['applicant_folded'], postgresql_using='gin',
                    postgresql_ops={'applicant_folded': 'gin_trgm_ops'})
    op.create_index('ix_dossiers_applicant_id_number', 'dossiers', ['applicant_id_number'])
    op.create_index('ix_dossiers_applicant_phone', 'dossiers', ['applicant_phone'])
    # A unit's search asks, for each dossier a name matches, whether the unit had a step of it: from the index
    # alone (a busy ward's common-name search at 1 M dossiers: 186 -> 38 ms, docs/BENCHMARKS.md).
    op.create_index('ix_tasks_dossier_unit', 'tasks', ['dossier_id', 'unit_id'])
    # A list's page in its default order (newest first) is the first rows of this index that match: a broad
    # search or a province's plain list stops after them instead of sorting every match.
    op.create_index('ix_dossiers_received', 'dossiers', ['received_at', 'id'])
    op.create_table(
        'search_audit',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('unit_id', sa.String(32), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('text', sa.String(200), nullable=False),
        sa.Column('found', sa.Integer(), nullable=False),
    )
    op.create_index('ix_search_audit_at', 'search_audit', ['at'])


def downgrade() -> None:
    op.drop_index('ix_tasks_dossier_unit', table_name='tasks')
    op.drop_index('ix_dossiers_received', table_name='dossiers')
    op.drop_index('ix_search_audit_at', table_name='search_audit')
    op.drop_table('search_audit')
    for name in ('applicant_phone', 'applicant_id_number', 'applicant_folded'):
        op.drop_index(f'ix_dossiers_{name}', table_name='dossiers')
    with op.batch_alter_table('dossiers') as batch:
        for name in ('applicant_phone', 'applicant_id_number', 'applicant_folded'):
            batch.drop_column(name)
