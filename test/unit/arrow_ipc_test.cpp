// Arrow IPC codec: DuckDB -> IpcStreamWriter -> IpcStreamReader -> DuckDB must be exact for every
// type (default and lossless Arrow conversion), across batches, for empty and zero-column
// results; malformed streams must raise IOException, never crash (run under ASan via
// -DOPENDUCK_SANITIZE=ON). Interop with pyarrow is in test/e2e/test_arrow_ipc_interop.py.
#include "arrow/ipc_limits.hpp"
#include "arrow/ipc_stream_reader.hpp"
#include "arrow/ipc_stream_writer.hpp"
#include "arrow/row_bytes.hpp"
#include "arrow/type_text.hpp"
#include "duckdb.hpp"

#include <gtest/gtest.h>

#include <random>

namespace {

using namespace duckdb;
using openduck::IpcStreamReader;
using openduck::IpcStreamWriter;
using openduck::kMaxIpcBatchRows;

const char *kAllTypesSql = R"(
SELECT * FROM (VALUES
 (1, true, 1::TINYINT, 2::SMALLINT, 3::INTEGER, 4::BIGINT, 5::HUGEINT, 6::UTINYINT, 7::USMALLINT, 8::UINTEGER,
  9::UBIGINT, 10::UHUGEINT, 1.5::FLOAT, 2.25::DOUBLE, 123.4::DECIMAL(4,1), 123456789012345.678::DECIMAL(18,3),
  '1234567890123456789012345678.0123456789'::DECIMAL(38,10), 'héllo wörld 🦆', '\xAA\x00\xFF'::BLOB,
  DATE '2024-02-29', TIME '12:34:56.789012', TIMESTAMP '2024-01-02 03:04:05.678901',
  TIMESTAMP_S '2024-01-02 03:04:05', TIMESTAMP_MS '2024-01-02 03:04:05.678',
  TIMESTAMP_NS '2024-01-02 03:04:05.678901234', TIMESTAMPTZ '2024-01-02 03:04:05.678901+00',
  INTERVAL '1 year 2 months 3 days 04:05:06.789', UUID 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  'b'::ENUM('a', 'b', 'c'), [1, NULL, 3], {'plain': 1, 'with space': 'x', 'quo"te''s': [1.5]},
  MAP {'k1': 1, 'k2': NULL}, [{'m': MAP {1: [{'deep': 'x'}]}, 'e': 'c'::ENUM('a', 'b', 'c')}, NULL],
  TIMETZ '12:00:00+05'),
 (2, false, '-128'::TINYINT, '-32768'::SMALLINT, '-2147483648'::INTEGER, '-9223372036854775808'::BIGINT,
  '-170141183460469231731687303715884105728'::HUGEINT, 255::UTINYINT, 65535::USMALLINT, 4294967295::UINTEGER,
  18446744073709551615::UBIGINT, '340282366920938463463374607431768211455'::UHUGEINT, 'nan'::FLOAT, 'inf'::DOUBLE,
  '-999.9'::DECIMAL(4,1), '-999999999999999.999'::DECIMAL(18,3),
  '-9999999999999999999999999999.9999999999'::DECIMAL(38,10), '', ''::BLOB, DATE '1970-01-01', TIME '00:00:00',
  TIMESTAMP '1970-01-01 00:00:00', TIMESTAMP_S '1900-01-01 00:00:00', TIMESTAMP_MS '2262-04-11 00:00:00',
  TIMESTAMP_NS '1677-09-22 00:00:00', TIMESTAMPTZ '1999-12-31 23:59:59.999999+00', INTERVAL '-1 day',
  UUID '00000000-0000-0000-0000-000000000000', 'a'::ENUM('a', 'b', 'c'), [],
  {'plain': NULL, 'with space': NULL, 'quo"te''s': []}, MAP {}, [{'m': MAP {}, 'e': NULL}], TIMETZ '00:00:00-11'),
 (3, NULL::BOOLEAN, NULL::TINYINT, NULL::SMALLINT, NULL::INTEGER, NULL::BIGINT, NULL::HUGEINT, NULL::UTINYINT,
  NULL::USMALLINT, NULL::UINTEGER, NULL::UBIGINT, NULL::UHUGEINT, '-inf'::FLOAT, 'nan'::DOUBLE, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
) t(id, c_bool, c_tinyint, c_smallint, c_int, c_bigint, c_hugeint, c_utinyint, c_usmallint, c_uint, c_ubigint,
    c_uhugeint, c_float, c_double, c_dec4, c_dec18, c_dec38, c_varchar, c_blob, c_date, c_time, c_ts, c_ts_s, c_ts_ms,
    c_ts_ns, c_tstz, c_interval, c_uuid, c_enum, c_list, c_struct, c_map, c_nested, c_timetz)
ORDER BY id)";

class ArrowIpcTest : public ::testing::Test {
protected:
	ArrowIpcTest() : db(nullptr), con(db) {
	}

