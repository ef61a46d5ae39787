#include "extension/pushdown/modify_with_values.hpp"

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/planner/expression/bound_columnref_expression.hpp"
#include "duckdb/planner/expression/bound_constant_expression.hpp"
#include "duckdb/planner/expression_iterator.hpp"
#include "duckdb/planner/operator/logical_delete.hpp"
#include "duckdb/planner/operator/logical_filter.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "duckdb/planner/operator/logical_projection.hpp"
#include "duckdb/planner/operator/logical_update.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/pushdown/condition_sql.hpp"
#include "extension/pushdown/shipped_plan.hpp"
#include "extension/pushdown/sql_literals.hpp"
#include "extension/pushdown/sql_rewrite.hpp"
#include "extension/scan/remote_scan.hpp"

namespace openduck {

using namespace duckdb;

// Every UPDATE or DELETE without RETURNING answers one BIGINT count, whatever its text: one
// cached description serves them all.
static const char *const kCountShape = "UPDATE or DELETE without RETURNING";

namespace {

// Evaluates every foldable part of `expression` (parameters bound as constants, casts of them)
// to a constant; false when an evaluation fails (the host plan then reports the error).
bool FoldConstants(ClientContext &context, unique_ptr<Expression> &expression) {
	if (expression->IsFoldable() && expression->GetExpressionClass() != ExpressionClass::BOUND_CONSTANT) {
		Value value;
		if (!ExpressionExecutor::TryEvaluateScalar(context, *expression, value)) {
			return false;
		}
		expression = make_uniq<BoundConstantExpression>(std::move(value));
		return true;
	}
	bool folded = true;
	ExpressionIterator::EnumerateChildren(
	    *expression, [&](unique_ptr<Expression> &child) { folded = folded && FoldConstants(context, child); });
	return folded;
}

// The scan the statement modifies and the WHERE clause its filter renders to (" WHERE ..." or
// ""); nullptr when `child` is no filter over one remote scan of `catalog`, or its condition
// cannot be sent.
LogicalGet *ScanAndCondition(ClientContext &context, LogicalOperator &child, ODCatalog &catalog,
                             std::string &where) {
	auto *op = &child;
	optional_ptr<LogicalFilter> filter;
	if (op->type == LogicalOperatorType::LOGICAL_FILTER && op->children.size() == 1) {
		filter = &op->Cast<LogicalFilter>();
		op = op->children[0].get();
	}
	if (op->type != LogicalOperatorType::LOGICAL_GET || !op->children.empty()) {
		return nullptr;
	}
	auto &get = op->Cast<LogicalGet>();
	auto relation = ScannedRelation(get);
	if (!relation || relation->is_view || !relation->snapshot.empty() ||
	    !IsRemoteScanOf(get.function, get.bind_data.get(), catalog.Client())) {
		return nullptr;
	}
	where.clear();
	if (filter) {
		auto columns = RemoteColumnSQL(get);
		for (auto &expression : filter->expressions) {
			auto condition = expression->Copy();
			std::string sql;
			if (!FoldConstants(context, condition) || !RenderCondition(*condition, columns, sql)) {
				return nullptr;
			}
			where += (where.empty() ? " WHERE " : " AND ") + sql;
		}
	}
	return &get;
}

// UPDATE ... SET ...: each value DEFAULT or a constant once folded.
bool RenderUpdate(ClientContext &context, LogicalUpdate &update, ODCatalog &catalog, std::string &sql) {
	if (update.return_chunk || update.children.size() != 1 ||
	    update.children[0]->type != LogicalOperatorType::LOGICAL_PROJECTION ||
	    update.expressions.size() != update.columns.size()) {
		return false;
	}
	auto &projection = update.children[0]->Cast<LogicalProjection>();
	std::string where;
	if (projection.children.size() != 1 || !ScanAndCondition(context, *projection.children[0], catalog, where)) {
		return false;
	}
	std::string set;
	for (idx_t i = 0; i < update.columns.size(); i++) {
		auto &column = update.table.GetColumns().GetColumn(update.columns[i]);
		auto &expression = *update.expressions[i];
		std::string value;
		if (expression.GetExpressionClass() == ExpressionClass::BOUND_DEFAULT) {
			value = "DEFAULT";
		} else {
			if (expression.GetExpressionClass() != ExpressionClass::BOUND_COLUMN_REF) {
				return false;
			}
			auto &binding = expression.Cast<BoundColumnRefExpression>().binding;
			if (binding.table_index != projection.table_index ||
			    binding.column_index >= projection.expressions.size()) {
				return false;
			}
			auto folded = projection.expressions[binding.column_index]->Copy();
			if (!FoldConstants(context, folded) || folded->GetExpressionClass() != ExpressionClass::BOUND_CONSTANT ||
			    !TryRenderLiteral(folded->Cast<BoundConstantExpression>().value, value)) {
				return false;
			}
		}
		set += (set.empty() ? " SET " : ", ") + QuoteIdentifier(column.Name()) + " = " + value;
	}
	sql = "UPDATE " + QualifiedTableSQL(update.table) + set + where;
	return true;
}

bool RenderDelete(ClientContext &context, LogicalDelete &del, ODCatalog &catalog, std::string &sql) {
	std::string where;
	if (del.return_chunk || del.children.size() != 1 || !ScanAndCondition(context, *del.children[0], catalog, where)) {
		return false;
	}
	sql = "DELETE FROM " + QualifiedTableSQL(del.table) + where;
	return true;
}

} // namespace

bool ShipModifyWithValues(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &target, ODCatalog &catalog) {
	auto &context = input.context;
	std::string sql;
	ShippedStatement how;
	switch (target->type) {
	case LogicalOperatorType::LOGICAL_UPDATE:
		if (&target->Cast<LogicalUpdate>().table.ParentCatalog() != &catalog ||
		    !RenderUpdate(context, target->Cast<LogicalUpdate>(), catalog, sql)) {
			return false;
		}
		how.target = &target->Cast<LogicalUpdate>().table;
		break;
	case LogicalOperatorType::LOGICAL_DELETE:
		if (&target->Cast<LogicalDelete>().table.ParentCatalog() != &catalog ||
		    !RenderDelete(context, target->Cast<LogicalDelete>(), catalog, sql)) {
			return false;
		}
		how.target = &target->Cast<LogicalDelete>().table;
		break;
	default:
		return false;
	}
	how.own_transaction = context.transaction.IsAutoCommit();
	return ShipPlan(input, target, catalog, sql, catalog.OptionsWithoutNewSession(context), std::move(how), false,
	                kCountShape);
}

} // namespace openduck
