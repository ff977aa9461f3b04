"""agenda positions among siblings

Every agenda item gets its place among its siblings (the top-level items, or the sub-items of
one item), numbered from 1 in the order the agenda showed until now. Only the data changes.

Revision ID: 3c7d52a1e8b4
Revises: b7c41d2e9a30
Create Date: 2026-12-06 09:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c7d52a1e8b4'
down_revision = 'b7c41d2e9a30'
branch_labels = None
depends_on = None


agenda_item = sa.table(
    'agenda_item',
    sa.column('id', sa.Integer),
    sa.column('conference_id', sa.Integer),
    sa.column('parent_id', sa.Integer),
    sa.column('position', sa.Integer),
)


def upgrade():
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            agenda_item.c.id, agenda_item.c.conference_id, agenda_item.c.parent_id
        ).order_by(agenda_item.c.conference_id, agenda_item.c.position, agenda_item.c.id)
    ).all()
    counters: dict = {}
    for row in rows:
        group = (row.conference_id, row.parent_id)
        counters[group] = counters.get(group, 0) + 1
        connection.execute(
            agenda_item.update()
            .where(agenda_item.c.id == row.id)
            .values(position=counters[group])
        )


def downgrade():
    """The earlier numbering ran across the whole agenda; reading order is kept."""
    connection = op.get_bind()
    parents = {}
    rows = connection.execute(
        sa.select(
            agenda_item.c.id,
            agenda_item.c.conference_id,
            agenda_item.c.parent_id,
            agenda_item.c.position,
        )
    ).all()
    for row in rows:
        if row.parent_id is None:
            parents[row.id] = row.position

    def reading_order(row):
        if row.parent_id is None:
            return (row.conference_id, row.position, row.id, 0, 0)
        return (row.conference_id, parents[row.parent_id], row.parent_id, row.position, row.id)

    for position, row in enumerate(sorted(rows, key=reading_order), start=1):
        connection.execute(
            agenda_item.update().where(agenda_item.c.id == row.id).values(position=position)
        )
