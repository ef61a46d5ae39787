"""Arrow IPC interoperability of OpenDuck's codec (src/arrow) with pyarrow, driven through
`openduck_ipc_tool` (test/tools):

* DuckDB -> our IPC -> pyarrow equals what duckdb-python's own .arrow() returns for the same SQL
  (field types and values; our per-field metadata aside), with DuckDB's default Arrow conversion
  and with the lossless one the server uses;
* pyarrow-written IPC -> our reader -> DuckDB table equals what duckdb-python reads from the
  same pyarrow table: dictionaries (replacement and delta), validity bitmaps, sliced arrays,
  many batches, and Arrow types DuckDB itself never writes;
* DuckDB -> our IPC -> our reader -> DuckDB is exact, column types included.

Values are compared twice: as Python objects where pyarrow can convert them, and always as
DuckDB's VARCHAR rendering of every row (covers values Python cannot hold, NaN, ...).
"""

import re
import struct
import subprocess

import duckdb
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

import odtest
from type_cases import TYPE_CASES, wide_table_sql

TOOL = odtest.BUILD_DIR / "openduck_ipc_tool"
LOSSLESS = "SET arrow_lossless_conversion = true"
MODES = {"default": None, "lossless": LOSSLESS}


@pytest.fixture(scope="module")
def tool():
	if not TOOL.exists():
		pytest.fail(f"{TOOL} is not built (target openduck_ipc_tool; or set OPENDUCK_BUILD_DIR)")
	return str(TOOL)


def run_tool(tool, *args):
	done = subprocess.run([tool, *map(str, args)], capture_output=True, text=True, timeout=300)
	assert done.returncode == 0, f"openduck_ipc_tool {args[0]} failed: {done.stderr}"


def literal(value):
	"""Numeric literals as strings: the cast from VARCHAR is exact (-170141183460469231731687303715884105728
	as a literal is the negation of a number beyond HUGEINT)."""
	return f"'{value}'" if re.fullmatch(r"-?[0-9.]+(e-?[0-9]+)?", value) else value


def case_sql(case):
	rows = [f"SELECT {i} AS id, CAST({literal(v)} AS {case.type}) AS v"
	        for i, v in enumerate(case.values + ["NULL"], 1)]
	return "SELECT * FROM (" + " UNION ALL ".join(rows) + ") ORDER BY id"


def as_table(result):
	return result.read_all() if hasattr(result, "read_all") else result


def duckdb_arrow(sql, setup=None):
	con = duckdb.connect()
	if setup:
		con.execute(setup)
	return as_table(con.sql(sql).arrow())


def write_ours(tool, path, sql, setup=None, rows_per_batch=1, codec="none"):
	run_tool(tool, "write", (setup + "; " if setup else "") + sql, path, rows_per_batch, codec)


def exported_by_duckdb(tool, tmp_path, sql, setup):
	"""duckdb-python's .arrow() for `sql`, or None after checking that our writer fails with the
	same error where DuckDB cannot convert a value (HUGEINT minimum -> decimal128 by default)."""
	try:
		return duckdb_arrow(sql, setup)
	except duckdb.Error as e:
		done = subprocess.run([tool, "write", (setup + "; " if setup else "") + sql, tmp_path / "x.arrows"],
		                      capture_output=True, text=True)
		assert done.returncode == 1 and str(e).splitlines()[0] in done.stderr, done.stderr
		return None


def read_with_pyarrow(path):
	with open(path, "rb") as f:
		return ipc.open_stream(f.read()).read_all()


def rendered_rows(table):
	"""Every row of an Arrow table rendered by DuckDB (one deterministic function for both sides)."""
	con = duckdb.connect()
	con.register("t", table)
	# DuckDB cannot render every value it exports (decimal128(38, 0) holding the HUGEINT
	# minimum); then both sides must fail alike.
	return render(con, "t")


def python_values(column):
	try:
		return repr(column.to_pylist())
	except (ValueError, OverflowError):
		return None  # e.g. years past 9999: covered by rendered_rows only


def misdeclared_nested_bool8(field):
	"""DuckDB 1.4.4's lossless export declares BOOLEANs nested in LIST/STRUCT/MAP as arrow.bool8
	but writes them bit-packed, so pyarrow reads garbage from DuckDB's own stream; ours declares
	plain booleans, which is what the data is. Such columns are checked for that declaration
	here, and for their values by the end-to-end type tests."""
	return str(field.type) != "extension<arrow.bool8>" and "extension<arrow.bool8>" in str(field.type)


