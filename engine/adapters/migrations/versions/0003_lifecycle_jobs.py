"""one-stop lifecycle: legal deadline, end of processing, notices and return method on dossiers; jobs

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name == 'sqlite':
        # SQLite cannot make a column NOT NULL afterwards (batch mode would rebuild `dossiers`, which
        # tasks and history refer to): add it NOT NULL with a placeholder default, then fill it.
        op.add_column('dossiers', sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=False,
                                            server_default='1970-01-01 00:00:00'))
        op.execute('UPDATE dossiers SET deadline_at = due_at')
    else:
        op.add_column('dossiers', sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True))
        op.execute('UPDATE dossiers SET deadline_at = due_at')
        op.alter_column('dossiers', 'deadline_at', nullable=False)
    op.add_column('dossiers', sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE dossiers SET finished_at = COALESCE(result_ready_at, returned_at)")
    op.add_column('dossiers', sa.Column('notices', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.add_column('dossiers', sa.Column('return_method', sa.String(length=16), nullable=True))
    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=True),
        sa.Column('run_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_jobs_due', 'jobs', ['status', 'run_at'])
    op.create_index('ix_jobs_dossier_id', 'jobs', ['dossier_id'])


def downgrade() -> None:
    op.drop_index('ix_jobs_dossier_id', table_name='jobs')
    op.drop_index('ix_jobs_due', table_name='jobs')
    op.drop_table('jobs')
    op.drop_column('dossiers', 'return_method')
    op.drop_column('dossiers', 'notices')
    op.drop_column('dossiers', 'finished_at')
    op.drop_column('dossiers', 'deadline_at')
