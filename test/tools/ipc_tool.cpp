// openduck_ipc_tool: drives the Arrow IPC codec from the command line so the end-to-end tests
// can check it against pyarrow.
//
//   openduck_ipc_tool write <sql> <out.arrows> [rows_per_batch [codec]]
//       Runs <sql> (one or more statements; the last one produces the result) in an in-memory
//       DuckDB and writes its result as an Arrow IPC stream, flushing a record batch every
//       rows_per_batch rows (default 1000, to exercise multi-batch streams), with body
//       compression `codec` (none, lz4 or zstd; default none).
//   openduck_ipc_tool read <in.arrows> <out.duckdb> <table>
//       Reads an Arrow IPC stream and stores its rows in table <table> of database file
//       <out.duckdb> (created with the stream's column names and types).
#include "arrow/ipc_stream_reader.hpp"
#include "arrow/ipc_stream_writer.hpp"
#include "duckdb.hpp"
#include "duckdb/main/appender.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/parser/parser.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

using namespace duckdb;

static std::string ReadFile(const std::string &path) {
	std::ifstream in(path, std::ios::binary);
	if (!in) {
		throw IOException("cannot open \"%s\"", path);
	}
	std::stringstream buffer;
	buffer << in.rdbuf();
	return buffer.str();
}

static int Write(const std::string &sql, const std::string &path, idx_t rows_per_batch, const std::string &codec) {
	DuckDB db(nullptr);
	Connection con(db);
	auto statements = con.ExtractStatements(sql);
	if (statements.empty()) {
		throw InvalidInputException("no SQL statement given");
	}
	for (idx_t i = 0; i + 1 < statements.size(); i++) {
		auto result = con.Query(std::move(statements[i]));
		if (result->HasError()) {
			result->ThrowError();
		}
	}
	if (rows_per_batch == 0) {
		throw InvalidInputException("rows_per_batch must be positive");
	}
	auto result = con.context->Query(std::move(statements.back()), true);
	if (result->HasError()) {
		result->ThrowError();
	}
	openduck::IpcStreamWriter writer(result->types, result->names, con.context->GetClientProperties());
	writer.SetCompression(openduck::ParseIpcCodec(codec));
	std::ofstream out(path, std::ios::binary);
	out << writer.SchemaMessage();
	while (auto chunk = result->Fetch()) {
		// Cut chunks into rows_per_batch pieces so even tiny results span several batches.
		for (idx_t offset = 0; offset < chunk->size();) {
			auto count = MinValue<idx_t>(rows_per_batch - writer.BufferedRows(), chunk->size() - offset);
			SelectionVector sel(offset, count);
			DataChunk piece;
			piece.InitializeEmpty(chunk->GetTypes());
			piece.Slice(*chunk, sel, count);
			writer.Append(piece);
			offset += count;
			if (writer.BufferedRows() >= rows_per_batch) {
				out << writer.FlushBatch();
			}
		}
	}
	if (result->HasError()) {
		result->ThrowError();
	}
	out << writer.FlushBatch() << openduck::IpcStreamWriter::EndOfStream();
	return 0;
}

static int Read(const std::string &in_path, const std::string &db_path, const std::string &table) {
	DuckDB db(db_path);
	Connection con(db);
	openduck::IpcStreamReader reader(*con.context);
	reader.Feed(ReadFile(in_path));
	if (!reader.HasSchema()) {
		throw IOException("\"%s\" holds no Arrow IPC schema", in_path);
	}
	auto &types = reader.Types();
	auto &names = reader.Names();
	std::string columns;
	for (idx_t i = 0; i < types.size(); i++) {
		columns += (i ? ", " : "") + KeywordHelper::WriteOptionallyQuoted(names[i]) + " " + types[i].ToString();
	}
	auto created = con.Query("CREATE OR REPLACE TABLE " + KeywordHelper::WriteOptionallyQuoted(table) + " (" +
	                         columns + ")");
	if (created->HasError()) {
		created->ThrowError();
	}
	Appender appender(con, table);
	DataChunk chunk;
	chunk.Initialize(*con.context, types);
	while (reader.Next(chunk)) {
		appender.AppendDataChunk(chunk);
	}
	appender.Close();
	return 0;
}

int main(int argc, char **argv) {
	try {
		std::string command = argc > 1 ? argv[1] : "";
		if (command == "write" && argc >= 4 && argc <= 6) {
			return Write(argv[2], argv[3], argc >= 5 ? std::stoull(argv[4]) : 1000, argc == 6 ? argv[5] : "none");
		}
		if (command == "read" && argc == 5) {
			return Read(argv[2], argv[3], argv[4]);
		}
		std::cerr << "usage: openduck_ipc_tool write <sql> <out.arrows> [rows_per_batch [none|lz4|zstd]]\n"
		          << "       openduck_ipc_tool read <in.arrows> <out.duckdb> <table>\n";
		return 2;
	} catch (std::exception &e) {
		ErrorData error(e);
		std::cerr << "openduck_ipc_tool: " << error.Message() << "\n";
		return 1;
	}
}
