"""conference: minimum number of supporting organisations before admission

Revision ID: b7c41d2e9a30
Revises: c3a81f0d5e27
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7c41d2e9a30'
down_revision = 'c3a81f0d5e27'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('conference', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('min_supporters', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.create_check_constraint(
            op.f('ck_conference_min_supporters_not_negative'), 'min_supporters >= 0'
        )


def downgrade():
    with op.batch_alter_table('conference', schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f('ck_conference_min_supporters_not_negative'), type_='check'
        )
        batch_op.drop_column('min_supporters')