def sent_as_varchar(field):
	"""The VARCHAR-for-BIT/BIGNUM type a column of ours travels as, or None. DuckDB 1.4.4 writes
	those two in the string-view layout from Arrow format 1.4 on but declares them as plain binary,
	so ours sends their text (exact both ways) and names the type in openduck.duckdb_type."""
	exact = (field.metadata or {}).get(b"openduck.duckdb_type", b"").decode()
	wire = re.sub(r"\b(BIT|BIGNUM)\b", "VARCHAR", exact)
	return wire if wire != exact else None


def assert_tables_equal(ours, expected, sql=None):
	wire_types = {field.name: sent_as_varchar(field) for field in ours.schema}
	ours = ours.replace_schema_metadata(None)
	assert ours.num_rows == expected.num_rows
	assert ours.schema.names == expected.schema.names
	checked = []
	for i, field in enumerate(expected.schema):
		if wire_types[field.name]:
			assert sql, f"column {field.name} travels as {wire_types[field.name]}: pass the SQL to compare its text"
			con = duckdb.connect()
			setup, _, query = sql.rpartition("; ")
			if setup:
				con.execute(setup)
			text = as_table(con.sql(f'SELECT CAST("{field.name}" AS {wire_types[field.name]}) AS v FROM ({query})').arrow())
			assert ours.schema.field(i).type == text.schema.field(0).type, f"column {field.name}"
			assert ours.column(i).to_pylist() == text.column(0).to_pylist(), f"column {field.name}"
			continue
		if misdeclared_nested_bool8(field):
			assert str(ours.schema.field(i).type) == str(field.type).replace("extension<arrow.bool8>", "bool"), \
			    f"column {field.name}: {ours.schema.field(i).type}"
			continue
		checked.append(i)
		assert ours.schema.field(i).type == field.type, f"column {field.name}: {ours.schema.field(i).type}"
		assert python_values(ours.column(i)) == python_values(expected.column(i)), f"column {field.name}"
	assert rendered_rows(ours.select(checked)) == rendered_rows(expected.select(checked))


def write_with_pyarrow(path, table, max_chunksize=None, **options):
	with open(path, "wb") as f:
		with ipc.new_stream(f, table.schema, options=ipc.IpcWriteOptions(**options)) as writer:
			writer.write_table(table, max_chunksize=max_chunksize)


def read_into_duckdb(tool, tmp_path, stream_path):
	db = tmp_path / "read.duckdb"
	if db.exists():
		db.unlink()
	run_tool(tool, "read", stream_path, db, "t")
	return duckdb.connect(str(db))


def render(con, relation):
	"""Rows rendered as VARCHAR by DuckDB, or the error DuckDB raises while rendering them."""
	try:
		return con.execute(f"SELECT r::VARCHAR FROM {relation} r").fetchall()
	except duckdb.Error as e:
		return str(e)


def assert_reader_matches_duckdb(tool, tmp_path, table, **write_options):
	"""Our reader on a pyarrow-written stream == duckdb-python scanning the same table."""
	stream = tmp_path / "in.arrows"
	write_with_pyarrow(stream, table, **write_options)
	reference = duckdb.connect()
	try:
		reference.register("src", table)
		reference.execute("CREATE TABLE ref AS FROM src")
	except duckdb.Error as e:
		# A value DuckDB's Arrow import rejects must be rejected by our reader the same way.
		done = subprocess.run([tool, "read", stream, tmp_path / "rejected.duckdb", "t"], capture_output=True, text=True)
		assert done.returncode == 1 and str(e).splitlines()[0] in done.stderr, done.stderr
		return
	ours = read_into_duckdb(tool, tmp_path, stream)
	assert [str(t) for t in ours.sql("FROM t").types] == [str(t) for t in reference.sql("FROM ref").types]
	assert render(ours, "t") == render(reference, "ref")


