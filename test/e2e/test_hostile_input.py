"""Extreme but legal input through OpenDuck gives what plain DuckDB gives (issue #18, hostile
input): huge identifiers, thousands of columns, deeply nested types, long VALUES lists, deep
expressions. Each result is compared with a local DuckDB running the same SQL."""



def _both(mirror, sql):
	"""Runs DDL/DML `sql` ({db} = the table prefix) on the remote database and locally."""
	mirror.con.execute(mirror.render(sql, True))
	mirror.local.execute(mirror.render(sql, False))


def test_a_ten_thousand_character_identifier(mirror):
	name = "h_" + "x" * 10000
	_both(mirror, f'CREATE OR REPLACE TABLE {{db}}"{name}" ("{name}" INTEGER)')
	_both(mirror, f'INSERT INTO {{db}}"{name}" VALUES (7)')
	mirror.check(f'SELECT "{name}" FROM {{db}}"{name}"')
	_both(mirror, f'DROP TABLE {{db}}"{name}"')


def test_a_table_of_ten_thousand_columns(mirror):
	columns = ", ".join(f"c{i} INTEGER" for i in range(10000))
	_both(mirror, f"CREATE OR REPLACE TABLE {{db}}h_wide ({columns})")
	_both(mirror, "INSERT INTO {db}h_wide (c0, c5000, c9999) VALUES (1, 2, 3)")
	mirror.check("SELECT * FROM {db}h_wide")
	mirror.check("SELECT c9999, c0 FROM {db}h_wide WHERE c5000 = 2")
	_both(mirror, "DROP TABLE {db}h_wide")


def test_a_type_nested_three_hundred_levels(mirror):
	"""Arrow C++ and pyarrow stop at 64 levels; DuckDB has no limit and OpenDuck carries 512."""
	nested = "INTEGER"
	value = "42"
	for _ in range(300):
		nested = f"STRUCT(a {nested})"
		value = f"{{'a': {value}}}"
	_both(mirror, f"CREATE OR REPLACE TABLE {{db}}h_nested (x {nested})")
	_both(mirror, f"INSERT INTO {{db}}h_nested VALUES ({value})")
	mirror.check("SELECT x FROM {db}h_nested")
	mirror.check("SELECT x" + ".a" * 300 + " FROM {db}h_nested")
	_both(mirror, "DROP TABLE {db}h_nested")


def test_a_type_nested_deeper_than_openduck_carries_is_a_clear_error(cloud):
	nested = "INTEGER"
	for _ in range(600):
		nested = f"STRUCT(a {nested})"
	cloud.execute(f"CREATE OR REPLACE TABLE cloud.h_too_deep (x {nested})")
	try:
		cloud.execute("SELECT * FROM cloud.h_too_deep").fetchall()
		raise AssertionError("a 600-level type travelled")
	except Exception as e:  # noqa: BLE001 - the message is what is checked
		assert "deeper than 512 levels" in str(e), e
	finally:
		cloud.execute("DROP TABLE cloud.h_too_deep")


def test_a_hundred_thousand_row_values_list_and_a_deep_expression(mirror):
	values = ",".join(f"({i}, 'v{i}')" for i in range(100000))
	_both(mirror, "CREATE OR REPLACE TABLE {db}h_values (i INTEGER, s VARCHAR)")
	_both(mirror, f"INSERT INTO {{db}}h_values VALUES {values}")
	mirror.check("SELECT count(*), sum(i), max(s) FROM {db}h_values")
	mirror.check("SELECT " + "(" * 500 + "i" + ")" * 500 + " + 1 AS x FROM {db}h_values WHERE i < 3 ORDER BY x")
	_both(mirror, "DROP TABLE {db}h_values")
