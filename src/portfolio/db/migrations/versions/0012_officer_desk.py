"""The officer's desk (issue #21): the team's officers and the one in charge of each project, the follow-up notes,
the reminders, and the documents attached to a project, an application or an organisation (their bytes in a table
of their own beside them), and a partial index of the trail's entries about projects by date (for "Mon suivi"'s
quiet projects). New tables, one new column (``project.officer_id``, empty), an index: no value changes. On a
team's server, the roles that write the records write these too, and those that read them read these.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None
user_version = 12  # PRAGMA user_version once this revision is applied

ONE_SUBJECT = ("(CASE WHEN project_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN application_id IS NULL THEN 0 ELSE 1 END)"
               " + (CASE WHEN organisation_id IS NULL THEN 0 ELSE 1 END) = 1")
TABLES = ("officer", "note", "reminder", "document", "document_content")


def _record_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("uuid", sa.String(length=36), nullable=False),
            sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
            sa.Column("synthetic", sa.Boolean(), server_default="0", nullable=False),
            sa.Column("search_key", sa.Text(), server_default="", nullable=False)]


def _subject_columns() -> list[sa.Column]:  # type: ignore[type-arg]
    return [sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=True),
            sa.Column("application_id", sa.Integer(), sa.ForeignKey("application.id"), nullable=True),
            sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=True)]


def upgrade() -> None:
    op.create_table(
        "officer", *_record_columns(),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("name_key", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("uuid"), sa.UniqueConstraint("name"))
    # (the same words on both engines; SQLite adds a column with its reference without copying the table)
    op.execute("ALTER TABLE project ADD COLUMN officer_id INTEGER REFERENCES officer (id)")
    op.create_index("ix_project_officer_id", "project", ["officer_id"])
    op.create_table(
        "note", *_record_columns(), *_subject_columns(),
        sa.Column("written_on", sa.Date(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.CheckConstraint(ONE_SUBJECT, name="note_one_subject"),
        sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("uuid"))
    op.create_table(
        "reminder", *_record_columns(),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("project.id"), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("officer_id", sa.Integer(), sa.ForeignKey("officer.id"), nullable=True),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("uuid"))
    op.create_table(
        "document", *_record_columns(), *_subject_columns(),
        sa.Column("contact_id", sa.Integer(), sa.ForeignKey("contact.id"), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("added_on", sa.Date(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.CheckConstraint(ONE_SUBJECT, name="document_one_subject"),
        sa.CheckConstraint("size >= 0", name="document_size"),
        sa.PrimaryKeyConstraint("id"), sa.UniqueConstraint("uuid"))
    op.create_table(
        "document_content",
        sa.Column("document_uuid", sa.String(length=36), sa.ForeignKey("document.uuid"), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("document_uuid"))
    # a project's last note, and a period's notes with their project, from the indexes alone ("Mon suivi")
    op.create_index("ix_note_project_written", "note", ["project_id", "written_on"])
    op.create_index("ix_note_written_on", "note", ["written_on", "project_id"])
    for table, columns in (("note", ("application_id", "organisation_id")),
                           ("reminder", ("project_id", "due_on", "officer_id")),
                           ("document", ("project_id", "application_id", "organisation_id", "contact_id"))):
        for column in columns:
            op.create_index(f"ix_{table}_{column}", table, [column])
    # the trail's entries about projects by date: "Mon suivi" finds the projects changed lately without reading the
    # whole trail (an index only: the trail's rows are not touched)
    op.create_index("ix_audit_project_at", "audit_entry", ["at_utc", "source", "record_uuid"],
                    sqlite_where=sa.text("entity = 'project'"), postgresql_where=sa.text("entity = 'project'"))
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":  # who writes the projects writes these; who reads them reads these
        for privilege, rights in (("UPDATE", "SELECT, INSERT, UPDATE, DELETE"), ("SELECT", "SELECT")):
            for (role,) in bind.exec_driver_sql(
                    "SELECT DISTINCT grantee FROM information_schema.role_table_grants WHERE table_name = "
                    f"'project' AND privilege_type = '{privilege}' AND grantee <> current_user"):
                op.execute(f'GRANT {rights} ON {", ".join(TABLES)} TO "{role}"')


def downgrade() -> None:
    op.drop_index("ix_audit_project_at", table_name="audit_entry")
    for table in reversed(TABLES[1:]):
        op.drop_table(table)
    op.drop_index("ix_project_officer_id", table_name="project")
    op.execute("ALTER TABLE project DROP COLUMN officer_id")  # (SQLite 3.35+ too: a reference of its own only)
    op.drop_table("officer")  # (once nothing refers to it)
