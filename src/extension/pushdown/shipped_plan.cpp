#include "extension/pushdown/shipped_plan.hpp"

#include "duckdb/optimizer/optimizer.hpp"
#include "duckdb/planner/binder.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/pushdown/pushdown_errors.hpp"
#include "extension/scan/remote_result.hpp"
#include "extension/scan/remote_statement.hpp"

namespace openduck {

using namespace duckdb;

bool ShipPlan(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &target, ODCatalog &catalog,
              const std::string &sql, ExecuteOptions options, ShippedStatement how, bool prefetch,
              const std::string &shape) {
	auto &context = input.context;
	vector<LogicalType> types;
	vector<string> names;
	try {
		if (prefetch) {
			options.read_only = true;
			options.snapshot = how.snapshot;
			auto result = std::make_unique<RemoteResult>(context, catalog.Client().Execute(sql, options));
			types = result->Types();
			how.prefetched = std::make_shared<PrefetchedResult>(std::move(result));
		} else if (options.uploads) {
			// The uploads' tables exist only for the request that carries them.
			options.describe_only = true;
			options.read_only = true;
			RemoteResult described(context, catalog.Client().Execute(sql, options));
			types = described.Types();
		} else {
			catalog.Describe(context, sql, types, names, shape);
		}
	} catch (std::exception &error) {
		// The worker could not bind the rewritten text: keep the local plan, which reports any
		// real error itself.
		RethrowUnlessCannotShip(error);
		return false;
	}
	target->ResolveOperatorTypes();
	if (types != target->types) {
		return false;
	}
	how.uploads = options.uploads;
	target = MakeRemoteStatement(input.optimizer.binder.GenerateTableIndex(), MakeQueryBindData(catalog, sql, types, how),
	                             types);
	return true;
}

} // namespace openduck
