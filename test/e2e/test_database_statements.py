"""The database statements of the extension (CREATE DATABASE [FROM .. AT ..], CREATE SNAPSHOT ..
OF, DROP / UNDROP DATABASE, SHOW OPENDUCK DATABASES) against a real server: every statement,
its errors, which attachment it goes through, and that plain DuckDB keeps its own SHOW
DATABASES and DDL when no OpenDuck database is attached."""

import time

import duckdb
import pytest

COUNT = "SELECT count(*) FROM {}.t"


def row(con, sql):
	rel = con.sql(sql)
	rows = rel.fetchall()
	assert len(rows) == 1, rows
	return dict(zip(rel.columns, rows[0]))


def listed(con):
	return {r[0]: r for r in con.execute("SHOW OPENDUCK DATABASES").fetchall()}


def test_every_statement_round_trips(launcher, host):
	srv = launcher.serve(["src"])
	con = host(srv, "src", alias="cloud")
	con.execute("CREATE TABLE cloud.t AS SELECT range AS id FROM range(1000)")

	created = row(con, "CREATE DATABASE fresh")
	assert created["database"] == "fresh" and "created database 'fresh'" in created["message"], created
	con.execute(srv.attach_sql("fresh", "fresh"))
	assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'fresh'").fetchone()[0] == 0

	named = row(con, "CREATE SNAPSHOT v1 OF src")
	assert named["database"] == "src" and named["snapshot_name"] == "v1", named
	# A commit since v1, else the checkpoint has nothing new and the head stays v1.
	con.execute("INSERT INTO cloud.t VALUES (-1)")
	con.execute("DELETE FROM cloud.t WHERE id = -1")
	unnamed = row(con, "create snapshot of src;")
	assert unnamed["snapshot_name"] is None and unnamed["snapshot_id"] >= named["snapshot_id"], unnamed
	con.execute("INSERT INTO cloud.t SELECT range FROM range(1000, 1500)")

	at_v1 = row(con, "CREATE DATABASE at_v1 FROM src AT (VERSION => 'v1')")
	assert at_v1["source_database"] == "src" and at_v1["source_snapshot_id"] == named["snapshot_id"], at_v1
	by_id = row(con, f"CREATE DATABASE by_id FROM \"src\" AT (VERSION => {named['snapshot_id']})")
	assert by_id["source_snapshot_id"] == named["snapshot_id"], by_id
	head = row(con, "CREATE DATABASE head FROM src")
	for alias in ("at_v1", "by_id", "head"):
		con.execute(srv.attach_sql(alias, alias))
	# Several attached: the statements below go through the current one.
	con.execute("USE cloud")
	assert con.execute(COUNT.format("at_v1")).fetchone()[0] == 1000
	assert con.execute(COUNT.format("by_id")).fetchone()[0] == 1000
	assert con.execute(COUNT.format("head")).fetchone()[0] == 1500, head

	databases = listed(con)
	assert {"src", "fresh", "at_v1", "by_id", "head"} <= set(databases), databases
	name, size_bytes, layer_bytes, snapshots, head_snapshot, created_at, kind = databases["src"]
	assert kind == "native", databases["src"]
	assert size_bytes > 0 and layer_bytes > 0 and snapshots >= 1 and head_snapshot, databases["src"]
	assert list(con.sql("SHOW OPENDUCK DATABASES").columns) == list(
	    con.sql("SELECT * FROM openduck_databases('cloud')").columns)

	con.execute("DETACH head")
	dropped = row(con, "DROP DATABASE head")
	assert "UNDROP DATABASE head" in dropped["message"], dropped
	assert "head" not in listed(con)
	with pytest.raises(duckdb.Error, match="head"):
		con.execute(srv.attach_sql("head", "head"))
	with pytest.raises(duckdb.Error, match="exist"):
		con.execute("DROP DATABASE head")
	restored = row(con, "UNDROP DATABASE head")
	assert restored["database"] == "head", restored
	con.execute(srv.attach_sql("head", "head2"))
	assert con.execute(COUNT.format("head2")).fetchone()[0] == 1500

	# The same rules as the table functions: names taken, a bad name, dropping the attachment's own.
	with pytest.raises(duckdb.CatalogException, match="already exists"):
		con.execute("CREATE DATABASE fresh")
	with pytest.raises(duckdb.Error, match="already"):
		con.execute("UNDROP DATABASE head")
	with pytest.raises(duckdb.Error, match="through an attachment of it"):
		con.execute("DROP DATABASE src")
	with pytest.raises(duckdb.Error, match="through an attachment of it"):
		con.execute("SELECT * FROM openduck_drop_database('cloud', 'src')")
	with pytest.raises(duckdb.Error, match="nope"):
		con.execute("CREATE DATABASE x FROM nope")
	with pytest.raises(duckdb.Error, match="expected VERSION or TIMESTAMP"):
		con.execute("CREATE DATABASE x FROM src AT (SNAPSHOT => 1)")


