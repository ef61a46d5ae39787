"""The README's SQL examples run as written (its first writing example used to fail: `at` is a
reserved word in DuckDB 1.4.4). Each block is taken from the README itself, so the two cannot
drift apart; the files and local tables the examples read are made first."""

import os
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def sql_block_after(heading: str) -> list:
	text = README.read_text()
	section = text[text.index(heading):]
	block = re.search(r"```sql\n(.*?)```", section, re.DOTALL).group(1)
	statements = []
	for line in block.splitlines():
		code = line.split("--")[0].strip()
		# `BEGIN; ...; COMMIT;` stands for any transaction, not a statement to run
		if code and "..." not in code:
			statements.append(code)
	return statements


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
