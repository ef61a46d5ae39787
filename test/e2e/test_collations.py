"""Columns declared with a collation (`VARCHAR COLLATE NOCASE`) compare, sort and group by it
wherever the host evaluates them, as in a local DuckDB: in host-side joins with local tables,
ORDER BY, GROUP BY, DISTINCT, and in statements shipped whole."""

import pytest

import odtest

SETUP = [
	"CREATE TABLE coll (id INTEGER, s VARCHAR COLLATE NOCASE, t VARCHAR COLLATE NOACCENT, "
	"u VARCHAR COLLATE NOCASE.NOACCENT, plain VARCHAR)",
	"INSERT INTO coll VALUES (1, 'Apple', 'café', 'Crème', 'Apple'), (2, 'apple', 'cafe', 'creme', 'apple'), "
	"(3, 'BANANA', 'Cafe', 'CRÈME', 'BANANA'), (4, 'banana', 'naïve', 'brûlée', 'banana'), "
	"(5, NULL, NULL, NULL, NULL), (6, 'cherry', 'naive', 'Brulee', 'cherry')",
]

# Each runs with a small local table `words` beside the remote table, so the statement is hybrid
# and the host evaluates what the worker does not.
QUERIES = [
	"SELECT c.id, w.w FROM {db}coll c JOIN words w ON c.s = w.w ORDER BY ALL",
	"SELECT c.id, w.w FROM {db}coll c JOIN words w ON c.t = w.w ORDER BY ALL",
	"SELECT c.id, w.w FROM {db}coll c JOIN words w ON c.u = w.w ORDER BY ALL",
	"SELECT a.id, b.id FROM {db}coll a JOIN {db}coll b ON a.s = b.s AND a.id < b.id, words WHERE w = 'x' ORDER BY ALL",
	"SELECT count(*) FROM {db}coll c, words w WHERE c.s = c.plain AND w.w = 'x'",
	"SELECT s, count(*) FROM {db}coll, words WHERE w = 'x' GROUP BY s ORDER BY lower(s) NULLS LAST",
	"SELECT count(DISTINCT s), count(DISTINCT t), count(DISTINCT u) FROM {db}coll, words WHERE w = 'x'",
	"SELECT c.id FROM {db}coll c, words w WHERE w.w = 'x' AND c.s IN ('APPLE', 'Cherry') ORDER BY id",
	"SELECT c.id FROM {db}coll c WHERE c.s IN (SELECT w FROM words) ORDER BY id",
	"SELECT c.id FROM {db}coll c WHERE c.s > (SELECT max(w) FROM words WHERE w < 'b') ORDER BY id",
	"SELECT c.id, c.s < w.w FROM {db}coll c, words w WHERE w.w = 'Banana' ORDER BY id",
	# Statements on the remote table alone are shipped whole; their result columns keep the
	# collation, so a host-side comparison over them applies it too.
	"SELECT id, s FROM {db}coll ORDER BY s, id",
	"SELECT s, count(*) FROM {db}coll GROUP BY s ORDER BY count(*), lower(s)",
	"SELECT x.s FROM (SELECT s FROM {db}coll WHERE id < 3) x JOIN words ON x.s = words.w ORDER BY ALL",
	"SELECT count(*) FROM (SELECT DISTINCT s FROM {db}coll) x",
]


def check_placements(mirror, queries, placements=("auto", "local")):
	"""Each query gives the local answer under each openduck_placement."""
	try:
		for placement in placements:
			mirror.con.execute(f"SET openduck_placement = '{placement}'")
			for query in queries:
				mirror.check(query)
	finally:
		mirror.con.execute("RESET openduck_placement")


@pytest.fixture
def coll(mirror):
	for sql in SETUP:
		mirror.execute(sql)
	for con in (mirror.con, mirror.local):
		con.execute("CREATE OR REPLACE TABLE words AS SELECT * FROM (VALUES ('APPLE'), ('Banana'), ('cafe'), "
		            "('NAIVE'), ('creme'), ('brulee'), ('x')) v(w)")
	yield mirror
	mirror.execute("DROP TABLE coll")
	for con in (mirror.con, mirror.local):
		con.execute("DROP TABLE words")


@pytest.mark.parametrize("placement", ["auto", "local", "remote"])
@pytest.mark.parametrize("query", QUERIES)
def test_collated_columns_match_local(coll, query, placement):
	check_placements(coll, [query], [placement])


def test_catalog_lists_collated_columns_like_local(coll):
	# duckdb_columns() lists the type without its collation, on the host as locally.
	listing = ("SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = '{}' "
	           "AND table_name = 'coll' ORDER BY column_index")
	coll.check_pair(listing.format("cloud"), listing.format("memory"))
	row = coll.con.execute("SELECT s = 'APPLE', s < 'B', t = 'cafe' FROM cloud.coll WHERE id = 1").fetchall()
	assert row == [(True, True, True)], row