# ---------------------------------------------------------------------------------------------
# DuckDB -> our IPC -> pyarrow
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", TYPE_CASES, ids=lambda c: c.name)
def test_our_stream_read_by_pyarrow(tool, tmp_path, case, mode):
	sql = case_sql(case)
	expected = exported_by_duckdb(tool, tmp_path, sql, MODES[mode])
	if expected is None:
		return
	stream = tmp_path / "out.arrows"
	write_ours(tool, stream, sql, MODES[mode])
	ours = read_with_pyarrow(stream)
	assert len(ours.to_batches()) > 1
	assert ours.schema.field("v").metadata[b"openduck.duckdb_type"].decode() == str(duckdb.sql(sql).types[1])
	assert_tables_equal(ours, expected, sql)


@pytest.mark.parametrize("codec", ["lz4", "zstd"])
def test_our_compressed_stream_read_by_pyarrow_and_by_us(tool, tmp_path, codec):
	"""Body compression as the Arrow format defines it: pyarrow reads every type case of our
	compressed stream (incompressible buffers travel raw, marked by length -1), and so do we."""
	for case in TYPE_CASES:
		sql = case_sql(case)
		expected = exported_by_duckdb(tool, tmp_path, sql, LOSSLESS)
		if expected is None:
			continue
		stream = tmp_path / "out.arrows"
		write_ours(tool, stream, sql, LOSSLESS, rows_per_batch=2, codec=codec)
		assert_tables_equal(read_with_pyarrow(stream), expected, sql)
		con = read_into_duckdb(tool, tmp_path, stream)
		assert con.execute("SELECT r::VARCHAR FROM t r").fetchall() == \
			con.execute(f"SELECT r::VARCHAR FROM ({sql}) r").fetchall(), sql
		con.close()  # the next case's file has the same name
	sql = "SELECT range AS i, 'text ' || (range % 100) AS s, range::DOUBLE / 7 AS d FROM range(200000)"
	plain, packed = tmp_path / "plain.arrows", tmp_path / "packed.arrows"
	write_ours(tool, plain, sql, rows_per_batch=50000)
	write_ours(tool, packed, sql, rows_per_batch=50000, codec=codec)
	assert packed.stat().st_size * 2 < plain.stat().st_size
	assert read_with_pyarrow(packed).equals(read_with_pyarrow(plain))
	con = read_into_duckdb(tool, tmp_path, packed)
	assert con.execute("SELECT count(*), sum(i), count(DISTINCT s), count(DISTINCT d), max(d) FROM t").fetchall() == \
		con.execute(f"SELECT count(*), sum(i), count(DISTINCT s), count(DISTINCT d), max(d) FROM ({sql})").fetchall()


@pytest.mark.parametrize("codec", ["lz4", "zstd"])
def test_pyarrow_compressed_stream_read_by_us(tool, tmp_path, codec):
	table = pa.table({"i": pa.array(range(100000), pa.int64()),
	                  "s": pa.array([f"value {i % 37}" if i % 5 else None for i in range(100000)]),
	                  "l": pa.array([[i, i + 1] for i in range(100000)], pa.list_(pa.int32()))})
	assert_reader_matches_duckdb(tool, tmp_path, table, max_chunksize=30000, compression=codec)


@pytest.mark.parametrize("mode", MODES)
def test_wide_table_read_by_pyarrow(tool, tmp_path, mode):
	sql = wide_table_sql("w") + "; SELECT * FROM w ORDER BY id"
	expected = exported_by_duckdb(tool, tmp_path, sql, MODES[mode])
	if expected is None:
		return
	stream = tmp_path / "out.arrows"
	write_ours(tool, stream, sql, MODES[mode], rows_per_batch=1)
	ours = read_with_pyarrow(stream)
	assert len(ours.to_batches()) == 3
	assert_tables_equal(ours, expected, sql)


def test_many_batches_and_empty_results_read_by_pyarrow(tool, tmp_path):
	sql = ("SELECT i, i::VARCHAR AS s, CASE WHEN i % 7 = 0 THEN NULL ELSE [i, i + 1] END AS l, "
	       "(['x', 'y', 'z'][i % 3 + 1])::ENUM('x', 'y', 'z') AS e FROM range(100000) t(i)")
	stream = tmp_path / "many.arrows"
	write_ours(tool, stream, sql, rows_per_batch=5000)
	ours = read_with_pyarrow(stream)
	assert len(ours.to_batches()) >= 10
	assert_tables_equal(ours, duckdb_arrow(sql))

	empty = tmp_path / "empty.arrows"
	write_ours(tool, empty, "SELECT 1::INTEGER AS a, 'x'::ENUM('x') AS e WHERE false")
	table = read_with_pyarrow(empty)
	assert table.num_rows == 0
	assert table.schema.types == duckdb_arrow("SELECT 1::INTEGER AS a, 'x'::ENUM('x') AS e").schema.types


