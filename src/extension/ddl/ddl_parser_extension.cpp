#include "extension/ddl/ddl_parser_extension.hpp"

#include "common/snapshot_reference.hpp"
#include "duckdb/common/exception/conversion_exception.hpp"
#include "duckdb/common/types/timestamp.hpp"
#include "extension/ddl/database_statement.hpp"
#include "extension/ddl/target_catalog.hpp"
#include "extension/functions/admin_functions.hpp"
#include "extension/functions/database_list_function.hpp"
#include "extension/functions/database_request.hpp"

namespace openduck {

using namespace duckdb;

namespace {

struct ParsedStatement : public ParserExtensionParseData {
	explicit ParsedStatement(DatabaseStatement statement_p) : statement(std::move(statement_p)) {
	}
	DatabaseStatement statement;

	unique_ptr<ParserExtensionParseData> Copy() const override {
		return make_uniq<ParsedStatement>(statement);
	}
	string ToString() const override {
		return statement.ToSql();
	}
};

ParserExtensionParseResult Parse(ParserExtensionInfo *, const string &query) {
	std::string error;
	auto statement = ParseDatabaseStatement(query, error);
	if (statement) {
		return ParserExtensionParseResult(make_uniq<ParsedStatement>(std::move(*statement)));
	}
	if (!error.empty()) {
		return ParserExtensionParseResult(error);
	}
	return ParserExtensionParseResult();
}

// The snapshot reference "@<unix microseconds>" of a TIMESTAMP literal (read as UTC, like the
// snapshots' times; a +hh offset is applied): the worker resolves it to the newest snapshot at
// or before then, as for FROM t AT (TIMESTAMP => ...).
std::string SnapshotAtTimeOf(const std::string &text) {
	timestamp_t time;
	if (Timestamp::TryConvertTimestamp(text.c_str(), text.size(), time, true) != TimestampCastResult::SUCCESS) {
		throw ConversionException("AT (TIMESTAMP => '%s'): not a timestamp (e.g. '2025-01-31 12:00:00')", text);
	}
	return SnapshotAtTime(Timestamp::GetEpochMicroSeconds(time));
}

// `attached`: the database of the attachment the call goes through, which routes the calls that
// act on no existing database.
v1::ManageDatabaseRequest RequestFor(const DatabaseStatement &statement, const std::string &attached) {
	using Kind = DatabaseStatement::Kind;
	v1::ManageDatabaseRequest request;
	request.set_database(attached);
	switch (statement.kind) {
	case Kind::kCreate:
		request.set_action(v1::DATABASE_ACTION_CREATE);
		request.set_target(statement.database);
		request.set_kind(statement.type);
		break;
	case Kind::kClone:
		request.set_action(v1::DATABASE_ACTION_CLONE);
		request.set_database(statement.source);
		request.set_target(statement.database);
		if (statement.at == DatabaseStatement::At::kVersion) {
			request.set_source_snapshot(statement.at_value);
		} else if (statement.at == DatabaseStatement::At::kTimestamp) {
			request.set_source_snapshot(SnapshotAtTimeOf(statement.at_value));
		}
		break;
	case Kind::kSnapshot:
		request.set_action(v1::DATABASE_ACTION_SNAPSHOT);
		request.set_database(statement.database);
		request.set_target(statement.source);
		break;
	case Kind::kDrop:
		request.set_action(v1::DATABASE_ACTION_DROP);
		request.set_database(statement.database);
		break;
	case Kind::kUndrop:
		request.set_action(v1::DATABASE_ACTION_UNDROP);
		request.set_target(statement.database);
		break;
	case Kind::kShow:
		request.set_action(v1::DATABASE_ACTION_LIST);
		break;
	}
	return request;
}

ParserExtensionPlanResult Plan(ParserExtensionInfo *, ClientContext &context,
                               unique_ptr<ParserExtensionParseData> parse_data) {
	auto &statement = static_cast<ParsedStatement &>(*parse_data).statement; // Parse made it
	using Kind = DatabaseStatement::Kind;
	auto reads = statement.kind == Kind::kSnapshot ? statement.database
	                                               : statement.kind == Kind::kClone ? statement.source : "";
	auto alias = TargetCatalog(context, statement.ToSql(), reads);
	auto config = AttachedConfig(context, alias, statement.ToSql());
	ParserExtensionPlanResult result;
	result.function = statement.kind == DatabaseStatement::Kind::kShow ? DatabaseListStatementFunction()
	                                                                    : AdminStatementFunction();
	result.parameters = RequestParameters(alias, RequestFor(statement, config.database));
	result.return_type = StatementReturnType::QUERY_RESULT;
	return result;
}

} // namespace

ParserExtension DatabaseStatementExtension() {
	ParserExtension extension;
	extension.parse_function = Parse;
	extension.plan_function = Plan;
	return extension;
}

} // namespace openduck
