"""step claims: an officer claims a ready step (or a leader assigns it); others see who holds it; a step
re-opened by a send-back keeps the reason

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('claimed_by', sa.Integer(), sa.ForeignKey('users.id', name='fk_tasks_claimed_by'),
                                   nullable=True))
        batch.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('sent_back_reason', sa.String(length=1000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('sent_back_reason')
        batch.drop_column('claimed_at')
        batch.drop_column('claimed_by')