	void SetLossless(bool lossless) {
		auto result = con.Query(std::string("SET arrow_lossless_conversion = ") + (lossless ? "true" : "false"));
		ASSERT_FALSE(result->HasError()) << result->GetError();
	}

	// The result of `sql` as an IPC stream: one string per message group (schema, each batch,
	// end of stream), as a server would send them, with a batch every `rows_per_batch` rows.
	std::vector<std::string> Write(const std::string &sql, idx_t rows_per_batch = 1000000) {
		auto result = con.Query(sql);
		EXPECT_FALSE(result->HasError()) << result->GetError();
		auto properties = wire ? IpcStreamWriter::WireProperties(*con.context) : con.context->GetClientProperties();
		IpcStreamWriter writer(result->types, result->names, properties);
		std::vector<std::string> stream {writer.SchemaMessage()};
		while (auto chunk = result->Fetch()) {
			writer.Append(*chunk);
			if (writer.BufferedRows() >= rows_per_batch) {
				stream.push_back(writer.FlushBatch());
			}
		}
		auto last = writer.FlushBatch();
		if (!last.empty()) {
			stream.push_back(std::move(last));
		}
		stream.push_back(IpcStreamWriter::EndOfStream());
		return stream;
	}

	struct ReadResult {
		vector<LogicalType> types;
		vector<std::string> names;
		std::vector<std::vector<Value>> rows;
	};

	ReadResult Read(const std::vector<std::string> &stream) {
		IpcStreamReader reader(*con.context);
		ReadResult out;
		DataChunk chunk;
		for (auto &payload : stream) {
			reader.Feed(payload);
			if (reader.HasSchema() && out.types.empty() && chunk.ColumnCount() == 0) {
				out.types = reader.Types();
				out.names = reader.Names();
				chunk.Initialize(*con.context, out.types);
			}
			while (reader.Next(chunk)) {
				for (idx_t row = 0; row < chunk.size(); row++) {
					std::vector<Value> values;
					for (idx_t col = 0; col < chunk.ColumnCount(); col++) {
						values.push_back(chunk.GetValue(col, row));
					}
					out.rows.push_back(std::move(values));
				}
			}
		}
		EXPECT_TRUE(reader.Finished());
		return out;
	}

	// Runs `sql`, round-trips it through IPC and compares types, names and every value.
	void ExpectRoundTrip(const std::string &sql, idx_t rows_per_batch = 1000000) {
		auto stream = Write(sql, rows_per_batch);
		auto got = Read(stream);
		auto expected = con.Query(sql);
		ASSERT_FALSE(expected->HasError()) << expected->GetError();
		ASSERT_EQ(got.types, expected->types);
		ASSERT_EQ(got.names, expected->names);
		auto &collection = expected->Collection();
		ASSERT_EQ(got.rows.size(), collection.Count());
		idx_t row = 0;
		for (auto &chunk : collection.Chunks()) {
			for (idx_t r = 0; r < chunk.size(); r++, row++) {
				for (idx_t col = 0; col < chunk.ColumnCount(); col++) {
					auto want = chunk.GetValue(col, r);
					auto &have = got.rows[row][col];
					ASSERT_EQ(have.type(), want.type()) << expected->names[col];
					ASSERT_EQ(have.IsNull(), want.IsNull()) << expected->names[col] << " row " << row;
					ASSERT_EQ(have.ToString(), want.ToString()) << expected->names[col] << " row " << row;
				}
			}
		}
	}

	std::string Concatenate(const std::vector<std::string> &stream) {
		std::string all;
		for (auto &part : stream) {
			all += part;
		}
		return all;
	}

