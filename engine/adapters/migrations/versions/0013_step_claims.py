"""step claims: an officer claims a ready step (or a leader assigns it); others see who holds it

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


def downgrade() -> None:
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('claimed_at')
        batch.drop_column('claimed_by')
