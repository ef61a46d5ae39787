#include "extension/pushdown/bind_again.hpp"

#include "duckdb/optimizer/optimizer.hpp"
#include "duckdb/planner/binder.hpp"
#include "duckdb/planner/subquery/flatten_dependent_join.hpp"
#include "extension/pushdown/pushdown_errors.hpp"

namespace openduck {

using namespace duckdb;

unique_ptr<LogicalOperator> BindAgain(OptimizerExtensionInput &input, SQLStatement &statement) {
	auto binder = Binder::CreateBinder(input.context);
	BoundStatement bound;
	try {
		bound = binder->Bind(statement);
		// As Planner::CreatePlan does after binding: without it a correlated subquery next to an
		// uncorrelated one (TPC-H Q22's NOT EXISTS beside a shipped scalar subquery) keeps
		// references that no operator provides, an INTERNAL error when the plan is built.
		bound.plan = FlattenDependentJoins::DecorrelateIndependent(*binder, std::move(bound.plan));
	} catch (std::exception &error) {
		RethrowUnlessCannotShip(error);
		return nullptr;
	}
	auto next_index = binder->GenerateTableIndex();
	while (input.optimizer.binder.GenerateTableIndex() < next_index) {
	}
	bound.plan->ResolveOperatorTypes();
	return std::move(bound.plan);
}

} // namespace openduck
