"""hardening: longer look-up secrets, a failure counter per looked-up code, the request digest behind an
Idempotency-Key

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing secrets (4 characters) keep working; new ones are 10 characters, printed in groups.
    with op.batch_alter_table('dossiers') as batch:
        batch.alter_column('secret', existing_type=sa.String(length=8), type_=sa.String(length=16))
        batch.add_column(sa.Column('request_digest', sa.String(length=64), nullable=True))
    op.create_table(
        'lookup_failures',
        sa.Column('code', sa.String(length=48), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('code'),
    )


def downgrade() -> None:
    op.drop_table('lookup_failures')
    with op.batch_alter_table('dossiers') as batch:
        batch.drop_column('request_digest')
        batch.alter_column('secret', existing_type=sa.String(length=16), type_=sa.String(length=8))
