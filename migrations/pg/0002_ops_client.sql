-- 0002_ops_client.sql (PostgreSQL) -- as migrations/0002_ops_client.sql.
CREATE INDEX ops_client ON ops(project_id, client, seq);
