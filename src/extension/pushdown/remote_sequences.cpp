#include "extension/pushdown/remote_sequences.hpp"

#include "duckdb/function/scalar/sequence_utils.hpp"
#include "duckdb/main/client_config.hpp"
#include "duckdb/main/prepared_statement_data.hpp"
#include "duckdb/planner/expression/bound_function_expression.hpp"
#include "duckdb/planner/logical_operator_visitor.hpp"
#include "extension/catalog/od_catalog.hpp"

namespace openduck {

using namespace duckdb;

namespace {

class SequenceFinder : public LogicalOperatorVisitor {
public:
	RemoteSequenceUse found;

	void VisitOperator(LogicalOperator &op) override {
		if (!found.function.empty()) {
			return;
		}
		// An INSERT's own expressions are the DEFAULTs of the columns it leaves out, which the
		// worker fills in itself; a DEFAULT put into VALUES is in its child.
		if (op.type != LogicalOperatorType::LOGICAL_INSERT) {
			VisitOperatorExpressions(op);
		}
		VisitOperatorChildren(op);
	}

	unique_ptr<Expression> VisitReplace(BoundFunctionExpression &expr, unique_ptr<Expression> *) override {
		bool sequence_function = expr.function.name == "nextval" || expr.function.name == "currval";
		if (found.function.empty() && expr.bind_info && sequence_function) {
			auto &sequence = expr.bind_info->Cast<NextvalBindData>().sequence;
			if (auto *catalog = dynamic_cast<ODCatalog *>(&sequence.ParentCatalog())) {
				found.function = expr.function.name;
				found.sequence = catalog->GetName() + "." + sequence.ParentSchema().name + "." + sequence.name;
				found.catalog = catalog;
			}
		}
		return nullptr; // LogicalOperatorVisitor visits the children then
	}
};

} // namespace

RemoteSequenceUse FindRemoteSequenceUse(LogicalOperator &plan) {
	SequenceFinder finder;
	finder.VisitOperator(plan);
	return finder.found;
}

void RefuseSequenceOnHost(const RemoteSequenceUse &use, const std::string &why) {
	throw BinderException("%s('%s') cannot run in this statement: sequence %s lives in OpenDuck database \"%s\", "
	                      "whose worker owns its counter, so statements using it run whole there, and this one "
	                      "cannot (%s). Use the sequence in a statement that reads and writes only tables of "
	                      "\"%s\", without parameters, or leave its column out of an INSERT's column list so the "
	                      "worker fills in the column's DEFAULT",
	                      use.function, use.sequence, use.sequence, use.catalog->GetName(), why,
	                      use.catalog->GetName());
}

void RemoteSequenceGuard::NoteBound(ClientContext &context, const std::string &sequence) {
	context.registered_state->GetOrCreate<RemoteSequenceGuard>(kKey)->bound_ = sequence;
}

void RemoteSequenceGuard::QueryBegin(ClientContext &context) {
	bound_.clear();
}

RebindQueryInfo RemoteSequenceGuard::OnFinalizePrepare(ClientContext &context, PreparedStatementData &prepared,
                                                       PreparedStatementMode mode) {
	if (bound_.empty() || ClientConfig::GetConfig(context).enable_optimizer) {
		return RebindQueryInfo::DO_NOT_REBIND;
	}
	switch (prepared.statement_type) {
	case StatementType::SELECT_STATEMENT:
	case StatementType::INSERT_STATEMENT:
	case StatementType::UPDATE_STATEMENT:
	case StatementType::DELETE_STATEMENT:
	case StatementType::MERGE_INTO_STATEMENT:
		throw BinderException("This statement uses sequence %s of an OpenDuck database, so it must run whole on the "
		                      "database's worker, which OpenDuck decides in DuckDB's optimizer: it cannot run while "
		                      "the optimizer is disabled (PRAGMA disable_optimizer, or a verification run of PRAGMA "
		                      "enable_verification). Run PRAGMA enable_optimizer first",
		                      bound_);
	default:
		return RebindQueryInfo::DO_NOT_REBIND;
	}
}

} // namespace openduck
