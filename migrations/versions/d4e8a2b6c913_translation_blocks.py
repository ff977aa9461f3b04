"""translations block by block

A translation keeps, for each block of its version, the translated text and the original
block it translates, so that a new version can carry over the blocks that did not change.
Earlier translations keep an empty column and are read as one text.

Revision ID: d4e8a2b6c913
Revises: e7c41d2a9b60
Create Date: 2026-12-06 10:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4e8a2b6c913'
down_revision = 'e7c41d2a9b60'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('translation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('blocks', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('translation', schema=None) as batch_op:
        batch_op.drop_column('blocks')