def test_views_over_collated_columns(coll):
	coll.execute("CREATE VIEW collv AS SELECT id, s AS name FROM coll WHERE id < 5")
	try:
		check_placements(coll, ["SELECT v.id, w.w FROM {db}collv v JOIN words w ON v.name = w.w ORDER BY ALL",
		                        "SELECT name, count(*) FROM {db}collv, words WHERE w = 'x' GROUP BY name "
		                        "ORDER BY lower(name)"])
	finally:
		coll.execute("DROP VIEW collv")


@pytest.mark.parametrize("placement", ["auto", "local", "remote"])
def test_local_collated_table_meets_remote_plain_column(coll, placement):
	# With 'remote' the local table goes to the worker as a temporary table, collation included.
	for con in (coll.con, coll.local):
		con.execute("CREATE OR REPLACE TABLE lw (w VARCHAR COLLATE NOCASE)")
		con.execute("INSERT INTO lw VALUES ('APPLE'), ('Banana'), ('zzz')")
	try:
		check_placements(coll, ["SELECT c.id, lw.w FROM {db}coll c JOIN lw ON c.plain = lw.w ORDER BY ALL",
		                        "SELECT c.id FROM {db}coll c WHERE c.plain IN (SELECT w FROM lw) ORDER BY id"],
		                 [placement])
	finally:
		for con in (coll.con, coll.local):
			con.execute("DROP TABLE lw")


def test_writes_and_copies_keep_the_collation(coll):
	for template in ["UPDATE {db}coll SET plain = 'updated' WHERE s = 'APPLE'",
	                 "DELETE FROM {db}coll WHERE t = 'NAIVE'",
	                 "INSERT INTO {db}coll SELECT 10 + ascii(w), w, w, w, w FROM words WHERE w <> 'x'",
	                 "UPDATE {db}coll SET plain = w FROM words WHERE coll.s = words.w AND coll.id > 10",
	                 "CREATE TABLE copied AS SELECT * FROM {db}coll"]:
		remote_count = coll.con.execute(coll.render(template, True)).fetchall()
		local_count = coll.local.execute(coll.render(template, False)).fetchall()
		assert remote_count == local_count, template
	try:
		coll.check("SELECT * FROM {db}coll ORDER BY id")
		# The local copy made from the remote table compares its column the same way.
		coll.check_pair("SELECT count(*) FROM copied a JOIN copied b ON a.s = b.s",
		                "SELECT count(*) FROM copied a JOIN copied b ON a.s = b.s")
	finally:
		for con in (coll.con, coll.local):
			con.execute("DROP TABLE copied")


def test_default_collation_applies_on_both_sides(coll, server, host):
	# The host's default collation travels with each statement, as TimeZone does, and applies to
	# that statement only: another host keeps comparing byte-wise.
	other = host(server)
	for con in (coll.con, coll.local):
		con.execute("SET default_collation = 'nocase'")
	try:
		check_placements(coll, ["SELECT count(*) FROM {db}coll WHERE plain = 'APPLE'",
		                        "SELECT id FROM {db}coll WHERE 'BlA' = 'bLa' ORDER BY id",
		                        "SELECT c.id, w.w FROM {db}coll c JOIN words w ON c.plain = w.w ORDER BY ALL",
		                        "SELECT plain, count(*) FROM {db}coll GROUP BY plain ORDER BY lower(plain)"])
		assert other.execute("SELECT count(*) FROM cloud.coll WHERE plain = 'APPLE'").fetchall() == [(0,)]
	finally:
		for con in (coll.con, coll.local):
			con.execute("RESET default_collation")


def test_collated_columns_created_through_the_host(mirror):
	# CREATE TABLE, ALTER TABLE ADD COLUMN and CREATE TABLE AS through the attached catalog.
	statements = ["CREATE TABLE {db}hc (id INTEGER, s VARCHAR COLLATE NOCASE)",
	              "INSERT INTO {db}hc VALUES (1, 'Apple'), (2, 'APPLE'), (3, 'pear')",
	              "ALTER TABLE {db}hc ADD COLUMN t VARCHAR COLLATE NOACCENT DEFAULT 'café'",
	              "CREATE TABLE {db}hc2 AS SELECT id, s, t FROM {db}hc"]
	try:
		for statement in statements:
			mirror.con.execute(mirror.render(statement, True))
			mirror.local.execute(mirror.render(statement, False))
		for con in (mirror.con, mirror.local):
			con.execute("CREATE OR REPLACE TABLE probe AS SELECT * FROM (VALUES ('apple'), ('cafe')) v(p)")
		mirror.check("SELECT h.id, p.p FROM {db}hc h JOIN probe p ON h.s = p.p OR h.t = p.p ORDER BY ALL")
		mirror.check("SELECT h.id, p.p FROM {db}hc2 h JOIN probe p ON h.s = p.p ORDER BY ALL")
		mirror.check("SELECT s, count(*) FROM {db}hc2, probe GROUP BY s ORDER BY lower(s)")
	finally:
		for con, prefix in ((mirror.con, "cloud."), (mirror.local, "")):
			con.execute(f"DROP TABLE IF EXISTS {prefix}hc")
			con.execute(f"DROP TABLE IF EXISTS {prefix}hc2")
			con.execute("DROP TABLE IF EXISTS probe")