	DuckDB db;
	Connection con;
	// Write with the options servers use (IpcStreamWriter::WireProperties).
	bool wire = false;
};

// The remembered parse answers what DuckDB's parser answers, every time, and each answer is the
// caller's own: an alias set on one does not reach the next.
TEST(TypeText, ParseTypeTextIsDuckDBsParseRemembered) {
	for (const char *text : {"INTEGER", "DECIMAL(18,3)", "STRUCT(\"a b\" INTEGER, c VARCHAR[])", "ENUM('x', 'y')",
	                         "MAP(VARCHAR, DOUBLE[3])", "UNION(n INTEGER, s VARCHAR)"}) {
		auto expected = duckdb::TransformStringToLogicalType(text);
		for (int round = 0; round < 2; round++) {
			auto parsed = openduck::ParseTypeText(text);
			EXPECT_EQ(parsed, expected) << text;
			EXPECT_EQ(parsed.ToString(), expected.ToString()) << text;
			parsed.SetAlias("renamed");
		}
		EXPECT_FALSE(openduck::ParseTypeText(text).HasAlias()) << text;
	}
	for (int round = 0; round < 2; round++) {
		EXPECT_THROW(openduck::ParseTypeText("STRUCT(INTEGER, VARCHAR)"), duckdb::ParserException);
		EXPECT_THROW(openduck::ParseTypeText("no such ( type"), duckdb::ParserException);
	}
	EXPECT_EQ(openduck::ExactTypeText(duckdb::LogicalType::STRUCT({{"", duckdb::LogicalType::INTEGER}})), "");
}

TEST_F(ArrowIpcTest, AllTypesRoundTripDefaultConversion) {
	SetLossless(false);
	// DuckDB's default Arrow conversion drops the offset of TIME WITH TIME ZONE (time64); the
	// server therefore uses the lossless conversion.
	auto sql = std::string("SELECT * EXCLUDE (c_timetz) FROM (") + kAllTypesSql + ")";
	ExpectRoundTrip(sql);
	ExpectRoundTrip(sql, 1);
}

TEST_F(ArrowIpcTest, AllTypesRoundTripLosslessConversion) {
	SetLossless(true);
	ExpectRoundTrip(kAllTypesSql);
	ExpectRoundTrip(kAllTypesSql, 1);
}

TEST_F(ArrowIpcTest, AllTypesRoundTripWireFormat) {
	// Arrow 1.5: DECIMALs at their DuckDB width (decimal32/64), BLOB as a binary view; most flat
	// columns take the DirectColumn path.
	wire = true;
	ExpectRoundTrip(kAllTypesSql);
	ExpectRoundTrip(kAllTypesSql, 1);
	// NULLs that first appear after many valid rows, in batches that are not multiples of 64 rows.
	ExpectRoundTrip("SELECT i, CASE WHEN i > 3000 AND i % 7 = 0 THEN NULL ELSE i::VARCHAR || repeat('s', i % 20) END "
	                "AS s, CASE WHEN i % 11 = 0 THEN NULL ELSE (i / 100)::DECIMAL(15, 2) END AS d, "
	                "CASE WHEN i < 4000 THEN DATE '2000-01-01' + i::INTEGER END AS dt FROM range(5000) t(i)",
	                1000);
	ExpectRoundTrip("SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'v' || i END AS s FROM range(5000) t(i)", 777);
}

TEST_F(ArrowIpcTest, WireFormatOfConstantAndDictionaryVectors) {
	// Streaming results hand the writer constant and dictionary (selection) vectors, not only
	// flat ones.
	vector<LogicalType> types {LogicalType::BIGINT, LogicalType::VARCHAR, LogicalType::DECIMAL(12, 3)};
	IpcStreamWriter writer(types, {"i", "s", "d"}, IpcStreamWriter::WireProperties(*con.context));
	std::vector<std::string> stream {writer.SchemaMessage()};
	DataChunk chunk;
	chunk.Initialize(*con.context, types);
	std::vector<std::vector<Value>> expected;
	auto add_rows = [&](idx_t count) {
		chunk.SetCardinality(count);
		for (idx_t r = 0; r < count; r++) {
			std::vector<Value> row;
			for (idx_t c = 0; c < chunk.ColumnCount(); c++) {
				row.push_back(chunk.GetValue(c, r));
			}
			expected.push_back(std::move(row));
		}
		writer.Append(chunk);
		chunk.Reset();
	};
	// Flat, all valid.
	for (idx_t r = 0; r < 100; r++) {
		chunk.SetValue(0, r, Value::BIGINT(int64_t(r)));
		chunk.SetValue(1, r, Value("a string longer than twelve bytes " + std::to_string(r)));
		chunk.SetValue(2, r, Value::DECIMAL(int64_t(r * 1001), 12, 3));
	}
	add_rows(100);
	// Constant vectors: a value and a NULL.
	chunk.data[0].Reference(Value::BIGINT(-7));
	chunk.data[1].Reference(Value(LogicalType::VARCHAR));
	chunk.data[2].Reference(Value::DECIMAL(int64_t(5), 12, 3));
	add_rows(33);
	// Dictionary vectors: rows picked out of order, with NULLs.
	for (idx_t r = 0; r < 10; r++) {
		chunk.SetValue(0, r, r % 4 == 0 ? Value(LogicalType::BIGINT) : Value::BIGINT(int64_t(r * 10)));
		chunk.SetValue(1, r, r % 3 == 0 ? Value(LogicalType::VARCHAR) : Value("s" + std::to_string(r)));
		chunk.SetValue(2, r, Value::DECIMAL(int64_t(r), 12, 3));
	}
	SelectionVector sel(STANDARD_VECTOR_SIZE);
	idx_t picked = 0;
	for (idx_t r : {9, 6, 3, 0, 4, 8}) {
		sel.set_index(picked++, r);
	}
	chunk.Slice(sel, picked);
	add_rows(picked);
	stream.push_back(writer.FlushBatch());
	stream.push_back(IpcStreamWriter::EndOfStream());
	auto got = Read(stream);
	ASSERT_EQ(got.rows.size(), expected.size());
	for (idx_t r = 0; r < expected.size(); r++) {
		for (idx_t c = 0; c < types.size(); c++) {
			EXPECT_EQ(got.rows[r][c].ToString(), expected[r][c].ToString()) << "row " << r << " column " << c;
			EXPECT_EQ(got.rows[r][c].IsNull(), expected[r][c].IsNull()) << "row " << r << " column " << c;
		}
	}
}

TEST_F(ArrowIpcTest, LargeAndSlicedValues) {
	SetLossless(true);
	// A > 1 MiB value, and a filtered (dictionary/selection vector) input.
	ExpectRoundTrip("SELECT repeat('duck🦆', 300000) AS big, 'x' AS small UNION ALL SELECT '', NULL");
	ExpectRoundTrip("SELECT i, i % 2 = 0 AS b, i::VARCHAR AS s FROM range(5000) t(i) WHERE i % 3 = 0");
}

// BIT and BIGNUM travel as VARCHAR (DuckDB 1.4.4 declares them with a format their bytes do not have).
TEST_F(ArrowIpcTest, BitStringsAndBignums) {
	wire = true;
	ExpectRoundTrip("SELECT * FROM (VALUES ('101'::BIT, ['1'::BIT, '0101010101'::BIT]), (NULL, NULL), "
	                "('1111000011110000111'::BIT, [])) t(j, k)");
	ExpectRoundTrip("SELECT ('1' || repeat('01', i % 50))::BIT AS j FROM range(3000) t(i)", 1000);
	ExpectRoundTrip("SELECT '-123456789012345678901234567890123456789012345678901234567890'::BIGNUM AS n, "
	                "[0::BIGNUM, NULL] AS l");
}

TEST_F(ArrowIpcTest, ManyBatches) {
	SetLossless(true);
	std::string sql = "SELECT i, i::VARCHAR || 'x' AS s, CASE WHEN i % 5 = 0 THEN NULL ELSE [i, NULL] END AS l, "
	                  "(['a', 'b', 'c'][i % 3 + 1])::ENUM('a', 'b', 'c') AS e FROM range(100000) t(i)";
	auto stream = Write(sql, 10000);
	// schema + 10 batches + end of stream
	EXPECT_EQ(stream.size(), 12u);
	ExpectRoundTrip(sql, 10000);
	// Feeding the whole stream as one payload is the same.
	auto got = Read({Concatenate(stream)});
	EXPECT_EQ(got.rows.size(), 100000u);
}

TEST_F(ArrowIpcTest, UnchangedDictionaryIsSentOnce) {
	// Equal batches of one ENUM column: only the first carries the DictionaryBatch.
	auto stream = Write("SELECT 'b'::ENUM('a', 'b', 'c') AS e FROM range(4 * 8192)", 8192);
	ASSERT_EQ(stream.size(), 6u);
	EXPECT_GT(stream[1].size(), stream[2].size());
	EXPECT_EQ(stream[2].size(), stream[3].size());
	ExpectRoundTrip("SELECT 'b'::ENUM('a', 'b', 'c') AS e FROM range(4 * 8192)", 8192);
}

TEST_F(ArrowIpcTest, EmptyResult) {
	SetLossless(true);
	auto stream = Write("SELECT 1::INTEGER AS a, 'x'::ENUM('x', 'y') AS e, [1] AS l WHERE false");
	EXPECT_EQ(stream.size(), 2u); // schema + end of stream
	auto got = Read(stream);
	EXPECT_EQ(got.rows.size(), 0u);
	ASSERT_EQ(got.types.size(), 3u);
	EXPECT_EQ(got.types[1].ToString(), "ENUM('x', 'y')");
}

TEST_F(ArrowIpcTest, ZeroColumns) {
	IpcStreamWriter writer({}, {}, con.context->GetClientProperties());
	DataChunk chunk;
	chunk.InitializeEmpty(vector<LogicalType>());
	chunk.SetCardinality(5);
	writer.Append(chunk);
	std::vector<std::string> stream {writer.SchemaMessage(), writer.FlushBatch(), IpcStreamWriter::EndOfStream()};
	auto got = Read(stream);
	EXPECT_EQ(got.types.size(), 0u);
	EXPECT_EQ(got.rows.size(), 5u);
}

TEST_F(ArrowIpcTest, BufferedAccounting) {
	auto result = con.Query("SELECT i, repeat('x', 100) AS s FROM range(3000) t(i)");
	IpcStreamWriter writer(result->types, result->names, con.context->GetClientProperties());
	EXPECT_EQ(writer.FlushBatch(), "");
	auto chunk = result->Fetch();
	writer.Append(*chunk);
	EXPECT_EQ(writer.BufferedRows(), chunk->size());
	EXPECT_GT(writer.BufferedBytes(), chunk->size() * 8);
	EXPECT_FALSE(writer.FlushBatch().empty());
	EXPECT_EQ(writer.BufferedRows(), 0u);
}

// Every failure must be an IOException (or DuckDB's own conversion error), never a crash.
static void ExpectCleanFailureOrSuccess(ClientContext &context, const std::string &payload) {
	IpcStreamReader reader(context);
	try {
		reader.Feed(payload);
		if (reader.HasSchema()) {
			DataChunk chunk;
			chunk.Initialize(context, reader.Types());
			while (reader.Next(chunk)) {
				for (idx_t col = 0; col < chunk.ColumnCount(); col++) {
					chunk.data[col].ToString(chunk.size());
				}
			}
		}
	} catch (std::exception &e) {
		ErrorData error(e);
		EXPECT_NE(error.Type(), ExceptionType::INTERNAL) << error.Message();
	}
}

TEST_F(ArrowIpcTest, MalformedInputRaisesIOException) {
	auto parts = Write("SELECT i, i::VARCHAR AS s, [i] AS l FROM range(100) t(i)", 10);
	auto stream = Concatenate(parts);
	auto expect_io_error = [&](const std::string &payload, const std::string &needle) {
		IpcStreamReader reader(*con.context);
		try {
			reader.Feed(payload);
			FAIL() << "no error for " << needle;
		} catch (IOException &e) {
			EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
		}
	};
	expect_io_error(stream.substr(0, 5), "truncated");
	auto bad_marker = stream;
	bad_marker[0] = 0x12;
	expect_io_error(bad_marker, "continuation");
	expect_io_error(stream.substr(0, stream.size() - 20), "runs past the end");
	auto bad_length = stream;
	bad_length[7] = 0x7f; // metadata length (little-endian int32) far beyond the payload
	expect_io_error(bad_length, "runs past the end");
	auto garbage_metadata = stream;
	for (int i = 8; i < 40; i++) {
		garbage_metadata[i] = static_cast<char>(0xA5);
	}
	expect_io_error(garbage_metadata, "not a valid flatbuffer");
	// A record batch without a schema.
	expect_io_error(stream.substr(parts[0].size()), "does not start with a Schema");
}

TEST_F(ArrowIpcTest, EveryTruncationAndRandomCorruptionFailsCleanly) {
	SetLossless(true);
	auto stream = Concatenate(Write("SELECT i, i::VARCHAR AS s, [i, NULL] AS l, {'a': i} AS st, "
	                                "MAP {i: 'v'} AS m, 'x'::ENUM('x', 'y') AS e FROM range(20) t(i)",
	                                7));
	for (size_t cut = 0; cut < stream.size(); cut++) {
		ExpectCleanFailureOrSuccess(*con.context, stream.substr(0, cut));
	}
	std::mt19937 random(42);
	for (int round = 0; round < 3000; round++) {
		auto corrupt = stream;
		for (int flips = 0; flips < 3; flips++) {
			corrupt[random() % corrupt.size()] ^= static_cast<char>(1 << (random() % 8));
		}
		ExpectCleanFailureOrSuccess(*con.context, corrupt);
	}
}

} // namespace

