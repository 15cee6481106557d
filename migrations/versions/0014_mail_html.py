"""Mail: an HTML part and a Reply-To for each mail

Existing mails keep an empty HTML part (they go out as text only, as they were
written) and no Reply-To.

Revision ID: e6a3c4d5f018
Revises: d5f2b3c4e017
Create Date: 2026-12-02 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e6a3c4d5f018'
down_revision = 'd5f2b3c4e017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_html', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), server_default='', nullable=False))


def downgrade():
    with op.batch_alter_table('outgoing_mails', schema=None) as batch_op:
        batch_op.drop_column('reply_to')
        batch_op.drop_column('body_html')
