"""dossiers across provinces (issue 26): a dossier's part in an exchange, and what this deployment received from
its peers (each package applied once, each nonce seen once)

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossiers') as batch:
        batch.add_column(sa.Column('exchange', sa.JSON(), nullable=True))
    op.create_table(
        'exchange_receipts',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('sender', sa.String(16), nullable=False),
        sa.Column('package_id', sa.String(64), nullable=False),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('digest', sa.String(64), nullable=False),
        sa.Column('dossier_id', sa.Integer(), sa.ForeignKey('dossiers.id'), nullable=True, index=True),
        sa.Column('acknowledgement', sa.JSON(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('sender', 'package_id', name='uq_exchange_receipts_package'),
    )
    op.create_table(
        'exchange_nonces',
        sa.Column('sender', sa.String(16), primary_key=True),
        sa.Column('nonce', sa.String(64), primary_key=True),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table('exchange_nonces')
    op.drop_table('exchange_receipts')
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_column('exchange')