def test_clone_at_a_timestamp(launcher, host):
	srv = launcher.serve(["src"])
	con = host(srv, "src", alias="cloud")
	con.execute("CREATE TABLE cloud.t AS SELECT range AS id FROM range(10)")
	first = row(con, "CREATE SNAPSHOT first OF src")
	time.sleep(1.1)
	con.execute("INSERT INTO cloud.t VALUES (10)")
	row(con, "CREATE SNAPSHOT OF src")
	with pytest.raises(duckdb.Error, match="no snapshot at or before 2000-01-01.*history starts at"):
		con.execute("CREATE DATABASE old FROM src AT (TIMESTAMP => '2000-01-01 00:00:00')")
	with pytest.raises(duckdb.Error, match="not a timestamp"):
		con.execute("CREATE DATABASE old FROM src AT (TIMESTAMP => 'yesterday')")
	# Far in the future: the newest snapshot, not the first.
	clone = row(con, "CREATE DATABASE now_clone FROM src AT (TIMESTAMP => '2999-01-01 00:00:00')")
	assert clone["source_snapshot_id"] > first["snapshot_id"], clone
	con.execute(srv.attach_sql("now_clone", "now_clone"))
	assert con.execute(COUNT.format("now_clone")).fetchone()[0] == 11


def test_which_attachment_a_statement_goes_through(launcher, host):
	srv = launcher.serve(["a", "b"])
	con = host(srv, "a", alias="first")
	# One OpenDuck attachment: it, whatever the current database.
	assert "a" in listed(con)
	con.execute(srv.attach_sql("b", "second"))
	with pytest.raises(duckdb.BinderException, match=r"several OpenDuck databases are attached \(first, second\).*USE"):
		con.execute("SHOW OPENDUCK DATABASES")
	con.execute("USE second")
	assert {"a", "b"} <= set(listed(con))
	# Names are remote database names, not aliases.
	assert row(con, "CREATE SNAPSHOT s OF a")["database"] == "a"
	with pytest.raises(duckdb.Error, match="second"):
		con.execute("CREATE SNAPSHOT s2 OF second")


def test_plain_duckdb_keeps_its_own_statements(host):
	con = host()
	plain = duckdb.connect()
	for sql in ["SHOW DATABASES", "SELECT database_name FROM duckdb_databases() ORDER BY 1"]:
		assert con.execute(sql).fetchall() == plain.execute(sql).fetchall(), sql
	for sql in ["CREATE TABLE t (i INT)", "INSERT INTO t VALUES (1)", "DROP TABLE t", "CREATE SCHEMA s",
	            "DROP SCHEMA s"]:
		con.execute(sql)
		plain.execute(sql)
	for sql in ["SELEC 1", "CREATE TABLE t (", "DROP TABLE", "SHOW DATABASES x y"]:
		with pytest.raises(duckdb.ParserException) as ours:
			con.execute(sql)
		with pytest.raises(duckdb.ParserException) as theirs:
			plain.execute(sql)
		assert str(ours.value) == str(theirs.value), sql
	# Our forms, with nothing to run them through, say how to attach.
	with pytest.raises(duckdb.BinderException, match="ATTACH 'openduck:"):
		con.execute("CREATE DATABASE x")
	with pytest.raises(duckdb.BinderException, match="ATTACH 'openduck:"):
		con.execute("SHOW OPENDUCK DATABASES")