# ---------------------------------------------------------------------------------------------
# DuckDB -> our IPC -> our reader -> DuckDB
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", TYPE_CASES, ids=lambda c: c.name)
def test_round_trip_is_exact(tool, tmp_path, case, mode):
	sql = case_sql(case)
	stream = tmp_path / "out.arrows"
	write_ours(tool, stream, sql, MODES[mode])
	con = read_into_duckdb(tool, tmp_path, stream)
	assert con.sql("FROM t").types == con.sql(sql).types
	assert con.execute("SELECT r::VARCHAR FROM t r").fetchall() == \
		con.execute(f"SELECT r::VARCHAR FROM ({sql}) r").fetchall()


def test_round_trip_many_batches(tool, tmp_path):
	sql = ("SELECT i, i::VARCHAR || '🦆' AS s, {'k': i, 'm': MAP {i: [i::DOUBLE / 3]}} AS st, "
	       "(['x', 'y'][i % 2 + 1])::ENUM('x', 'y') AS e FROM range(54321) t(i)")
	stream = tmp_path / "out.arrows"
	write_ours(tool, stream, sql, LOSSLESS, rows_per_batch=3000)
	con = read_into_duckdb(tool, tmp_path, stream)
	assert con.sql("FROM t").types == con.sql(sql).types
	assert con.execute(f"SELECT count(*) FROM (FROM t EXCEPT ALL ({sql}))").fetchone()[0] == 0
	assert con.execute("SELECT count(*) FROM t").fetchone()[0] == 54321


# ---------------------------------------------------------------------------------------------
# pyarrow -> our reader -> DuckDB
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", TYPE_CASES, ids=lambda c: c.name)
def test_pyarrow_stream_read_by_us(tool, tmp_path, case):
	table = duckdb_arrow(case_sql(case))
	assert_reader_matches_duckdb(tool, tmp_path, table, max_chunksize=2)


def test_pyarrow_only_types_read_by_us(tool, tmp_path):
	n = 9
	def nulls_every(k, values):
		return [None if i % k == 0 else v for i, v in enumerate(values)]
	table = pa.table({
		"large_string": pa.array(nulls_every(3, [f"s{i}é" for i in range(n)]), pa.large_string()),
		"large_binary": pa.array(nulls_every(4, [bytes([i, 0, 255]) for i in range(n)]), pa.large_binary()),
		"string_view": pa.array(nulls_every(2, ["short", "a string longer than twelve bytes"] * 4 + ["x"]),
		                        pa.string_view()),
		"large_list": pa.array(nulls_every(5, [[i, None] for i in range(n)]), pa.large_list(pa.int16())),
		"fixed_list": pa.array(nulls_every(3, [[i, i + 1] for i in range(n)]), pa.list_(pa.int64(), 2)),
		"fixed_binary": pa.array(nulls_every(2, [bytes([i] * 4) for i in range(n)]), pa.binary(4)),
		"date64": pa.array(nulls_every(3, [86400000 * i for i in range(n)]), pa.date64()),
		"time32_s": pa.array(nulls_every(3, list(range(n))), pa.time32("s")),
		"time32_ms": pa.array(nulls_every(3, list(range(n))), pa.time32("ms")),
		"time64_ns": pa.array(nulls_every(3, [1000 * i for i in range(n)]), pa.time64("ns")),
		"duration_us": pa.array(nulls_every(3, list(range(n))), pa.duration("us")),
		"ts_berlin": pa.array(nulls_every(3, list(range(n))), pa.timestamp("ms", tz="Europe/Berlin")),
		"dict_int32": pa.array(nulls_every(4, ["a", "b", "c"] * 3)).dictionary_encode(),
		"dict_of_ints": pa.DictionaryArray.from_arrays(pa.array([0, 1, None, 1, 0, 0, 1, 1, 0], pa.int64()),
		                                              pa.array([100, -5], pa.int32())),
		"struct": pa.array(nulls_every(3, [{"a": i, "b": None if i % 2 else str(i)} for i in range(n)]),
		                   pa.struct([("a", pa.int8()), ("b", pa.string())])),
		"map": pa.array(nulls_every(4, [[("k", i), ("j", None)] for i in range(n)]), pa.map_(pa.string(), pa.int32())),
		"null": pa.nulls(n),
		"run_end": pa.RunEndEncodedArray.from_arrays(pa.array([2, 5, 9], pa.int32()), pa.array(["r", None, "t"])),
	})
	assert_reader_matches_duckdb(tool, tmp_path, table, max_chunksize=4)
	# DuckDB 1.4.4 cannot import float16; our reader must refuse it with DuckDB's error too.
	# (Built from bits: converting Python floats to float16 needs numpy.)
	half = pa.Array.from_buffers(pa.float16(), 3, [None, pa.py_buffer(struct.pack("<3H", 0x3E00, 0xC000, 0x3400))])
	assert_reader_matches_duckdb(tool, tmp_path, pa.table({"half": half}))


