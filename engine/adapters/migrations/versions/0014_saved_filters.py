"""saved filters: an officer keeps named filters of the inbox and the dossier lists

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'saved_filters',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id'), nullable=False),
        sa.Column('page', sa.String(16), nullable=False),
        sa.Column('name', sa.String(60), nullable=False),
        sa.Column('query', sa.String(500), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint('user_id', 'page', 'name', name='uq_saved_filters_user_page_name'),
    )


def downgrade() -> None:
    op.drop_table('saved_filters')
