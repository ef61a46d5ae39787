"""The values every DuckDB type must carry unchanged from a worker to a host.

Each case is (name, column type, SQL expressions); a case's table holds one row per expression
cast to the type, plus a NULL row. `python` is False where Python cannot represent some value
(the oracle then compares VARCHAR renderings, column types and counts only).
"""

from dataclasses import dataclass
from typing import List


@dataclass
class TypeCase:
	name: str
	type: str
	values: List[str]

	@property
	def table(self) -> str:
		return f"rt_{self.name}"

	def create_sql(self, table: str = None) -> str:
		"""CREATE TABLE <table>(id INTEGER, v <type>) holding every value, then NULL."""
		rows = [f"({i}, CAST({v} AS {self.type}))" for i, v in enumerate(self.values + ["NULL"], 1)]
		return f"CREATE TABLE {table or self.table} AS SELECT * FROM (VALUES {', '.join(rows)}) AS v(id, v)"


BIG_ENUM = "ENUM(" + ", ".join(f"'member_{i}'" for i in range(300)) + ")"

STRUCT_ODD_NAMES = 'STRUCT("a b" INTEGER, "it\'s" VARCHAR, "quote""d" DOUBLE)'

TYPE_CASES = [
	TypeCase("boolean", "BOOLEAN", ["true", "false"]),
	TypeCase("tinyint", "TINYINT", ["-128", "127", "0"]),
	TypeCase("smallint", "SMALLINT", ["-32768", "32767", "-1"]),
	TypeCase("integer", "INTEGER", ["-2147483648", "2147483647", "42"]),
	TypeCase("bigint", "BIGINT", ["-9223372036854775808", "9223372036854775807", "1"]),
	TypeCase("hugeint", "HUGEINT", ["-170141183460469231731687303715884105728",
	                                "170141183460469231731687303715884105727", "18446744073709551616", "-1"]),
	TypeCase("utinyint", "UTINYINT", ["0", "255", "128"]),
	TypeCase("usmallint", "USMALLINT", ["0", "65535", "32768"]),
	TypeCase("uinteger", "UINTEGER", ["0", "4294967295", "2147483648"]),
	TypeCase("ubigint", "UBIGINT", ["0", "18446744073709551615", "9223372036854775808"]),
	TypeCase("uhugeint", "UHUGEINT", ["0", "340282366920938463463374607431768211455",
	                                  "170141183460469231731687303715884105728"]),
	TypeCase("float", "FLOAT", ["1.5", "-0.0", "3.4028235e38", "1.4e-45", "'nan'", "'inf'", "'-inf'"]),
	TypeCase("double", "DOUBLE", ["0.1", "-0.0", "1.7976931348623157e308", "5e-324", "'nan'", "'inf'", "'-inf'"]),
	TypeCase("decimal_4_1", "DECIMAL(4,1)", ["999.9", "-999.9", "0.1", "0"]),
	TypeCase("decimal_18_3", "DECIMAL(18,3)", ["999999999999999.999", "-999999999999999.999", "0.001"]),
	TypeCase("decimal_38_10", "DECIMAL(38,10)", ["9999999999999999999999999999.9999999999",
	                                             "-9999999999999999999999999999.9999999999", "0.0000000001"]),
	TypeCase("varchar", "VARCHAR", ["''", "'duck'", "'ünïcödé ✓ 日本語 🦆'", "'it''s \"quoted\"\nnew line\ttab'",
	                                "repeat('x', 1000)"]),
	# One value above 1 MiB (and above any ~1 MiB batch target).
	TypeCase("varchar_large", "VARCHAR", ["repeat('duck🦆', 250000)", "'small'"]),
	TypeCase("blob", "BLOB", ["'\\x00\\xFF\\x10abc'::BLOB", "''::BLOB", "'plain'::BLOB"]),
	TypeCase("bit", "BIT", ["'1'", "'0101010101010101010'", "'" + "10" * 300 + "'"]),
	TypeCase("bit_list", "BIT[]", ["['1'::BIT, '0000000011111111'::BIT]", "[]", "[NULL::BIT]"]),
	TypeCase("bignum", "BIGNUM", ["'0'", "'-123456789012345678901234567890123456789012345678901234567890'",
	                              "'170141183460469231731687303715884105728'"]),
	TypeCase("date", "DATE", ["'1970-01-01'", "'2024-02-29'", "'0001-01-01'", "'9999-12-31'", "'1969-12-31'"]),
	TypeCase("time", "TIME", ["'00:00:00'", "'23:59:59.999999'", "'12:34:56.789'"]),
	TypeCase("timestamp", "TIMESTAMP", ["'1970-01-01 00:00:00'", "'2024-02-29 12:34:56.123456'",
	                                    "'1900-01-01 00:00:00'", "'0001-01-01 00:00:00'", "'9999-12-31 23:59:59.999999'"]),
	TypeCase("timestamp_s", "TIMESTAMP_S", ["'2024-02-29 12:34:56'", "'1960-01-01 00:00:01'"]),
	TypeCase("timestamp_ms", "TIMESTAMP_MS", ["'2024-02-29 12:34:56.789'", "'1960-01-01 00:00:00.001'"]),
	TypeCase("timestamp_ns", "TIMESTAMP_NS", ["'2024-02-29 12:34:56.123456789'", "'1677-09-22 00:00:00.000000001'",
	                                          "'2262-04-10 23:59:59.999999999'"]),
	TypeCase("timestamptz", "TIMESTAMPTZ", ["'2024-02-29 12:34:56.123456+00'", "'2024-06-01 01:00:00+05:30'",
	                                        "'1950-01-01 00:00:00-08'"]),
	TypeCase("interval", "INTERVAL", ["INTERVAL '1 year 2 months 3 days 04:05:06.789012'", "INTERVAL '1 month'",
	                                  "INTERVAL '30 days'", "INTERVAL '-1 day'", "INTERVAL '0 seconds'",
	                                  "INTERVAL '1000000 hours'"]),
	TypeCase("uuid", "UUID", ["'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'",
	                          "'550e8400-e29b-41d4-a716-446655440000'", "'7fffffff-ffff-ffff-ffff-ffffffffffff'",
	                          "'80000000-0000-0000-0000-000000000000'"]),
	TypeCase("enum", "ENUM('sad', 'ok', 'happy')", ["'sad'", "'happy'", "'ok'"]),
	TypeCase("enum_300", BIG_ENUM, ["'member_0'", "'member_299'", "'member_256'"]),
	TypeCase("list_integer", "INTEGER[]", ["[1, 2, 3]", "[]", "[NULL, 5]", "[NULL]"]),
	TypeCase("list_list_varchar", "VARCHAR[][]", ["[['a', ''], [], NULL, ['ü', NULL]]", "[]", "[NULL]"]),
	TypeCase("struct", "STRUCT(i INTEGER, s VARCHAR)", ["{'i': 1, 's': 'x'}", "{'i': NULL, 's': NULL}"]),
	TypeCase("struct_odd_names", STRUCT_ODD_NAMES, ["{'a b': 1, 'it''s': 'x', 'quote\"d': 1.5}",
	                                                "{'a b': NULL, 'it''s': '', 'quote\"d': 'nan'}"]),
	TypeCase("map", "MAP(VARCHAR, INTEGER)", ["MAP {'a': 1, 'b': NULL}", "MAP {}", "MAP {'only': 7}"]),
	TypeCase("map_int_list", "MAP(INTEGER, VARCHAR[])", ["MAP {1: ['x', NULL], 2: [], 3: NULL}"]),
	TypeCase("map_uuid_timestamptz", "MAP(UUID, TIMESTAMPTZ)",
	         ["MAP {'550e8400-e29b-41d4-a716-446655440000': '2024-01-01 00:00:00+00'}"]),
	TypeCase("nested", "STRUCT(l INTEGER[], m MAP(VARCHAR, STRUCT(x DOUBLE, d DATE)), u UUID)[]",
	         ["[{'l': [1, NULL], 'm': MAP {'k': {'x': 1.5, 'd': DATE '2024-01-01'}}, "
	          "'u': '550e8400-e29b-41d4-a716-446655440000'}, NULL, {'l': NULL, 'm': NULL, 'u': NULL}]", "[]"]),
	TypeCase("list_decimal", "DECIMAL(38,10)[]", ["[1.5, NULL, -9999999999999999999999999999.9999999999]"]),
	TypeCase("struct_of_everything", "STRUCT(h HUGEINT, u UBIGINT, e ENUM('a', 'b'), ts TIMESTAMP_NS, "
	         "i INTERVAL, b BLOB, t TIME, d DECIMAL(4,1), l BOOLEAN[])",
	         ["{'h': 170141183460469231731687303715884105727, 'u': 18446744073709551615, 'e': 'b', "
	          "'ts': '2024-02-29 12:34:56.123456789', 'i': INTERVAL '1 month 1 microsecond', 'b': '\\x00'::BLOB, "
	          "'t': '01:02:03', 'd': -0.5, 'l': [true, NULL, false]}",
	          "{'h': NULL, 'u': NULL, 'e': NULL, 'ts': NULL, 'i': NULL, 'b': NULL, 't': NULL, 'd': NULL, 'l': NULL}"]),
	# Values Python cannot hold (years beyond 9999, infinities, 24:00:00).
	TypeCase("date_extremes", "DATE", ["'infinity'", "'-infinity'", "'5877642-06-25'", "'5877642-06-25 (BC)'"]),
	TypeCase("timestamp_extremes", "TIMESTAMP", ["'infinity'", "'-infinity'", "'294247-01-10 04:00:54.775806'",
	                                             "'290309-12-22 (BC) 00:00:00'"]),
	TypeCase("time_extremes", "TIME", ["'24:00:00'"]),
]

CASES_BY_NAME = {c.name: c for c in TYPE_CASES}

# The cases that go into the one wide table (every type as a column); the > 1 MiB value and the
# extremes have tables of their own.
WIDE_CASES = [c for c in TYPE_CASES if c.name not in ("varchar_large",) and not c.name.endswith("_extremes")]


def wide_table_sql(table: str) -> str:
	"""CREATE TABLE with an id and one column per WIDE_CASES type: row 1 holds each case's first
	value, row 2 NULL everywhere, row 3 each case's last value."""
	def row(i, pick):
		cols = [f"{i} AS id"] + [f"CAST({pick(c)} AS {c.type}) AS c_{c.name}" for c in WIDE_CASES]
		return "SELECT " + ", ".join(cols)
	return (f"CREATE TABLE {table} AS " + row(1, lambda c: c.values[0]) + " UNION ALL " +
	        row(2, lambda c: "NULL") + " UNION ALL " + row(3, lambda c: c.values[-1]))
