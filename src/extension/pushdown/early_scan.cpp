#include "extension/pushdown/early_scan.hpp"

#include "duckdb/common/error_data.hpp"
#include "duckdb/planner/expression_iterator.hpp"
#include "duckdb/planner/logical_operator_visitor.hpp"
#include "extension/catalog/catalog_recheck.hpp"
#include "extension/scan/remote_scan.hpp"

namespace openduck {

using namespace duckdb;

namespace {

// Whether a parameter of the plan has no value yet: a prepared statement's plan, run again with
// other values each time, whose scan cannot be sent before it runs. (Values passed with the
// statement are bound into the plan as constants.)
bool HasUnboundParameters(LogicalOperator &op) {
	bool found = false;
	LogicalOperatorVisitor::EnumerateExpressions(op, [&](unique_ptr<Expression> *expression) {
		ExpressionIterator::VisitExpressionClass(**expression, ExpressionClass::BOUND_PARAMETER,
		                                         [&](const Expression &) { found = true; });
	});
	for (auto &child : op.children) {
		found = found || HasUnboundParameters(*child);
	}
	return found;
}

// A remote scan of `op` whose catalog check was deferred, else nullptr.
LogicalGet *DeferredScan(LogicalOperator &op) {
	if (op.type == LogicalOperatorType::LOGICAL_GET && SendsEarly(op.Cast<LogicalGet>())) {
		return &op.Cast<LogicalGet>();
	}
	for (auto &child : op.children) {
		if (auto found = DeferredScan(*child)) {
			return found;
		}
	}
	return nullptr;
}

void PostOptimize(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &plan) {
	auto &context = input.context;
	auto deferred = DeferredScan(*plan);
	if (!deferred) {
		return;
	}
	try {
		if (deferred == LoneScan(*plan) && !HasUnboundParameters(*plan) && SendScanEarly(context, *deferred)) {
			return;
		}
	} catch (std::exception &error) {
		// The worker refused a stale catalog: bind again when it changed (another failure that
		// names the catalog is then reported as it came).
		if (ErrorData(error).Type() == ExceptionType::CATALOG) {
			RequireCurrentCatalogs(context);
		}
		throw;
	}
	RequireCurrentCatalogs(context);
}

} // namespace

LogicalGet *LoneScan(LogicalOperator &op) {
	if (op.type == LogicalOperatorType::LOGICAL_GET) {
		return op.children.empty() ? &op.Cast<LogicalGet>() : nullptr;
	}
	return op.children.size() == 1 ? LoneScan(*op.children[0]) : nullptr;
}

bool DeferCatalogCheckToScan(ClientContext &context, LogicalOperator &plan) {
	auto get = LoneScan(plan);
	// A statement inside a transaction runs in the transaction's worker session.
	return context.transaction.IsAutoCommit() && get && MarkToSendEarly(*get);
}

OptimizerExtension EarlyScanExtension() {
	OptimizerExtension extension;
	extension.optimize_function = PostOptimize;
	return extension;
}

} // namespace openduck