def test_pyarrow_sliced_and_chunked_arrays(tool, tmp_path):
	base = pa.table({
		"s": pa.array([None if i % 5 == 0 else "v" * (i % 17) for i in range(200)]),
		"l": pa.array([None if i % 6 == 0 else list(range(i % 4)) for i in range(200)], pa.list_(pa.int32())),
		"b": pa.array([None if i % 3 == 0 else i % 2 == 0 for i in range(200)]),
		"d": pa.array(["x", "y", None, "z"] * 50).dictionary_encode(),
	})
	# Slices with offsets that are not multiples of 8 exercise offset rebasing and bitmap shifts.
	table = pa.concat_tables([base.slice(3, 61), base.slice(101, 37), base.slice(150, 0), base.slice(151, 49)])
	assert_reader_matches_duckdb(tool, tmp_path, table)
	assert_reader_matches_duckdb(tool, tmp_path, base.slice(13, 150), max_chunksize=7)


def test_pyarrow_dictionary_replacement_and_delta(tool, tmp_path):
	schema = pa.schema([("d", pa.dictionary(pa.int32(), pa.string())), ("i", pa.int64())])
	batches = [
		pa.record_batch([pa.DictionaryArray.from_arrays(pa.array([0, 1, None]), pa.array(["a", "b"])),
		                 pa.array([1, 2, 3])], schema=schema),
		# Extends the previous dictionary: a delta when deltas are enabled, else a replacement.
		pa.record_batch([pa.DictionaryArray.from_arrays(pa.array([2, 0, 2]), pa.array(["a", "b", "c"])),
		                 pa.array([4, 5, 6])], schema=schema),
		# Unrelated dictionary: always a replacement (stream format).
		pa.record_batch([pa.DictionaryArray.from_arrays(pa.array([1, 0]), pa.array(["q", "r"])),
		                 pa.array([7, 8])], schema=schema),
	]
	table = pa.Table.from_batches(batches)
	for deltas in (False, True):
		stream = tmp_path / f"dict_{deltas}.arrows"
		with open(stream, "wb") as f:
			options = ipc.IpcWriteOptions(emit_dictionary_deltas=deltas)
			with ipc.new_stream(f, schema, options=options) as writer:
				for batch in batches:
					writer.write_batch(batch)
		con = read_into_duckdb(tool, tmp_path, stream)
		assert con.execute("SELECT d::VARCHAR, i FROM t ORDER BY i").fetchall() == \
			[(None if v is None else v, i) for v, i in zip(table.column("d").to_pylist(), range(1, 9))]


def test_malformed_streams_fail_cleanly(tool, tmp_path):
	good = tmp_path / "good.arrows"
	write_ours(tool, good, "SELECT i, i::VARCHAR s FROM range(50) t(i)", rows_per_batch=10)
	data = good.read_bytes()
	for name, bad in {
		"truncated": data[: len(data) // 2 + 3],
		"bad_continuation": b"\x00\x00\x00\x01" + data[4:],
		"body_past_end": data[:-16],
	}.items():
		path = tmp_path / f"{name}.arrows"
		path.write_bytes(bad)
		done = subprocess.run([tool, "read", path, tmp_path / f"{name}.duckdb", "t"], capture_output=True, text=True)
		assert done.returncode == 1, f"{name}: {done.stderr}"
		assert "Arrow IPC" in done.stderr or "continuation" in done.stderr, done.stderr
