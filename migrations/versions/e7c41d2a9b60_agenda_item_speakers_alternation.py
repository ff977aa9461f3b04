"""agenda items may order their speakers list differently from the conference

Revision ID: e7c41d2a9b60
Revises: 3c7d52a1e8b4
Create Date: 2026-12-06 10:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7c41d2a9b60'
down_revision = '3c7d52a1e8b4'
branch_labels = None
depends_on = None


def upgrade():
    # Existing items keep following the conference's setting (NULL).
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('speakers_alternation', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_column('speakers_alternation')
