"""The README's SQL examples run as written (its first writing example used to fail: `at` is a
reserved word in DuckDB 1.4.4). Each block is taken from the README itself, so the two cannot
drift apart; the files and local tables the examples read are made first."""

import os
import re
from pathlib import Path

import duckdb
import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def sql_block_after(heading: str) -> list:
	text = README.read_text()
	section = text[text.index(heading):]
	block = re.search(r"```sql\n(.*?)```", section, re.DOTALL).group(1)
	code = []
	for line in block.splitlines():
		line = line.split("--")[0].strip()
		# `BEGIN; ...; COMMIT;` stands for any transaction, not a statement to run
		if line and "..." not in line:
			code.append(line)
	# A statement may span lines; each ends with a semicolon.
	return [statement.strip() + ";" for statement in " ".join(code).split(";") if statement.strip()]


def test_the_writing_example_runs(server, host, tmp_path, monkeypatch):
	monkeypatch.chdir(tmp_path)  # events.parquet is read and written in the working directory
	con = host(server, "testdb")
	for table in ("events", "daily", "snapshot"):
		con.execute(f"DROP TABLE IF EXISTS cloud.{table}")
	con.execute("COPY (SELECT range::INTEGER AS id, 'view' AS kind, now() - to_days(range::INTEGER) AS ts "
	            "FROM range(200)) TO 'events.parquet'")
	con.execute("CREATE TABLE cloud.daily (day DATE, events BIGINT)")
	con.execute("CREATE TABLE local_fixes AS SELECT 3 AS id, 'click' AS kind")
	con.execute("CREATE TABLE local_table AS SELECT 1 AS x")
	statements = sql_block_after("### Writing")
	assert len(statements) == 7, statements
	for sql in statements:
		con.execute(sql).fetchall()
	assert con.execute("SELECT count(*) FROM cloud.events").fetchone() == (90,)  # the last 90 days kept
	assert con.execute("SELECT kind FROM cloud.events WHERE id = 3").fetchone() == ("click",)
	assert con.execute("SELECT sum(events) FROM cloud.daily").fetchone() == (200,)
	assert con.execute("SELECT * FROM cloud.snapshot").fetchall() == [(1,)]
	assert os.path.getsize("events.parquet") > 0
	for table in ("events", "daily", "snapshot"):
		con.execute(f"DROP TABLE cloud.{table}")


def test_the_time_travel_and_diff_examples_run(server, host):
	con = host(server, "testdb")
	for table in ("orders", "orders_restored"):
		con.execute(f"DROP TABLE IF EXISTS cloud.{table}")
	con.execute("CREATE TABLE cloud.orders AS SELECT range AS id, 'open' AS status FROM range(10)")
	con.execute("SELECT * FROM openduck_create_snapshot('cloud', 'v1')").fetchall()
	con.execute("UPDATE cloud.orders SET status = 'paid' WHERE id < 3")
	con.execute("SELECT * FROM openduck_create_snapshot('cloud', 'v2')").fetchall()
	con.execute("DELETE FROM cloud.orders WHERE id = 9")
	past = sql_block_after("Past states are readable in any query")
	assert len(past) == 4, past
	for sql in past:
		if "INTERVAL" in sql:
			# Minutes ago this test's database did not exist yet: the error says where its history starts.
			with pytest.raises(duckdb.CatalogException, match="has no snapshot at or before .*; its history starts"):
				con.execute(sql)
		else:
			con.execute(sql).fetchall()
	assert con.execute("SELECT count(*) FROM cloud.orders_restored WHERE status = 'open'").fetchone() == (10,)
	diffs = sql_block_after("What changed between two versions")
	assert len(diffs) == 3, diffs
	assert sorted(con.execute(diffs[0]).fetchall()) == \
	    [("added", i, "paid") for i in range(3)] + [("removed", i, "open") for i in range(3)]
	assert len(con.execute(diffs[1]).fetchall()) == 7  # and the delete since v2
	# A day ago this test database did not exist yet.
	with pytest.raises(duckdb.CatalogException, match="has no snapshot at or before .*; its history starts at"):
		con.execute(diffs[2])
	for table in ("orders", "orders_restored"):
		con.execute(f"DROP TABLE cloud.{table}")
