#include "extension/pushdown/semi_join_pushdown.hpp"

#include "duckdb/execution/expression_executor.hpp"
#include "duckdb/execution/physical_operator.hpp"
#include "duckdb/execution/physical_plan_generator.hpp"
#include "duckdb/main/config.hpp"
#include "duckdb/main/settings.hpp"
#include "duckdb/planner/expression/bound_columnref_expression.hpp"
#include "duckdb/planner/operator/logical_comparison_join.hpp"
#include "duckdb/planner/operator/logical_extension_operator.hpp"
#include "duckdb/planner/operator/logical_get.hpp"
#include "duckdb/planner/operator/logical_projection.hpp"
#include "extension/pushdown/join_keys.hpp"
#include "extension/scan/remote_scan.hpp"

namespace openduck {

using namespace duckdb;

namespace {

constexpr const char *kOperatorName = "OPENDUCK_JOIN_KEYS";
// Build sides estimated larger than this are not collected (JoinKeys drops them anyway).
constexpr idx_t kMaxBuildRows = idx_t(4) << 20;

InsertionOrderPreservingMap<string> KeyParams(const vector<unique_ptr<Expression>> &keys,
                                              const vector<std::shared_ptr<JoinKeys>> &sets) {
	InsertionOrderPreservingMap<string> params;
	std::string text;
	for (idx_t i = 0; i < keys.size(); i++) {
		text += (text.empty() ? "" : "\n") + keys[i]->GetName() + " -> remote " + sets[i]->Column();
	}
	params["Join keys to worker"] = text;
	return params;
}

class JoinKeysLocalState : public OperatorState {
public:
	JoinKeysLocalState(ClientContext &context, const vector<unique_ptr<Expression>> &keys) : executor(context) {
		vector<LogicalType> types;
		for (auto &key : keys) {
			executor.AddExpression(*key);
			types.push_back(key->return_type);
		}
		values.Initialize(Allocator::Get(context), types);
	}

	ExpressionExecutor executor;
	DataChunk values;
};

// Passes its child's rows through unchanged and adds their keys to `sets_`; sets them complete
// when its pipeline (the join's build side) has finished.
class PhysicalJoinKeys : public PhysicalOperator {
public:
	PhysicalJoinKeys(PhysicalPlan &plan, vector<LogicalType> types, vector<unique_ptr<Expression>> keys,
	                 vector<std::shared_ptr<JoinKeys>> sets, idx_t estimated_cardinality)
	    : PhysicalOperator(plan, PhysicalOperatorType::EXTENSION, std::move(types), estimated_cardinality),
	      keys_(std::move(keys)), sets_(std::move(sets)) {
	}

	unique_ptr<GlobalOperatorState> GetGlobalOperatorState(ClientContext &context) const override {
		// Once per execution, before the build side runs.
		for (auto &set : sets_) {
			set->Reset();
		}
		return make_uniq<GlobalOperatorState>();
	}

	unique_ptr<OperatorState> GetOperatorState(ExecutionContext &context) const override {
		return make_uniq<JoinKeysLocalState>(context.client, keys_);
	}

	OperatorResultType Execute(ExecutionContext &context, DataChunk &input, DataChunk &chunk,
	                           GlobalOperatorState &gstate, OperatorState &state_p) const override {
		auto &state = state_p.Cast<JoinKeysLocalState>();
		state.values.Reset();
		state.executor.Execute(input, state.values);
		for (idx_t i = 0; i < sets_.size(); i++) {
			sets_[i]->Add(state.values.data[i], input.size());
		}
		chunk.Reference(input);
		return OperatorResultType::NEED_MORE_INPUT;
	}

	bool ParallelOperator() const override {
		return true;
	}

	bool RequiresOperatorFinalize() const override {
		return true;
	}

	OperatorFinalResultType OperatorFinalize(Pipeline &pipeline, Event &event, ClientContext &context,
	                                         OperatorFinalizeInput &input) const override {
		for (auto &set : sets_) {
			set->Finish();
		}
		return OperatorFinalResultType::FINISHED;
	}

	std::string GetName() const override {
		return kOperatorName;
	}

	InsertionOrderPreservingMap<string> ParamsToString() const override {
		return KeyParams(keys_, sets_);
	}

private:
	vector<unique_ptr<Expression>> keys_;
	vector<std::shared_ptr<JoinKeys>> sets_;
};

class LogicalJoinKeys : public LogicalExtensionOperator {
public:
	LogicalJoinKeys(unique_ptr<LogicalOperator> child, vector<unique_ptr<Expression>> keys,
	                vector<std::shared_ptr<JoinKeys>> sets)
	    : sets_(std::move(sets)) {
		expressions = std::move(keys);
		if (child->has_estimated_cardinality) {
			SetEstimatedCardinality(child->estimated_cardinality);
		}
		children.push_back(std::move(child));
	}

	vector<ColumnBinding> GetColumnBindings() override {
		return children[0]->GetColumnBindings();
	}

	PhysicalOperator &CreatePlan(ClientContext &context, PhysicalPlanGenerator &planner) override {
		auto &child = planner.CreatePlan(*children[0]);
		vector<unique_ptr<Expression>> keys;
		for (auto &expression : expressions) {
			keys.push_back(expression->Copy());
		}
		auto &op = planner.Make<PhysicalJoinKeys>(types, std::move(keys), sets_, estimated_cardinality);
		op.children.push_back(child);
		return op;
	}

	void Serialize(Serializer &serializer) const override {
		// Like the remote scan it feeds (scan/not_serializable.hpp): DuckDB then skips the round trip.
		throw NotImplementedException("an OpenDuck join key collector cannot be serialized");
	}

