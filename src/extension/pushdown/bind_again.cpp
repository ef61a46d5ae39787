#include "extension/pushdown/bind_again.hpp"

#include "duckdb/optimizer/optimizer.hpp"
#include "duckdb/planner/binder.hpp"
#include "extension/pushdown/pushdown_errors.hpp"

namespace openduck {

using namespace duckdb;

unique_ptr<LogicalOperator> BindAgain(OptimizerExtensionInput &input, SQLStatement &statement) {
	auto binder = Binder::CreateBinder(input.context);
	BoundStatement bound;
	try {
		bound = binder->Bind(statement);
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
