"""files: dossiers and submissions carry files (content-addressed blobs); what was brought per component;
what each step recorded

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('media_type', sa.String(length=32), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('uploaded_by', sa.Integer(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('unit_id', sa.String(length=32), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=True),
        sa.Column('submission_id', sa.Integer(), nullable=True),
        sa.Column('document', sa.Integer(), nullable=True),
        sa.Column('task_id', sa.String(length=36), nullable=True),
        sa.Column('reused_from', sa.Integer(), nullable=True),
        sa.Column('subject_id', sa.String(length=32), nullable=True),
        sa.Column('attached_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['uploaded_by'], ['users.id']),
        sa.ForeignKeyConstraint(['unit_id'], ['units.id']),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossiers.id']),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id']),
        sa.ForeignKeyConstraint(['reused_from'], ['files.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_files_digest', 'files', ['digest'])
    op.create_index('ix_files_dossier_id', 'files', ['dossier_id'])
    op.create_index('ix_files_submission_id', 'files', ['submission_id'])
    op.create_index('ix_files_staged', 'files', ['uploaded_at'],
                    postgresql_where=sa.text('dossier_id IS NULL AND submission_id IS NULL'))
    op.create_index('ix_files_subject', 'files', ['subject_id'], postgresql_where=sa.text('subject_id IS NOT NULL'))
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('data', sa.JSON(), nullable=True))
    with op.batch_alter_table('dossiers') as batch:
        batch.add_column(sa.Column('components', sa.JSON(), nullable=True))
    op.execute("UPDATE dossiers SET components = '[]'")  # dossiers received before recorded none
    with op.batch_alter_table('dossiers') as batch:
        batch.alter_column('components', existing_type=sa.JSON(), nullable=False)
        batch.add_column(sa.Column('result_file_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_dossiers_result_file', 'files', ['result_file_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_constraint('fk_dossiers_result_file', type_='foreignkey')
        batch.drop_column('result_file_id')
        batch.drop_column('components')
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('data')
    op.drop_index('ix_files_subject', table_name='files')
    op.drop_index('ix_files_staged', table_name='files')
    op.drop_index('ix_files_submission_id', table_name='files')
    op.drop_index('ix_files_dossier_id', table_name='files')
    op.drop_index('ix_files_digest', table_name='files')
    op.drop_table('files')
