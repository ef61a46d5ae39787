#include "extension/pushdown/split_pushdown.hpp"

#include "duckdb/common/string_util.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/parser/tableref/table_function_ref.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/client/setting_value.hpp"
#include "extension/functions/split_read_function.hpp"
#include "extension/pushdown/bind_again.hpp"
#include "extension/pushdown/pushdown_errors.hpp"
#include "extension/pushdown/split_aggregate.hpp"
#include "extension/scan/query_stats.hpp"
#include "extension/scan/remote_scan.hpp"

namespace openduck {

using namespace duckdb;

namespace {

// Rows per DuckDB row group: parts read whole row groups, which a rowid range lets the
// worker's scan skip without reading them.
constexpr int64_t kRowGroupRows = 122880;

// The one remote scan of `op`'s plan, or nullptr.
optional_ptr<LogicalGet> OnlyRemoteScan(LogicalOperator &op, ODCatalog &catalog) {
	optional_ptr<LogicalGet> found;
	int scans = 0;
	std::function<void(LogicalOperator &)> visit = [&](LogicalOperator &node) {
		if (node.type == LogicalOperatorType::LOGICAL_GET) {
			auto &get = node.Cast<LogicalGet>();
			scans++;
			if (IsRemoteScanOf(get.function, get.bind_data.get(), catalog.Client())) {
				found = &get;
			}
		}
		for (auto &child : node.children) {
			visit(*child);
		}
	};
	visit(op);
	return scans == 1 ? found : nullptr;
}

// The argument types of the split's averages, as the worker binds them; false when it cannot.
bool DescribeAverageArguments(ClientContext &context, ODCatalog &catalog, AggregateSplit &split) {
	if (split.average_arguments.empty()) {
		return true;
	}
	SelectNode arguments;
	for (auto &argument : split.average_arguments) {
		arguments.select_list.push_back(argument->Copy());
	}
	arguments.from_table = split.partial->from_table->Copy();
	vector<LogicalType> types;
	vector<string> names;
	catalog.Describe(context, arguments.ToString(), types, names);
	return SetAverageKinds(split, types);
}

} // namespace

void AddSplitSettings(DBConfig &config) {
	config.AddExtensionOption(kSplitReadsSetting,
	                          "Split a large aggregate over one remote table across the read replicas at one commit "
	                          "position (a READ_ONLY attachment through a gateway), merging the parts on the host",
	                          LogicalType::BOOLEAN, Value::BOOLEAN(true));
	config.AddExtensionOption(kSplitMinRowsSetting,
	                          "The fewest rows a remote table must have (by its statistics) for its aggregates to be "
	                          "split across read replicas (openduck_split_reads)",
	                          LogicalType::UBIGINT, Value::UBIGINT(1000000));
}

bool ShipSplitAggregate(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &target, ODCatalog &catalog,
                        const SelectStatement &statement) {
	auto &context = input.context;
	if (!catalog.Client().Config().read_only || !SettingValue<bool>(context, kSplitReadsSetting, true)) {
		return false;
	}
	auto scan = OnlyRemoteScan(*target, catalog);
	auto relation = scan ? ScannedRelation(*scan) : nullptr;
	if (!relation || relation->is_view) {
		return false;
	}
	for (auto &column : relation->column_names) {
		if (StringUtil::CIEquals(column, "rowid")) {
			return false; // the parts' ranges would filter on that column, not on row ids
		}
	}
	auto rows = static_cast<int64_t>(relation->estimated_rows);
	if (rows < 2 * kRowGroupRows || static_cast<uint64_t>(rows) < SettingValue<uint64_t>(context, kSplitMinRowsSetting, 1000000)) {
		return false;
	}
	auto split = SplitAggregate(context, statement);
	if (!split) {
		return false;
	}
	auto targets = catalog.SplitTargets(QueryStats::Get(context).Current());
	// No more parts than row groups: a part without rows would only cost a request.
	auto parts = std::min<int64_t>(targets.second, (rows + kRowGroupRows - 1) / kRowGroupRows);
	if (parts < 2) {
		return false;
	}
	try {
		if (!DescribeAverageArguments(context, catalog, *split)) {
			return false;
		}
	} catch (std::exception &error) {
		RethrowUnlessCannotShip(error);
		return false;
	}
	// Whole row groups per part; the first and last ranges are open, so rows appended since
	// the statistics were read are still counted (by the last part).
	auto per_part = (rows / parts + kRowGroupRows - 1) / kRowGroupRows * kRowGroupRows;
	vector<Value> sqls;
	for (int64_t i = 0; i < parts; i++) {
		std::optional<int64_t> lower, upper;
		if (i > 0) {
			lower = i * per_part;
		}
		if (i + 1 < parts) {
			upper = (i + 1) * per_part;
		}
		sqls.push_back(Value(PartSql(*split->partial, lower, upper)));
	}
	vector<unique_ptr<ParsedExpression>> arguments;
	arguments.push_back(make_uniq<ConstantExpression>(Value(catalog.GetName())));
	arguments.push_back(make_uniq<ConstantExpression>(Value::LIST(LogicalType::VARCHAR, std::move(sqls))));
	arguments.push_back(make_uniq<ConstantExpression>(Value::BIGINT(targets.first.snapshot)));
	arguments.push_back(make_uniq<ConstantExpression>(Value::BIGINT(targets.first.segments)));
	auto read = make_uniq<TableFunctionRef>();
	read->function = make_uniq<FunctionExpression>(kSplitReadFunction, std::move(arguments));
	split->merge->from_table = std::move(read);
	SelectStatement merge;
	merge.node = std::move(split->merge);
	auto plan = BindAgain(input, merge);
	target->ResolveOperatorTypes();
	if (!plan || plan->types != target->types) {
		return false;
	}
	target = std::move(plan);
	return true;
}

} // namespace openduck
