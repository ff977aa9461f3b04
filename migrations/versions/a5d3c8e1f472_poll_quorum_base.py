"""poll quorum base

A poll records whether its quorum counts against the votes present at the opening or against
all accredited votes with voting right, and the weight of the latter. Earlier polls counted
against those present, which the column's default keeps.

Revision ID: a5d3c8e1f472
Revises: d4e8a2b6c913
Create Date: 2026-12-06 16:05:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a5d3c8e1f472'
down_revision = 'd4e8a2b6c913'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('poll', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('quorum_base', sa.String(length=10), nullable=False, server_default='present')
        )
        batch_op.add_column(sa.Column('member_weight', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('poll', schema=None) as batch_op:
        batch_op.drop_column('member_weight')
        batch_op.drop_column('quorum_base')
