-- 0002_ops_client.sql -- finds a client's push by (client, seq) without
-- scanning the project's ops, for acknowledging resent pushes.
CREATE INDEX ops_client ON ops(project_id, client, seq);