// NULL-type columns carry no buffers, so only the row bound stops a batch from claiming
// billions of rows; the reader refuses what no OpenDuck writer sends.
TEST_F(ArrowIpcTest, BatchesAboveTheRowBoundAreRefused) {
	auto result = con.Query("SELECT NULL AS n FROM range(" + std::to_string(kMaxIpcBatchRows + 1) + ")");
	IpcStreamWriter writer(result->types, result->names, con.context->GetClientProperties());
	while (auto chunk = result->Fetch()) {
		writer.Append(*chunk);
	}
	ASSERT_EQ(writer.BufferedRows(), static_cast<idx_t>(kMaxIpcBatchRows + 1));
	auto stream = writer.SchemaMessage() + writer.FlushBatch() + IpcStreamWriter::EndOfStream();
	IpcStreamReader reader(*con.context);
	try {
		reader.Feed(stream);
		FAIL() << "a batch of " << kMaxIpcBatchRows + 1 << " rows was accepted";
	} catch (IOException &e) {
		EXPECT_NE(std::string(e.what()).find("at most 1048576"), std::string::npos) << e.what();
	}
}

TEST_F(ArrowIpcTest, RowBytesSplitsWideRowsBeforeTheyAreAppended) {
	auto result = con.Query("SELECT range AS id, repeat('w', 40000) AS s, [repeat('v', 1000)] AS l, "
	                        "{'a': repeat('x', 10)} AS st FROM range(2048)");
	auto chunk = result->Fetch();
	ASSERT_EQ(chunk->size(), 2048u);
	openduck::RowBytes sizes(*chunk);
	// id 8 + s (4 + 40000) + l (4 + 4 + 1000) + st (4 + 10)
	EXPECT_EQ(sizes.Bytes(0, 1), 41034u);
	EXPECT_EQ(sizes.Bytes(5, 10), 410340u);
	// 1 MiB holds 25 such rows; a full batch takes none; an empty one takes at least one.
	idx_t bytes = 0;
	EXPECT_EQ(sizes.RowsToAppend(0, 2048, 0, 0, 1 << 20, bytes), 25u);
	EXPECT_EQ(bytes, 25u * 41034u);
	EXPECT_EQ(sizes.RowsToAppend(0, 2048, 3, 1 << 20, 1 << 20, bytes), 0u);
	EXPECT_EQ(sizes.RowsToAppend(0, 2048, 0, 0, 100, bytes), 1u);
	EXPECT_EQ(sizes.RowsToAppend(2040, 8, 0, 0, 1 << 30, bytes), 8u);

	IpcStreamWriter writer(result->types, result->names, con.context->GetClientProperties());
	EXPECT_EQ(writer.AppendWithin(*chunk, sizes, 0, 2048, 1 << 20), 25u);
	EXPECT_EQ(writer.BufferedBytes(), 25u * 41034u);
	EXPECT_EQ(writer.AppendWithin(*chunk, sizes, 25, 2048, 1 << 20), 0u);
	auto batch = writer.FlushBatch();
	EXPECT_GT(batch.size(), 25u * 41034u);
	EXPECT_LT(batch.size(), 2u << 20);
	EXPECT_EQ(writer.AppendWithin(*chunk, sizes, 25, 30, 1 << 30), 30u);
}
