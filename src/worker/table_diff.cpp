#include "worker/table_diff.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/function/table_function.hpp"
#include "duckdb/main/connection.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/parser/parsed_data/create_table_function_info.hpp"

namespace openduck {

using namespace duckdb;

namespace {

constexpr const char *kSideFunction = "openduck_diff_side";

// The scratch instance's view of the two sides. Side columns are named c0, c1, ... there, so
// the comparison's text never depends on the table's column names.
struct DiffSides : public TableFunctionInfo {
	TableDiff::Side sides[2];
	std::string select_sql; // the whole table, on either side
	vector<LogicalType> types;
};

struct SideBindData : public TableFunctionData {
	const DiffSides *sides = nullptr;
	idx_t side = 0;
};

struct SideScanState : public GlobalTableFunctionState {
	unique_ptr<Connection> connection;
	unique_ptr<QueryResult> result;
	// The chunk the output references until the next call.
	unique_ptr<DataChunk> chunk;
};

std::string Quoted(const std::string &name) {
	return KeywordHelper::WriteQuoted(name, '"');
}

[[noreturn]] void ThrowFromSide(const TableDiff::Side &side, const ErrorData &error) {
	throw Exception(error.Type(), "openduck_diff, reading " + side.label + ": " + error.RawMessage());
}

unique_ptr<FunctionData> SideBind(ClientContext &, TableFunctionBindInput &input, vector<LogicalType> &return_types,
                                  vector<string> &names) {
	auto bind = make_uniq<SideBindData>();
	bind->sides = &input.info->Cast<DiffSides>();
	bind->side = input.inputs[0].GetValue<int32_t>() == 0 ? 0 : 1;
	return_types = bind->sides->types;
	for (idx_t i = 0; i < return_types.size(); i++) {
		names.push_back("c" + std::to_string(i));
	}
	return std::move(bind);
}

unique_ptr<GlobalTableFunctionState> SideInit(ClientContext &, TableFunctionInitInput &input) {
	auto &bind = input.bind_data->Cast<SideBindData>();
	auto &side = bind.sides->sides[bind.side];
	auto state = make_uniq<SideScanState>();
	state->connection = make_uniq<Connection>(*side.database);
	state->result = state->connection->SendQuery(bind.sides->select_sql);
	if (state->result->HasError()) {
		ThrowFromSide(side, state->result->GetErrorObject());
	}
	// The head may have been altered since the shapes were compared.
	if (state->result->types != bind.sides->types) {
		throw InvalidInputException("openduck_diff: the table's columns changed on %s while the diff started; run it "
		                            "again",
		                            side.label);
	}
	return std::move(state);
}

void SideScan(ClientContext &, TableFunctionInput &input, DataChunk &output) {
	auto &bind = input.bind_data->Cast<SideBindData>();
	auto &state = input.global_state->Cast<SideScanState>();
	state.chunk = state.result->Fetch();
	if (state.result->HasError()) {
		ThrowFromSide(bind.sides->sides[bind.side], state.result->GetErrorObject());
	}
	if (state.chunk) {
		output.Reference(*state.chunk);
	}
}

// The columns of `select_sql` on `side`, from preparing it (nothing runs).
void DescribeSide(const TableDiff::Side &side, const std::string &select_sql, vector<LogicalType> &types,
                  vector<string> &names) {
	Connection connection(*side.database);
	auto prepared = connection.Prepare(select_sql);
	if (prepared->HasError()) {
		ThrowFromSide(side, prepared->error);
	}
	types = prepared->GetTypes();
	names = prepared->GetNames();
}

std::string ColumnList(const vector<LogicalType> &types, const vector<string> &names) {
	std::string list;
	for (idx_t i = 0; i < types.size(); i++) {
		list += (i ? ", " : "") + names[i] + " " + types[i].ToString();
	}
	return "(" + list + ")";
}

// Each row counted +1 on the `from` side and -1 on the `to` side: a positive sum is a row
// removed that many times, a negative one a row added. range() repeats it that many times.
std::string ComparisonSql(const vector<string> &names) {
	std::string columns, renamed;
	for (idx_t i = 0; i < names.size(); i++) {
		auto column = "c" + std::to_string(i);
		columns += (i ? ", " : "") + column;
		renamed += ", " + column + " AS " + Quoted(names[i]);
	}
	return "SELECT CASE WHEN delta > 0 THEN 'removed' ELSE 'added' END AS change_type" + renamed +
	       " FROM (SELECT " + columns + ", sum(weight) AS delta FROM (SELECT *, 1::BIGINT AS weight FROM " +
	       kSideFunction + "(0) UNION ALL SELECT *, -1::BIGINT FROM " + kSideFunction + "(1)) GROUP BY " + columns +
	       " HAVING delta <> 0), range(abs(delta)::BIGINT)";
}

} // namespace

TableDiff::TableDiff(std::unique_ptr<duckdb::DuckDB> scratch, Side from, Side to, const std::string &schema,
                     const std::string &table)
    : scratch_(std::move(scratch)) {
	auto sides = make_shared_ptr<DiffSides>();
	sides->sides[0] = std::move(from);
	sides->sides[1] = std::move(to);
	auto name = (schema.empty() ? "" : Quoted(schema) + ".") + Quoted(table);
	sides->select_sql = "SELECT * FROM " + name;
	vector<LogicalType> to_types;
	vector<string> from_names, to_names;
	DescribeSide(sides->sides[0], sides->select_sql, sides->types, from_names);
	DescribeSide(sides->sides[1], sides->select_sql, to_types, to_names);
	if (sides->types != to_types || from_names != to_names) {
		throw InvalidInputException(
		    "openduck_diff compares rows of one shape, but table %s has columns %s at %s and %s at %s; compare the "
		    "columns both have with a query instead, e.g. SELECT <columns> FROM <table> AT (VERSION => <to>) EXCEPT "
		    "ALL SELECT <columns> FROM <table> AT (VERSION => <from>)",
		    name, ColumnList(sides->types, from_names), sides->sides[0].label, ColumnList(to_types, to_names),
		    sides->sides[1].label);
	}
	TableFunction function(kSideFunction, {LogicalType::INTEGER}, SideScan, SideBind, SideInit);
	function.function_info = sides;
	CreateTableFunctionInfo info(function);
	auto &instance = *scratch_->instance;
	Catalog::GetSystemCatalog(instance).CreateTableFunction(CatalogTransaction::GetSystemTransaction(instance), info);
	sql_ = ComparisonSql(from_names);
}

TableDiff::~TableDiff() = default;

} // namespace openduck
