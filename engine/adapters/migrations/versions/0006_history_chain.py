"""history hash chain: each event numbered in its dossier, with its predecessor's hash and its own;
the dossier keeps the chain's head (count and last hash); events already written are chained in id order

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_EMPTY = {'sqlite': "X''", 'postgresql': "'\\x'::bytea"}
_GENESIS = {'sqlite': "X'" + '00' * 32 + "'", 'postgresql': "'\\x" + '00' * 32 + "'::bytea"}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # NOT NULL columns with a default are added without rewriting the table (PostgreSQL keeps the default
    # in the catalogue, SQLite in the schema); the back-fill then writes the real values.
    for name, column_type, default in (('seq', sa.Integer(), '0'),
                                       ('prev_hash', sa.LargeBinary(32), _EMPTY[dialect]),
                                       ('hash', sa.LargeBinary(32), _EMPTY[dialect])):
        op.add_column('history_events', sa.Column(name, column_type, nullable=False,
                                                  server_default=sa.text(default)))
    op.add_column('dossiers', sa.Column('history_count', sa.Integer(), nullable=False, server_default=sa.text('0')))
    op.add_column('dossiers', sa.Column('history_head', sa.LargeBinary(32), nullable=False,
                                        server_default=sa.text(_GENESIS[dialect])))

    from engine.adapters.history_chain import backfill
    backfill(op.get_bind())

    # The unique number per dossier also serves every look-up by dossier, so it replaces that index.
    op.drop_index('ix_history_events_dossier_id', table_name='history_events')
    op.create_index('ix_history_events_dossier_seq', 'history_events', ['dossier_id', 'seq'], unique=True)
    if dialect == 'postgresql':
        # Without defaults, a writer that forgets the chain fails instead of writing a broken one. SQLite
        # would rebuild both tables to drop a default (and cannot rebuild `dossiers` under its foreign
        # keys), so there the defaults stay; the repository always writes the columns.
        for table, columns in (('history_events', ('seq', 'prev_hash', 'hash')),
                               ('dossiers', ('history_count', 'history_head'))):
            for column in columns:
                op.alter_column(table, column, server_default=None)


def downgrade() -> None:
    op.drop_index('ix_history_events_dossier_seq', table_name='history_events')
    op.create_index('ix_history_events_dossier_id', 'history_events', ['dossier_id'])
    for column in ('hash', 'prev_hash', 'seq'):
        op.drop_column('history_events', column)
    for column in ('history_head', 'history_count'):
        op.drop_column('dossiers', column)
