"""The attached catalog shows every remote schema, table and view with its real column types,
exactly as the same objects look in a local DuckDB (database `memory` there, `cloud` here).

Uses the session server's database `catdb`, which no other test touches."""

import duckdb
import pytest

import odtest

SETUP = [
	"CREATE SCHEMA sales",
	'CREATE SCHEMA "Odd Schema"',
	"CREATE TABLE main.customers (id INTEGER, name VARCHAR, tags VARCHAR[], info STRUCT(city VARCHAR, zip INTEGER))",
	"CREATE TABLE sales.orders (id BIGINT, customer_id INTEGER, amount DECIMAL(18,3), ordered_at TIMESTAMP, "
	"status ENUM('new', 'paid'), attrs MAP(VARCHAR, DOUBLE))",
	'CREATE TABLE "Odd Schema"."Mixed Case Table" ("Weird ""col""" INTEGER, "space col" VARCHAR, "it\'s" UUID)',
	"CREATE VIEW sales.big_orders AS SELECT id, amount * 2 AS doubled FROM sales.orders WHERE amount > 100",
	"CREATE VIEW main.customer_names AS SELECT upper(name) AS name FROM customers",
	"INSERT INTO main.customers VALUES (1, 'ann', ['a', 'b'], {'city': 'Oslo', 'zip': 150}), (2, 'bob', [], NULL)",
	"INSERT INTO sales.orders VALUES (10, 1, 99.5, '2024-01-01 10:00:00', 'new', MAP {'x': 1.5}), "
	"(11, 1, 250.125, '2024-01-02 11:00:00', 'paid', MAP {}), (12, 2, 1000, NULL, NULL, NULL)",
	"INSERT INTO \"Odd Schema\".\"Mixed Case Table\" VALUES (1, 'one', '550e8400-e29b-41d4-a716-446655440000')",
]


@pytest.fixture(scope="module")
def catalog_setup(server):
	"""Creates the catalog once, through a connection of its own."""
	con = odtest.python_host()
	con.execute(server.attach_sql("catdb"))
	for sql in SETUP:
		odtest.remote(con, "cloud", sql)
	con.close()


@pytest.fixture
def cat(catalog_setup, server, host):
	"""A fresh attachment of catdb (so nothing is cached from the setup) and its local twin."""
	m = odtest.Mirror(host(server, "catdb"))
	for sql in SETUP:
		m.local.execute(sql)
	yield m
	m.close()


def both(cat, template):
	"""`template` with {catalog} = 'cloud' remotely and 'memory' locally."""
	cat.check_pair(template.replace("{catalog}", "cloud"), template.replace("{catalog}", "memory"))


def test_show_all_tables(cat):
	both(cat, "SELECT schema, name, column_names, column_types, temporary FROM (SHOW ALL TABLES) "
	          "WHERE database = '{catalog}' ORDER BY schema, name")


def test_describe_tables_and_views(cat):
	for name in ["customers", "main.customers", "sales.orders", '"Odd Schema"."Mixed Case Table"',
	             "sales.big_orders", "customer_names"]:
		cat.check(f"SELECT column_name, column_type FROM (DESCRIBE {{db}}{name})")


def test_information_schema(cat):
	both(cat, "SELECT table_schema, table_name, table_type FROM information_schema.tables "
	          "WHERE table_catalog = '{catalog}' ORDER BY ALL")
	both(cat, "SELECT table_schema, table_name, column_name, ordinal_position, data_type "
	          "FROM information_schema.columns WHERE table_catalog = '{catalog}' ORDER BY ALL")
	both(cat, "SELECT schema_name FROM information_schema.schemata WHERE catalog_name = '{catalog}' ORDER BY ALL")


def test_duckdb_metadata_functions(cat):
	both(cat, "SELECT schema_name, table_name, column_count FROM duckdb_tables() "
	          "WHERE database_name = '{catalog}' ORDER BY ALL")
	both(cat, "SELECT schema_name, view_name FROM duckdb_views() "
	          "WHERE database_name = '{catalog}' AND NOT internal ORDER BY ALL")
	both(cat, "SELECT schema_name, table_name, column_name, column_index, data_type FROM duckdb_columns() "
	          "WHERE database_name = '{catalog}' ORDER BY ALL")
	both(cat, "SELECT schema_name FROM duckdb_schemas() WHERE database_name = '{catalog}' ORDER BY ALL")