	std::string GetName() const override {
		return kOperatorName;
	}

	InsertionOrderPreservingMap<string> ParamsToString() const override {
		return KeyParams(expressions, sets_);
	}

protected:
	void ResolveTypes() override {
		types = children[0]->types;
	}

private:
	vector<std::shared_ptr<JoinKeys>> sets_;
};

bool HasEquality(const LogicalComparisonJoin &join) {
	for (auto &condition : join.conditions) {
		if (condition.comparison == ExpressionType::COMPARE_EQUAL) {
			return true;
		}
	}
	return false;
}

// Whether each row of a join's probe side (children[0]) is kept or dropped on its own, so that
// dropping probe rows early drops only their own output rows.
bool ProbeRowsIndependent(JoinType type) {
	switch (type) {
	case JoinType::INNER:
	case JoinType::LEFT:
	case JoinType::SEMI:
	case JoinType::ANTI:
	case JoinType::MARK:
	case JoinType::SINGLE:
		return true;
	default:
		return false;
	}
}

// Follows `binding` from `op` down the probe-side path described in the header to a remote scan;
// on success `get` is the scan and `column_index` the binding's column there.
bool TraceToRemoteScan(LogicalOperator &op, ColumnBinding binding, LogicalGet *&get, idx_t &column_index) {
	switch (op.type) {
	case LogicalOperatorType::LOGICAL_GET: {
		auto &candidate = op.Cast<LogicalGet>();
		if (candidate.table_index != binding.table_index || !ScannedRelation(candidate) ||
		    RemoteColumnName(candidate, binding.column_index).empty()) {
			return false;
		}
		get = &candidate;
		column_index = binding.column_index;
		return true;
	}
	case LogicalOperatorType::LOGICAL_PROJECTION: {
		auto &projection = op.Cast<LogicalProjection>();
		if (binding.table_index != projection.table_index || binding.column_index >= projection.expressions.size()) {
			return false;
		}
		auto &expression = *projection.expressions[binding.column_index];
		if (expression.GetExpressionClass() != ExpressionClass::BOUND_COLUMN_REF) {
			return false;
		}
		return TraceToRemoteScan(*op.children[0], expression.Cast<BoundColumnRefExpression>().binding, get,
		                         column_index);
	}
	case LogicalOperatorType::LOGICAL_FILTER:
		return TraceToRemoteScan(*op.children[0], binding, get, column_index);
	case LogicalOperatorType::LOGICAL_COMPARISON_JOIN: {
		auto &join = op.Cast<LogicalComparisonJoin>();
		// Equality makes it a hash join, whose probe side streams (a range join may sink both).
		if (!HasEquality(join) || !ProbeRowsIndependent(join.join_type)) {
			return false;
		}
		return TraceToRemoteScan(*op.children[0], binding, get, column_index);
	}
	case LogicalOperatorType::LOGICAL_CROSS_PRODUCT:
		return TraceToRemoteScan(*op.children[0], binding, get, column_index);
	default:
		return false;
	}
}

bool DropsUnmatchedProbeRows(JoinType type) {
	return type == JoinType::INNER || type == JoinType::SEMI || type == JoinType::RIGHT ||
	       type == JoinType::RIGHT_SEMI;
}

void AddCollector(LogicalComparisonJoin &join) {
	if (!DropsUnmatchedProbeRows(join.join_type)) {
		return;
	}
	auto &build = *join.children[1];
	if (build.has_estimated_cardinality && build.estimated_cardinality > kMaxBuildRows) {
		return;
	}
	vector<unique_ptr<Expression>> keys;
	vector<std::shared_ptr<JoinKeys>> sets;
	for (auto &condition : join.conditions) {
		if (condition.comparison != ExpressionType::COMPARE_EQUAL ||
		    condition.left->GetExpressionClass() != ExpressionClass::BOUND_COLUMN_REF ||
		    condition.left->return_type != condition.right->return_type || condition.right->IsVolatile()) {
			continue;
		}
		LogicalGet *get = nullptr;
		idx_t column_index = 0;
		auto binding = condition.left->Cast<BoundColumnRefExpression>().binding;
		if (!TraceToRemoteScan(*join.children[0], binding, get, column_index)) {
			continue;
		}
		auto set = std::make_shared<JoinKeys>(RemoteColumnName(*get, column_index));
		if (AddJoinKeys(*get, set)) {
			keys.push_back(condition.right->Copy());
			sets.push_back(std::move(set));
		}
	}
	if (!keys.empty()) {
		join.children[1] = make_uniq<LogicalJoinKeys>(std::move(join.children[1]), std::move(keys), std::move(sets));
	}
}

void Visit(LogicalOperator &op) {
	for (auto &child : op.children) {
		Visit(*child);
	}
	if (op.type == LogicalOperatorType::LOGICAL_COMPARISON_JOIN && op.children.size() == 2 &&
	    HasEquality(op.Cast<LogicalComparisonJoin>())) {
		AddCollector(op.Cast<LogicalComparisonJoin>());
	}
}

void PostOptimize(OptimizerExtensionInput &input, unique_ptr<LogicalOperator> &plan) {
	// With range joins preferred, an equality join may sink both sides: the scan could start first.
	if (DBConfig::GetSetting<PreferRangeJoinsSetting>(input.context)) {
		return;
	}
	Visit(*plan);
}

} // namespace

OptimizerExtension SemiJoinPushdownExtension() {
	OptimizerExtension extension;
	extension.optimize_function = PostOptimize;
	return extension;
}

} // namespace openduck
