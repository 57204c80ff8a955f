"""period figures: spans record a dossier received outside its commune (phi địa giới), and are indexed by
when processing finished, so a period's figures read the dossiers carried over into it as well

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_OPEN = sa.text("until IS NULL")
_CLOSED = sa.text("until IS NOT NULL")


def upgrade() -> None:
    op.add_column('stat_spans', sa.Column('outside_area', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.drop_index('ix_stat_spans_open', table_name='stat_spans')
    op.drop_index('ix_stat_spans_closed', table_name='stat_spans')
    op.drop_index('ix_stat_spans_competent', table_name='stat_spans')
    for unit, name in (('receiving_unit_id', ''), ('competent_unit_id', 'competent_')):
        op.create_index(f'ix_stat_spans_{name}open', 'stat_spans', [unit, 'finished_at'],
                        postgresql_where=_OPEN, sqlite_where=_OPEN)
        op.create_index(f'ix_stat_spans_{name}closed', 'stat_spans', [unit, 'until', 'since'],
                        postgresql_where=_CLOSED, sqlite_where=_CLOSED)


def downgrade() -> None:
    for name in ('open', 'closed', 'competent_open', 'competent_closed'):
        op.drop_index(f'ix_stat_spans_{name}', table_name='stat_spans')
    op.create_index('ix_stat_spans_open', 'stat_spans', ['receiving_unit_id', 'received_at'],
                    postgresql_where=_OPEN, sqlite_where=_OPEN)
    op.create_index('ix_stat_spans_closed', 'stat_spans', ['receiving_unit_id', 'received_at', 'until'],
                    postgresql_where=_CLOSED, sqlite_where=_CLOSED)
    op.create_index('ix_stat_spans_competent', 'stat_spans', ['competent_unit_id', 'received_at'])
    with op.batch_alter_table('stat_spans') as batch:
        batch.drop_column('outside_area')
