"""Several hosts on one database: what one host changes must never make another read wrong
values."""

import pytest


@pytest.mark.parametrize("query, params", [
	("SELECT * FROM cloud.{t}", None),             # shipped whole to the worker
	("SELECT * FROM cloud.{t} WHERE ? = 1", [1]),  # parameters: a remote scan on the host
], ids=["shipped", "scanned"])
def test_a_table_recreated_with_other_types_is_never_read_under_the_old_ones(server, host, query, params):
	table = "mh_retyped_" + ("p" if params else "s")
	sql = query.format(t=table)
	a = host(server)
	b = host(server)
	a.execute(f"CREATE OR REPLACE TABLE cloud.{table} AS SELECT 1 AS i")
	assert b.execute(sql, params).fetchall() == [(1,)]
	a.execute(f"DROP TABLE cloud.{table}")
	a.execute(f"CREATE TABLE cloud.{table} AS SELECT 'x' AS i")
	# b still has the INTEGER definition: reading the VARCHAR as INTEGER used to return (0,)
	with pytest.raises(Exception) as error:
		b.execute(sql, params).fetchall()
	message = str(error.value)
	assert "is VARCHAR there, INTEGER here" in message and "run the statement again" in message
	assert b.execute(sql, params).fetchall() == [("x",)]
