#include "extension/pushdown/row_filter_pushdown.hpp"

#include "duckdb/planner/operator/logical_filter.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "extension/pushdown/condition_sql.hpp"
#include "extension/scan/remote_scan.hpp"

namespace openduck {

using namespace duckdb;

namespace {

void Visit(LogicalOperator &op) {
	if (op.type == LogicalOperatorType::LOGICAL_FILTER && op.children.size() == 1 &&
	    op.children[0]->type == LogicalOperatorType::LOGICAL_GET) {
		auto &get = op.children[0]->Cast<LogicalGet>();
		if (ScannedRelation(get)) {
			auto column_sql = RemoteColumnSQL(get);
			for (auto &expression : op.Cast<LogicalFilter>().expressions) {
				std::string sql;
				if (RenderCondition(*expression, column_sql, sql)) {
					AddRowFilter(get, sql);
				}
			}
		}
	}
	for (auto &child : op.children) {
		Visit(*child);
	}
}

void PostOptimize(OptimizerExtensionInput &, unique_ptr<LogicalOperator> &plan) {
	Visit(*plan);
}

} // namespace

OptimizerExtension RowFilterPushdownExtension() {
	OptimizerExtension extension;
	extension.optimize_function = PostOptimize;
	return extension;
}

} // namespace openduck
