"""intake: submissions wait for the acceptance decision; a dossier keeps when it was handed in apart from
when it was received; a received dossier is no longer `refused`

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'submissions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reference', sa.String(length=64), nullable=False),
        sa.Column('centre_id', sa.String(length=32), nullable=False),
        sa.Column('procedure_code', sa.String(length=32), nullable=False),
        sa.Column('channel', sa.String(length=16), nullable=False),
        sa.Column('application', sa.JSON(), nullable=False),
        sa.Column('applicant_name', sa.String(length=100), nullable=False),
        sa.Column('components', sa.JSON(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('submitted_by', sa.Integer(), nullable=False),
        sa.Column('request_digest', sa.String(length=64), nullable=False),
        sa.Column('return_method', sa.String(length=16), nullable=False),
        sa.Column('stage', sa.String(length=16), nullable=False),
        sa.Column('notices', sa.JSON(), nullable=False),
        sa.Column('guided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resubmitted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by', sa.Integer(), nullable=True),
        sa.Column('dossier_code', sa.String(length=48), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['centre_id'], ['units.id']),
        sa.ForeignKeyConstraint(['submitted_by'], ['users.id']),
        sa.ForeignKeyConstraint(['decided_by'], ['users.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('reference'),
    )
    op.create_index('ix_submissions_queue', 'submissions', ['centre_id', 'stage', 'submitted_at'])
    op.create_index('ix_submissions_decided', 'submissions', ['centre_id', 'decided_at'])
    with op.batch_alter_table('dossiers') as batch:
        batch.add_column(sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('submission_reference', sa.String(length=64), nullable=True))
        batch.create_unique_constraint('uq_dossiers_submission_reference', ['submission_reference'])
    # Dossiers received before: handed in when they were received.
    op.execute("UPDATE dossiers SET submitted_at = received_at")
    with op.batch_alter_table('dossiers') as batch:
        batch.alter_column('submitted_at', existing_type=sa.DateTime(timezone=True), nullable=False)
    # A dossier refused after it was received (possible before this revision) was received: under the rules
    # now in force it ended as stopped (status 8), and its figures count it so. Its history keeps what was
    # done then; the statistics fold a `refused` after a receipt as `stopped` (engine/domain/stat_spans.py).
    op.execute("UPDATE dossiers SET status = 'stopped' WHERE status = 'refused'")
    op.execute("UPDATE stat_spans SET status = 'stopped' WHERE status = 'refused'")


def downgrade() -> None:
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_constraint('uq_dossiers_submission_reference', type_='unique')
        batch.drop_column('submission_reference')
        batch.drop_column('submitted_at')
    op.drop_index('ix_submissions_decided', table_name='submissions')
    op.drop_index('ix_submissions_queue', table_name='submissions')
    op.drop_table('submissions')
