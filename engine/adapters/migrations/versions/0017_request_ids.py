"""the request id of the command that wrote each history event (api/observability.py), to find its log lines

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: the events written before, by the worker and by commands run outside a request have none.
    op.add_column('history_events', sa.Column('request_id', sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('history_events') as batch:
        batch.drop_column('request_id')
