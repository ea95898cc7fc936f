"""audit trail append-only; change notifications on PostgreSQL

Revision ID: 0002
Revises: 0001

* ``audit_log`` refuses UPDATE and DELETE (SQLite and PostgreSQL triggers; TRUNCATE too on
  PostgreSQL), so the trail stays append-only even for code that bypasses the app.
* SQLite: tables whose ids other rows and the audit trail refer to are rebuilt with
  ``AUTOINCREMENT``, so an id is never handed out again after the row with the highest id was
  deleted (plain ``INTEGER PRIMARY KEY`` reuses it, which would graft a deleted document's or
  claim's history onto a new one). PostgreSQL sequences never reuse ids. The rebuild runs with
  foreign keys off (``db.migrate`` does that for every SQLite migration) so dropping the old
  table cannot cascade.
* PostgreSQL: a statement-level trigger sends ``NOTIFY sourcetrace_changes`` after inserts into
  ``audit_log``, so other clients (``LISTEN``) learn about commits without polling. Identical
  notifications in one transaction are folded into one by the server.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Parents before children does not matter here (foreign keys are off during migrations).
AUTOINCREMENT_TABLES = ("documents", "alias_groups", "aliases", "excerpts", "claims", "appearances",
                        "external_origins")
MESSAGE = "the audit trail is append-only: entries cannot be changed or deleted"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in AUTOINCREMENT_TABLES:
            with op.batch_alter_table(table, recreate="always", table_kwargs={"sqlite_autoincrement": True}):
                pass
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER IF NOT EXISTS audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    elif dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION sourcetrace_audit_append_only() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION sourcetrace_audit_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION sourcetrace_audit_append_only()"
        )
        op.execute(
            "CREATE OR REPLACE FUNCTION sourcetrace_audit_notify() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('sourcetrace_changes', ''); RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_notify AFTER INSERT ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION sourcetrace_audit_notify()"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_notify ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS sourcetrace_audit_notify()")
        op.execute("DROP FUNCTION IF EXISTS sourcetrace_audit_append_only()")
