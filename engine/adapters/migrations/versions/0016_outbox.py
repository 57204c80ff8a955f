"""the transactional outbox (messages to the national portal and notices to citizens), the units' electronic
identifiers (mã định danh, Decision 20/2020), and the citizen's contact and consent on dossiers and submissions

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'outbox',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), primary_key=True),
        sa.Column('destination', sa.String(16), nullable=False),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('stream', sa.String(64), nullable=False),
        sa.Column('key', sa.String(128), nullable=False, unique=True),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossiers.id'), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_error', sa.String(500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    )
    # The worker's question: the due messages still to deliver (a small part of the table), oldest first.
    op.create_index('ix_outbox_undelivered', 'outbox', ['next_attempt_at', 'id'],
                    postgresql_where=sa.text("status <> 'delivered'"), sqlite_where=sa.text("status <> 'delivered'"))
    # Is an earlier message of the stream still undelivered? (order within a stream)
    op.create_index('ix_outbox_stream_undelivered', 'outbox', ['stream', 'id'],
                    postgresql_where=sa.text("status <> 'delivered'"), sqlite_where=sa.text("status <> 'delivered'"))
    op.create_index('ix_outbox_dossier_id', 'outbox', ['dossier_id'])
    op.add_column('units', sa.Column('agency_code', sa.String(32), nullable=True))
    op.create_index('ix_units_agency_code', 'units', ['agency_code'], unique=True)
    op.add_column('dossiers', sa.Column('contact', sa.JSON(), nullable=True))
    op.add_column('submissions', sa.Column('contact', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submissions') as batch:
        batch.drop_column('contact')
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_column('contact')
    op.drop_index('ix_units_agency_code', table_name='units')
    with op.batch_alter_table('units') as batch:
        batch.drop_column('agency_code')
    op.drop_table('outbox')