def test_read_tables_in_other_schemas_and_views(cat):
	cat.check("SELECT * FROM {db}sales.orders ORDER BY id")
	cat.check("SELECT * FROM {db}sales.big_orders ORDER BY id")
	cat.check("SELECT * FROM {db}customer_names ORDER BY name")
	cat.check('SELECT "it\'s", "Weird ""col""", "space col" FROM {db}"Odd Schema"."Mixed Case Table"')
	cat.check("SELECT c.name, o.amount FROM {db}customers c JOIN {db}sales.orders o ON o.customer_id = c.id "
	          "ORDER BY o.id")


def test_unknown_table_is_a_catalog_error(cat):
	with pytest.raises(Exception) as remote_error:
		cat.con.execute("SELECT * FROM cloud.sales.no_such_table")
	assert "Catalog Error" in str(remote_error.value)
	assert "no_such_table" in str(remote_error.value)


def test_table_created_after_attach_is_visible(cloud):
	"""A host creating a table through openduck_query sees it in the same attachment (the
	quick start does exactly this)."""
	odtest.remote(cloud, "cloud", "CREATE TABLE cat_late AS SELECT 1 AS x")
	assert cloud.execute("SELECT x FROM cloud.cat_late").fetchall() == [(1,)]
	names = [r[0] for r in cloud.execute("SELECT name FROM (SHOW ALL TABLES) WHERE database = 'cloud'").fetchall()]
	assert "cat_late" in names


def test_the_first_listing_after_use_sees_one_catalog(server, host):
	"""After USE cloud, binding looks up names such as pg_catalog in the remote catalog. Each
	miss once loaded the catalog again, so the first SHOW ALL TABLES joined duckdb_tables() and
	duckdb_columns() from two snapshots (different oids) and listed no remote table."""
	setup = host(server)
	setup.execute("CREATE OR REPLACE TABLE cloud.cat_use (a INTEGER, b VARCHAR)")
	con = host(server)
	con.execute("USE cloud")
	rows = con.execute("SELECT name, column_names FROM (SHOW ALL TABLES) "
	                   "WHERE database = 'cloud' AND name = 'cat_use'").fetchall()
	assert rows == [("cat_use", ["a", "b"])]
	other = host(server)
	other.execute("USE cloud")
	oids = other.execute("SELECT DISTINCT table_oid, 't' FROM duckdb_tables() WHERE table_name = 'cat_use' "
	                     "UNION ALL SELECT DISTINCT table_oid, 'c' FROM duckdb_columns() "
	                     "WHERE table_name = 'cat_use'").fetchall()
	assert len(oids) == 2 and oids[0][0] == oids[1][0], oids


def hosts_after_a_listing(server, host):
	"""Two hosts; the first has listed the catalog, so what the second creates next is new to it."""
	mine, other = host(server), host(server)
	mine.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = 'cloud'").fetchall()
	return mine, other


def test_macros_of_another_host_are_seen_and_expanded_here(server, host):
	# A macro another host creates after this one listed the catalog: the first call re-reads
	# the catalog instead of failing, and the host expands it over its own data too.
	mine, other = hosts_after_a_listing(server, host)
	other.execute("CREATE MACRO cloud.cat_double(a) AS a * 2")
	other.execute("CREATE MACRO cloud.cat_rows(n) AS TABLE SELECT range AS r FROM range(n)")
	try:
		mine.execute("CREATE TABLE local_vals AS SELECT 21 AS v")
		assert mine.execute("SELECT cloud.cat_double(v) FROM local_vals").fetchall() == [(42,)]
		assert mine.execute("SELECT count(*) FROM cloud.cat_rows(4)").fetchall() == [(4,)]
		mine.execute("USE cloud")
		assert mine.execute("SELECT cat_double(v) FROM memory.local_vals").fetchall() == [(42,)]
		other.execute("DROP MACRO cloud.cat_double")
		with pytest.raises(duckdb.CatalogException, match="cat_double"):
			mine.execute("SELECT cat_double(1)").fetchall()
	finally:
		other.execute("DROP MACRO IF EXISTS cloud.cat_double")
		other.execute("DROP MACRO TABLE IF EXISTS cloud.cat_rows")


