"""audit entries commit to a salted digest of their data

Revision ID: c3a81f0d5e27
Revises: 9f2b10f62e05
Create Date: 2026-12-06 09:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a81f0d5e27'
down_revision = '9f2b10f62e05'
branch_labels = None
depends_on = None


def upgrade():
    # Existing entries keep no salt: their hashes cover their data, as when they were written.
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('salt', sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_column('salt')
