"""Delegations accredit their own people: focal points, quotas per category,
credentials letters, invitations to be nominated; who nominated or replaced whom;
how a meeting takes registrations and orders its list of participants

Revision ID: d1f8b9c0e023
Revises: c0e7a8b9d022
Create Date: 2026-12-07 19:50:00.000000

"""

import sqlalchemy as sa
from alembic import op

from meeting_app.models import UTCDateTime

# revision identifiers, used by Alembic.
revision = "d1f8b9c0e023"
down_revision = "c0e7a8b9d022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "registration_mode", sa.String(length=20), nullable=False, server_default="both"
            )
        )
        batch_op.add_column(
            sa.Column(
                "host_country_first", sa.Boolean(), nullable=False, server_default=sa.true()
            )
        )
    op.create_table(
        "focal_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False, server_default=""),
        sa.Column("languages", sa.JSON(), nullable=False, server_default="[]"),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("token_selector", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("link_sent_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["delegation_id"], ["delegations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delegation_id", "email", name="uq_focal_points_delegation_email"),
        sa.UniqueConstraint("token"),
        sa.UniqueConstraint("token_selector"),
    )
    op.create_index("ix_focal_points_delegation_id", "focal_points", ["delegation_id"])
    op.create_table(
        "delegation_quotas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.Enum(native_enum=False, length=32), nullable=False),
        sa.Column("size_limit", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False, server_default="0"),
        sa.CheckConstraint("size_limit >= 0", name="quota_not_negative"),
        sa.ForeignKeyConstraint(["delegation_id"], ["delegations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("delegation_id", "category", name="uq_delegation_quotas_category"),
    )
    op.create_table(
        "delegation_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("dated", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=300), nullable=False),
        sa.Column("uploaded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["delegation_id"], ["delegations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_delegation_credentials_delegation_id", "delegation_credentials", ["delegation_id"]
    )
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nominated_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("replaces_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_participants_nominated_by_id_focal_points",
            "focal_points",
            ["nominated_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            "fk_participants_replaces_id_participants",
            "participants",
            ["replaces_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "nomination_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delegation_id", sa.Integer(), nullable=False),
        sa.Column("focal_point_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("token_selector", sa.String(length=16), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["delegation_id"], ["delegations.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["focal_point_id"], ["focal_points.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
        sa.UniqueConstraint("token_selector"),
    )
    op.create_index(
        "ix_nomination_invitations_delegation_id", "nomination_invitations", ["delegation_id"]
    )


def downgrade():
    op.drop_table("nomination_invitations")
    with op.batch_alter_table("participants", schema=None) as batch_op:
        batch_op.drop_constraint("fk_participants_replaces_id_participants", type_="foreignkey")
        batch_op.drop_constraint(
            "fk_participants_nominated_by_id_focal_points", type_="foreignkey"
        )
        batch_op.drop_column("replaces_id")
        batch_op.drop_column("nominated_by_id")
    op.drop_table("delegation_credentials")
    op.drop_table("delegation_quotas")
    op.drop_table("focal_points")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_column("host_country_first")
        batch_op.drop_column("registration_mode")