def test_sequences_run_on_the_worker_and_never_on_the_host(server, host):
	# The worker owns a remote sequence's counter: statements calling nextval/currval run whole
	# there; one that cannot is refused with an error that says why and what to do, never an
	# INTERNAL error from the host's side of the catalog.
	mine, other = hosts_after_a_listing(server, host)
	other.execute("CREATE SEQUENCE cloud.cat_ids START 100")
	other.execute("CREATE TABLE cloud.cat_items (id BIGINT DEFAULT nextval('cat_ids'), name VARCHAR)")
	try:
		# Created by another host after this one listed the catalog: found on first use.
		assert mine.execute("SELECT nextval('cloud.cat_ids')").fetchall() == [(100,)]
		assert other.execute("SELECT currval('cloud.main.cat_ids')").fetchall() == [(100,)]
		# Parameters: a column left out gets its DEFAULT on the worker.
		mine.execute("INSERT INTO cloud.cat_items (name) VALUES (?)", ["param"])
		mine.execute("CREATE TEMP TABLE cat_local AS SELECT 'host' AS n")
		mine.execute("INSERT INTO cloud.cat_items (name) SELECT n FROM cat_local")
		assert mine.execute("SELECT id, name FROM cloud.cat_items ORDER BY id").fetchall() == [
			(101, "param"), (102, "host")]
		# The default names the sequence as this host sees it, through the attached alias.
		mine.execute("CREATE TABLE cloud.cat_more (id BIGINT DEFAULT nextval('cloud.cat_ids'), name VARCHAR)")
		mine.execute("INSERT INTO cloud.cat_more (name) VALUES ('qualified')")
		assert mine.execute("SELECT id FROM cloud.cat_more").fetchall() == [(103,)]
		with pytest.raises(duckdb.BinderException, match=r"nextval\('cloud.main.cat_ids'\).*also reads host data"):
			mine.execute("SELECT nextval('cloud.cat_ids'), n FROM cat_local").fetchall()
		with pytest.raises(duckdb.BinderException, match="it has parameters"):
			mine.execute("SELECT nextval('cloud.cat_ids') + ?", [1]).fetchall()
		with pytest.raises(duckdb.BinderException, match="leave its column out"):
			mine.execute("INSERT INTO cloud.cat_items VALUES (nextval('cloud.cat_ids'), ?)", ["x"])
		# Nothing above advanced it.
		assert other.execute("SELECT nextval('cloud.cat_ids')").fetchall() == [(104,)]
		assert mine.execute(
			"SELECT sequence_name, start_value FROM duckdb_sequences() WHERE database_name = 'cloud'"
		).fetchall() == [("cat_ids", 100)]
	finally:
		other.execute("DROP TABLE IF EXISTS cloud.cat_items")
		other.execute("DROP TABLE IF EXISTS cloud.cat_more")
		other.execute("DROP SEQUENCE IF EXISTS cloud.cat_ids")
	with pytest.raises(duckdb.CatalogException, match="cat_ids"):
		mine.execute("SELECT nextval('cloud.cat_ids')").fetchall()


def test_foreign_keys_within_one_remote_database(server, host):
	# A foreign key between two tables of the remote database is the worker's to enforce, in
	# auto-commit statements and in transactions, with DuckDB's own errors. (As in DuckDB, a
	# FOREIGN KEY names its table in the default database: hence USE.)
	con = host(server)
	con.execute("USE cloud")
	con.execute("CREATE TABLE fk_parent (id INTEGER PRIMARY KEY, name VARCHAR)")
	try:
		con.execute("CREATE TABLE fk_child (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES fk_parent (id))")
		con.execute("INSERT INTO fk_parent VALUES (1, 'one'), (2, 'two')")
		con.execute("INSERT INTO fk_child VALUES (10, 1)")
		with pytest.raises(duckdb.ConstraintException, match="foreign key"):
			con.execute("INSERT INTO fk_child VALUES (11, 3)")
		with pytest.raises(duckdb.ConstraintException, match="foreign key|still referenced"):
			con.execute("DELETE FROM fk_parent WHERE id = 1")
		con.execute("BEGIN")
		con.execute("INSERT INTO fk_parent VALUES (3, 'three')")
		con.execute("INSERT INTO fk_child VALUES (12, 3)")
		con.execute("COMMIT")
		con.execute("CREATE TABLE fk_grandchild (id INTEGER REFERENCES fk_child (id))")
		assert con.execute("SELECT id, parent FROM cloud.fk_child ORDER BY id").fetchall() == [(10, 1), (12, 3)]
	finally:
		for table in ("fk_grandchild", "fk_child", "fk_parent"):
			con.execute(f"DROP TABLE IF EXISTS cloud.{table}")
		con.execute("USE memory")
