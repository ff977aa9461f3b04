"""trustees and encrypted polls

A conference's trustees hold the key of its secret polls in shares (key_ceremony, trustee,
sealed_share); an encrypted poll records its key and, after the close, its encrypted totals
(poll.encryption) and waits in the new state "counting" until enough trustees have decrypted
them (poll_decryption). Earlier polls keep encryption empty and read as before.

Revision ID: f1b2c3d4e5a6
Revises: a5d3c8e1f472
Create Date: 2026-12-06 17:10:00.000000

"""
from alembic import op
import sqlalchemy as sa

import participation.models.base


# revision identifiers, used by Alembic.
revision = 'f1b2c3d4e5a6'
down_revision = 'a5d3c8e1f472'
branch_labels = None
depends_on = None

OLD_STATES = "state IN ('draft', 'open', 'closed', 'cancelled')"
NEW_STATES = "state IN ('draft', 'open', 'counting', 'closed', 'cancelled')"


def upgrade():
    op.create_table(
        'key_ceremony',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('conference_id', sa.Integer(), nullable=False),
        sa.Column('threshold', sa.Integer(), nullable=False),
        sa.Column('trustee_count', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('public_key', sa.String(length=64), nullable=True),
        sa.Column('failure', sa.String(length=200), nullable=True),
        sa.Column('created_at', participation.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('dealing', 'ready', 'failed', 'retired')",
            name=op.f('ck_key_ceremony_state_valid'),
        ),
        sa.CheckConstraint(
            'threshold >= 1 AND threshold <= trustee_count',
            name=op.f('ck_key_ceremony_threshold_valid'),
        ),
        sa.ForeignKeyConstraint(
            ['conference_id'], ['conference.id'],
            name=op.f('fk_key_ceremony_conference_id_conference'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_key_ceremony')),
    )
    op.create_index(
        op.f('ix_key_ceremony_conference_id'), 'key_ceremony', ['conference_id'], unique=False
    )
    op.create_table(
        'trustee',
        sa.Column('ceremony_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('transport_key', sa.String(length=64), nullable=True),
        sa.Column('dealing', sa.JSON(), nullable=True),
        sa.Column('confirmed', sa.Boolean(), nullable=False),
        sa.CheckConstraint('number >= 1', name=op.f('ck_trustee_number_positive')),
        sa.ForeignKeyConstraint(
            ['ceremony_id'], ['key_ceremony.id'],
            name=op.f('fk_trustee_ceremony_id_key_ceremony'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['person_id'], ['person.id'],
            name=op.f('fk_trustee_person_id_person'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('ceremony_id', 'number', name=op.f('pk_trustee')),
    )
    op.create_index(op.f('ix_trustee_person_id'), 'trustee', ['person_id'], unique=False)
    op.create_table(
        'sealed_share',
        sa.Column('ceremony_id', sa.Integer(), nullable=False),
        sa.Column('sender', sa.Integer(), nullable=False),
        sa.Column('receiver', sa.Integer(), nullable=False),
        sa.Column('sealed', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ['ceremony_id'], ['key_ceremony.id'],
            name=op.f('fk_sealed_share_ceremony_id_key_ceremony'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('ceremony_id', 'sender', 'receiver', name=op.f('pk_sealed_share')),
    )
    op.create_table(
        'poll_decryption',
        sa.Column('poll_id', sa.Integer(), nullable=False),
        sa.Column('trustee', sa.Integer(), nullable=False),
        sa.Column('partial', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ['poll_id'], ['poll.id'],
            name=op.f('fk_poll_decryption_poll_id_poll'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('poll_id', 'trustee', name=op.f('pk_poll_decryption')),
    )
    with op.batch_alter_table('poll', schema=None) as batch_op:
        batch_op.add_column(sa.Column('encryption', sa.JSON(), nullable=True))
        batch_op.drop_constraint(op.f('ck_poll_state_valid'), type_='check')
        batch_op.create_check_constraint('state_valid', NEW_STATES)


def downgrade():
    with op.batch_alter_table('poll', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_poll_state_valid'), type_='check')
        batch_op.create_check_constraint('state_valid', OLD_STATES)
        batch_op.drop_column('encryption')
    op.drop_table('poll_decryption')
    op.drop_table('sealed_share')
    op.drop_index(op.f('ix_trustee_person_id'), table_name='trustee')
    op.drop_table('trustee')
    op.drop_index(op.f('ix_key_ceremony_conference_id'), table_name='key_ceremony')
    op.drop_table('key_ceremony')
