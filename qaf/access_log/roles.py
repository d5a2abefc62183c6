"""PostgreSQL roles: migrations run as the owner of the tables; the application connects as a
role that may read and write the tables but may only SELECT and INSERT on the access log, owns
nothing, and so can neither TRUNCATE the log nor drop or disable its trigger.

`qaf db_roles --app-role qaf_app` prints these statements (docs/admin-guide.md, "Database
roles"); run them as the owner role after every `qaf migrate` (they are safe to repeat)."""

ACCESS_LOG_TABLE = "access_log_accesslogentry"


def quote(name: str) -> str:
    """A PostgreSQL identifier, quoted (a role or database name is never pasted in raw)."""
    return '"' + name.replace('"', '""') + '"'


def app_role_grants(*, app_role: str, owner_role: str, database: str) -> list[str]:
    """The statements that give `app_role` exactly what the application needs."""
    app = quote(app_role)
    owner = quote(owner_role)
    db = quote(database)
    log = quote(ACCESS_LOG_TABLE)
    return [
        f"GRANT CONNECT ON DATABASE {db} TO {app};",
        f"GRANT USAGE ON SCHEMA public TO {app};",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {app};",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app};",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {log} FROM {app};",
        # Tables that later migrations create get the same grants.
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app};",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {app};",
    ]
