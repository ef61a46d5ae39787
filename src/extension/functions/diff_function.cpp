#include "extension/functions/diff_function.hpp"

#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/parser.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/scan/not_serializable.hpp"
#include "extension/scan/received_types.hpp"
#include "extension/scan/remote_result.hpp"

namespace openduck {

using namespace duckdb;

namespace {

constexpr const char *kDiffFunction = "openduck_diff";

struct DiffBindData : public TableFunctionData {
	ODCatalog *catalog = nullptr;
	v1::TableDiff diff;
	vector<LogicalType> types;

	bool Equals(const FunctionData &other_p) const override {
		auto &other = other_p.Cast<DiffBindData>();
		return catalog == other.catalog && diff.SerializeAsString() == other.diff.SerializeAsString();
	}
};

struct DiffGlobalState : public GlobalTableFunctionState {
	std::unique_ptr<RemoteResult> result;
};

// A diff reads committed snapshots only: never inside the transaction's worker session.
ExecuteOptions DiffOptions(ClientContext &context, ODCatalog &catalog, const v1::TableDiff &diff) {
	auto options = catalog.OptionsWithoutNewSession(context);
	options.session_id.clear();
	options.read_only = true;
	options.diff = diff;
	return options;
}

// 'table', 'schema.table' or 'database.schema.table' as SQL writes it (quoted where it must
// be), so every name DuckDB allows can be given: the table's name last, its schema before it.
vector<string> ParseTableName(const string &text, const string &alias) {
	vector<unique_ptr<ParsedExpression>> parsed;
	try {
		parsed = Parser::ParseExpressionList(text);
	} catch (std::exception &) {
	}
	if (parsed.size() != 1 || parsed[0]->GetExpressionClass() != ExpressionClass::COLUMN_REF ||
	    parsed[0]->Cast<ColumnRefExpression>().column_names.size() > 3) {
		throw BinderException("%s: '%s' is not a table name; write it as SQL does: 'table', 'schema.table', with "
		                      "double quotes around a name that needs them ('\"My Table\"')",
		                      kDiffFunction, text);
	}
	auto names = parsed[0]->Cast<ColumnRefExpression>().column_names;
	if (names.size() == 3) {
		if (!StringUtil::CIEquals(names[0], alias)) {
			throw BinderException("%s: table '%s' names database \"%s\", not \"%s\"; name the table inside the "
			                      "database ('table' or 'schema.table')",
			                      kDiffFunction, text, names[0], alias);
		}
		names.erase(names.begin());
	}
	return names;
}

unique_ptr<FunctionData> DiffBind(ClientContext &context, TableFunctionBindInput &input,
                                  vector<LogicalType> &return_types, vector<string> &names) {
	if (input.inputs[0].IsNull() || input.inputs[1].IsNull()) {
		throw BinderException("%s: the database and the table cannot be NULL", kDiffFunction);
	}
	auto alias = input.inputs[0].GetValue<string>();
	auto table = ParseTableName(input.inputs[1].GetValue<string>(), alias);
	auto bind = make_uniq<DiffBindData>();
	bind->catalog = &ODCatalog::Require(context, alias, kDiffFunction);
	bind->diff.set_schema(table.size() == 2 ? table[0] : "");
	bind->diff.set_table(table.back());
	bind->diff.set_from_snapshot(ODCatalog::SnapshotOf(input.inputs[2], kDiffFunction));
	if (input.inputs.size() > 3) {
		bind->diff.set_to_snapshot(ODCatalog::SnapshotOf(input.inputs[3], kDiffFunction));
	}
	auto options = DiffOptions(context, *bind->catalog, bind->diff);
	options.describe_only = true;
	RemoteResult described(context, bind->catalog->Client().Execute("", options));
	bind->types = described.Types();
	return_types = bind->types;
	names = described.Names();
	return std::move(bind);
}

unique_ptr<GlobalTableFunctionState> DiffInit(ClientContext &context, TableFunctionInitInput &input) {
	auto &bind = input.bind_data->Cast<DiffBindData>();
	auto state = make_uniq<DiffGlobalState>();
	state->result = std::make_unique<RemoteResult>(
	    context, bind.catalog->Client().Execute("", DiffOptions(context, *bind.catalog, bind.diff)));
	CheckReceivedTypes(*bind.catalog, "the diff of table '" + bind.diff.table() + "'", {}, bind.types,
	                   state->result->Types());
	return std::move(state);
}

void DiffExecute(ClientContext &, TableFunctionInput &input, DataChunk &output) {
	input.global_state->Cast<DiffGlobalState>().result->Next(output);
}

InsertionOrderPreservingMap<string> DiffToString(TableFunctionToStringInput &input) {
	auto &bind = input.bind_data->Cast<DiffBindData>();
	InsertionOrderPreservingMap<string> result;
	result["Location"] = bind.catalog->RemoteLocation();
	result["Table"] = (bind.diff.schema().empty() ? "" : bind.diff.schema() + ".") + bind.diff.table();
	result["From"] = bind.diff.from_snapshot();
	result["To"] = bind.diff.to_snapshot().empty() ? "the attachment's state" : bind.diff.to_snapshot();
	return result;
}

TableFunction DiffOverload(vector<LogicalType> arguments) {
	TableFunction function(kDiffFunction, std::move(arguments), DiffExecute, DiffBind, DiffInit);
	function.to_string = DiffToString;
	MarkNotSerializable(function);
	return function;
}

} // namespace

TableFunctionSet DiffFunction() {
	TableFunctionSet set(kDiffFunction);
	set.AddFunction(DiffOverload({LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::ANY}));
	set.AddFunction(DiffOverload({LogicalType::VARCHAR, LogicalType::VARCHAR, LogicalType::ANY, LogicalType::ANY}));
	return set;
}

} // namespace openduck
