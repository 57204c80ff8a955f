"""statistics snapshots: one row per dossier state with the time it held, folded from the history;
the inbox index also orders by due time

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stat_spans',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=False),
        sa.Column('until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('supplement_rounds', sa.Integer(), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=16), nullable=True),
        sa.Column('electronic_result', sa.Boolean(), nullable=False),
        sa.Column('rating', sa.String(length=16), nullable=True),
        sa.Column('receiving_unit_id', sa.String(length=32), nullable=False),
        sa.Column('competent_unit_id', sa.String(length=32), nullable=False),
        sa.Column('procedure_code', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_day', sa.Date(), nullable=False),
        sa.Column('digitisation', sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_stat_spans_dossier_id', 'stat_spans', ['dossier_id'])
    # The spans that held at a period's end: the open ones, and the closed ones closed after it.
    op.create_index('ix_stat_spans_open', 'stat_spans', ['receiving_unit_id', 'received_at'],
                    postgresql_where=sa.text('until IS NULL'), sqlite_where=sa.text('until IS NULL'))
    op.create_index('ix_stat_spans_closed', 'stat_spans', ['receiving_unit_id', 'received_at', 'until'],
                    postgresql_where=sa.text('until IS NOT NULL'), sqlite_where=sa.text('until IS NOT NULL'))
    op.create_index('ix_stat_spans_competent', 'stat_spans', ['competent_unit_id', 'received_at'])
    op.drop_index('ix_tasks_inbox', table_name='tasks')
    op.create_index('ix_tasks_inbox', 'tasks', ['unit_id', 'status', 'role', 'due_at', 'created_at'])
    # Dossiers received before this revision get their rows from their history.
    from engine.adapters.stat_spans import rebuild
    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index('ix_tasks_inbox', table_name='tasks')
    op.create_index('ix_tasks_inbox', 'tasks', ['unit_id', 'status', 'role'])
    op.drop_table('stat_spans')
