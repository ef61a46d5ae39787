#include "extension/pushdown/split_aggregate.hpp"

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/common/string_util.hpp"
#include "duckdb/parser/expression/cast_expression.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/comparison_expression.hpp"
#include "duckdb/parser/expression/conjunction_expression.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/result_modifier.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "extension/functions/merge_avg_function.hpp"

namespace openduck {

using namespace duckdb;

namespace {

// What a split aggregate's merge does with one aggregate function of the statement.
enum class Merge { NONE, SAME, COUNT, AVERAGE };

Merge MergeOf(const string &name) {
	if (name == "sum" || name == "min" || name == "max") {
		return Merge::SAME;
	}
	if (name == "count" || name == "count_star") {
		return Merge::COUNT;
	}
	if (name == "avg" || name == "mean") {
		return Merge::AVERAGE;
	}
	return Merge::NONE;
}

// A function the host resolves to a built-in scalar function (never a macro, an aggregate or
// something only the worker has): safe to evaluate in the merge.
bool IsBuiltinScalar(ClientContext &context, const FunctionExpression &function) {
	if (!function.catalog.empty() || !function.schema.empty()) {
		return false;
	}
	auto &system = Catalog::GetSystemCatalog(context);
	return system.GetEntry(context, CatalogType::SCALAR_FUNCTION_ENTRY, DEFAULT_SCHEMA, function.function_name,
	                       OnEntryNotFound::RETURN_NULL) != nullptr;
}

// The name of group key `i` in the parts' rows.
string KeyName(idx_t i) {
	return "k" + std::to_string(i);
}

// Builds the parts' and the merge's expressions from the statement's, refusing (ok() false)
// whatever does not merge exactly.
class SplitBuilder {
public:
	SplitBuilder(ClientContext &context, const SelectNode &node, AggregateSplit &split)
	    : context_(context), node_(node), split_(split) {
	}

	bool ok() const {
		return ok_;
	}
	bool SawAggregate() const {
		return aggregates_ > 0;
	}

	// The merge's version of `expression` (from the select list, HAVING or ORDER BY).
	unique_ptr<ParsedExpression> ToMerge(const ParsedExpression &expression) {
		for (idx_t i = 0; i < node_.groups.group_expressions.size(); i++) {
			if (expression.Equals(*node_.groups.group_expressions[i])) {
				return make_uniq<ColumnRefExpression>(KeyName(i));
			}
		}
		switch (expression.GetExpressionClass()) {
		case ExpressionClass::FUNCTION: {
			auto &function = expression.Cast<FunctionExpression>();
			auto merge = function.catalog.empty() && function.schema.empty()
			                 ? MergeOf(StringUtil::Lower(function.function_name))
			                 : Merge::NONE;
			if (merge != Merge::NONE) {
				return MergeAggregate(function, merge);
			}
			if (!IsBuiltinScalar(context_, function)) {
				return Refuse();
			}
			break;
		}
		case ExpressionClass::CONSTANT:
		case ExpressionClass::CAST:
		case ExpressionClass::OPERATOR:
		case ExpressionClass::CONJUNCTION:
		case ExpressionClass::COMPARISON:
		case ExpressionClass::CASE:
		case ExpressionClass::BETWEEN:
		case ExpressionClass::COLLATE:
			break;
		default:
			// A column outside the groups, a window, a subquery, a star, a lambda, a parameter.
			return Refuse();
		}
		auto copy = expression.Copy();
		ParsedExpressionIterator::EnumerateChildren(*copy, [&](unique_ptr<ParsedExpression> &child) {
			if (ok_) {
				child = ToMerge(*child);
			}
		});
		return ok_ ? std::move(copy) : nullptr;
	}

	// Whether `expression` may appear in a part (WHERE, GROUP BY, an aggregate's argument):
	// no aggregate, window, subquery or parameter.
	bool PartSafe(const ParsedExpression &expression) {
		switch (expression.GetExpressionClass()) {
		case ExpressionClass::WINDOW:
		case ExpressionClass::SUBQUERY:
		case ExpressionClass::PARAMETER:
		case ExpressionClass::STAR:
			return false;
		case ExpressionClass::FUNCTION: {
			auto &function = expression.Cast<FunctionExpression>();
			if (!IsBuiltinScalar(context_, function)) {
				return false;
			}
			break;
		}
		default:
			break;
		}
		bool safe = true;
		ParsedExpressionIterator::EnumerateChildren(expression, [&](const ParsedExpression &child) {
			safe = safe && PartSafe(child);
		});
		return safe;
	}

private:
	unique_ptr<ParsedExpression> Refuse() {
		ok_ = false;
		return nullptr;
	}

	// Adds `function(arguments) AS aN` to the parts; returns a reference to that column.
	unique_ptr<ParsedExpression> AddPartial(const string &function, const vector<unique_ptr<ParsedExpression>> &arguments) {
		vector<unique_ptr<ParsedExpression>> copies;
		for (auto &argument : arguments) {
			copies.push_back(argument->Copy());
		}
		auto name = "a" + std::to_string(partials_++);
		auto partial = make_uniq<FunctionExpression>(function, std::move(copies));
		partial->alias = name;
		split_.partial->select_list.push_back(std::move(partial));
		return make_uniq<ColumnRefExpression>(name);
	}

	static unique_ptr<ParsedExpression> Call(const string &function, unique_ptr<ParsedExpression> argument) {
		vector<unique_ptr<ParsedExpression>> arguments;
		arguments.push_back(std::move(argument));
		return make_uniq<FunctionExpression>(function, std::move(arguments));
	}

	unique_ptr<ParsedExpression> MergeAggregate(const FunctionExpression &function, Merge merge) {
		bool ordered = function.order_bys && !function.order_bys->orders.empty();
		if (function.distinct || function.filter || ordered || function.export_state) {
			return Refuse();
		}
		for (auto &argument : function.children) {
			if (!PartSafe(*argument)) {
				return Refuse();
			}
		}
		auto name = StringUtil::Lower(function.function_name);
		bool star = name == "count_star" || (name == "count" && function.children.empty());
		if (!star && function.children.size() != 1) {
			return Refuse();
		}
		aggregates_++;
		switch (merge) {
		case Merge::SAME:
			return Call(name, AddPartial(name, function.children));
		case Merge::COUNT: {
			auto counts = Call("sum", AddPartial(star ? "count_star" : "count", function.children));
			return make_uniq<CastExpression>(LogicalType::BIGINT, std::move(counts));
		}
		case Merge::AVERAGE: {
			vector<unique_ptr<ParsedExpression>> arguments;
			arguments.push_back(Call("sum", AddPartial("sum", function.children)));
			arguments.push_back(Call("sum", AddPartial("count", function.children)));
			// The kind is set once the argument's type is known (SetAverageKinds).
			arguments.push_back(make_uniq<ConstantExpression>(Value()));
			split_.average_arguments.push_back(function.children[0]->Copy());
			return make_uniq<FunctionExpression>(kMergeAvgFunction, std::move(arguments));
		}
		default:
			return Refuse();
		}
	}

	ClientContext &context_;
	const SelectNode &node_;
	AggregateSplit &split_;
	bool ok_ = true;
	idx_t partials_ = 0;
	idx_t aggregates_ = 0;
};

bool IsPlainGroupBy(const GroupByNode &groups) {
	if (groups.grouping_sets.empty()) {
		return groups.group_expressions.empty();
	}
	if (groups.grouping_sets.size() != 1 || groups.grouping_sets[0].size() != groups.group_expressions.size()) {
		return false;
	}
	for (idx_t i = 0; i < groups.group_expressions.size(); i++) {
		if (!groups.grouping_sets[0].count(i)) {
			return false;
		}
	}
	return true;
}

// Whether the ORDER BY term `expression` names a column of the result by alias or position,
// which the merge keeps as written.
bool NamesResultColumn(const ParsedExpression &expression, const case_insensitive_set_t &result_names) {
	if (expression.GetExpressionClass() == ExpressionClass::CONSTANT) {
		return true;
	}
	if (expression.GetExpressionClass() != ExpressionClass::COLUMN_REF) {
		return false;
	}
	auto &column = expression.Cast<ColumnRefExpression>();
	return !column.IsQualified() && result_names.count(column.GetColumnName());
}

} // namespace

std::optional<AggregateSplit> SplitAggregate(ClientContext &context, const SelectStatement &statement) {
	if (statement.node->type != QueryNodeType::SELECT_NODE || !statement.node->cte_map.map.empty()) {
		return std::nullopt;
	}
	auto &node = statement.node->Cast<SelectNode>();
	if (!node.from_table || node.from_table->type != TableReferenceType::BASE_TABLE || node.from_table->sample ||
	    node.from_table->Cast<BaseTableRef>().at_clause || node.sample || node.qualify ||
	    node.aggregate_handling != AggregateHandling::STANDARD_HANDLING || !IsPlainGroupBy(node.groups)) {
		return std::nullopt;
	}
	AggregateSplit split;
	split.partial = make_uniq<SelectNode>();
	split.merge = make_uniq<SelectNode>();
	SplitBuilder builder(context, node, split);
	case_insensitive_set_t result_names;
	for (auto &expression : node.select_list) {
		if (!expression->alias.empty()) {
			result_names.insert(expression->alias);
		}
	}
	auto &groups = node.groups.group_expressions;
	for (idx_t i = 0; i < groups.size(); i++) {
		auto &group = *groups[i];
		// GROUP BY 1 or GROUP BY <alias> refer to the select list, not to the table.
		bool refers_to_select = group.GetExpressionClass() == ExpressionClass::CONSTANT ||
		                        (group.GetExpressionClass() == ExpressionClass::COLUMN_REF &&
		                         result_names.count(group.Cast<ColumnRefExpression>().GetColumnName()));
		if (refers_to_select || !builder.PartSafe(group)) {
			return std::nullopt;
		}
		auto key = group.Copy();
		key->alias = KeyName(i);
		split.merge->groups.group_expressions.push_back(make_uniq<ColumnRefExpression>(key->alias));
		split.partial->select_list.push_back(std::move(key));
	}
	if (!split.merge->groups.group_expressions.empty()) {
		split.merge->groups.grouping_sets = node.groups.grouping_sets;
	}
	for (auto &expression : node.select_list) {
		auto merged = builder.ToMerge(*expression);
		if (!merged) {
			return std::nullopt;
		}
		merged->alias = expression->alias.empty() ? expression->GetName() : expression->alias;
		result_names.insert(merged->alias);
		split.merge->select_list.push_back(std::move(merged));
	}
	if (node.having) {
		split.merge->having = builder.ToMerge(*node.having);
		if (!split.merge->having) {
			return std::nullopt;
		}
	}
	for (auto &modifier : node.modifiers) {
		if (modifier->type == ResultModifierType::LIMIT_MODIFIER) {
			split.merge->modifiers.push_back(modifier->Copy());
			continue;
		}
		if (modifier->type != ResultModifierType::ORDER_MODIFIER) {
			return std::nullopt; // DISTINCT, LIMIT ... PERCENT
		}
		auto order = modifier->Copy();
		for (auto &term : order->Cast<OrderModifier>().orders) {
			if (!NamesResultColumn(*term.expression, result_names)) {
				term.expression = builder.ToMerge(*term.expression);
				if (!term.expression) {
					return std::nullopt;
				}
			}
		}
		split.merge->modifiers.push_back(std::move(order));
	}
	if (node.where_clause && !builder.PartSafe(*node.where_clause)) {
		return std::nullopt;
	}
	// A plain projection is a scan, which a part gains nothing from splitting.
	if (!builder.ok() || (!builder.SawAggregate() && groups.empty())) {
		return std::nullopt;
	}
	split.partial->from_table = node.from_table->Copy();
	if (node.where_clause) {
		split.partial->where_clause = node.where_clause->Copy();
	}
	for (auto &group : groups) {
		split.partial->groups.group_expressions.push_back(group->Copy());
	}
	split.partial->groups.grouping_sets = node.groups.grouping_sets;
	return split;
}

bool SetAverageKinds(AggregateSplit &split, const vector<LogicalType> &argument_types) {
	vector<reference<FunctionExpression>> calls;
	std::function<void(ParsedExpression &)> find = [&](ParsedExpression &expression) {
		if (expression.GetExpressionClass() == ExpressionClass::FUNCTION &&
		    expression.Cast<FunctionExpression>().function_name == kMergeAvgFunction) {
			calls.push_back(expression.Cast<FunctionExpression>());
			return;
		}
		ParsedExpressionIterator::EnumerateChildren(expression, find);
	};
	// The same order SplitAggregate made them in: select list, HAVING, ORDER BY.
	for (auto &expression : split.merge->select_list) {
		find(*expression);
	}
	if (split.merge->having) {
		find(*split.merge->having);
	}
	for (auto &modifier : split.merge->modifiers) {
		if (modifier->type == ResultModifierType::ORDER_MODIFIER) {
			for (auto &term : modifier->Cast<OrderModifier>().orders) {
				find(*term.expression);
			}
		}
	}
	if (calls.size() != argument_types.size()) {
		return false;
	}
	for (idx_t i = 0; i < calls.size(); i++) {
		auto kind = AverageKindOf(argument_types[i]);
		if (kind.empty()) {
			return false;
		}
		calls[i].get().children[2] = make_uniq<ConstantExpression>(Value(kind));
	}
	return true;
}

std::string PartSql(const SelectNode &partial, std::optional<int64_t> lower, std::optional<int64_t> upper) {
	auto part = partial.Copy();
	auto &node = part->Cast<SelectNode>();
	auto bound = [&](ExpressionType comparison, int64_t value) {
		auto predicate = make_uniq<ComparisonExpression>(comparison, make_uniq<ColumnRefExpression>("rowid"),
		                                                 make_uniq<ConstantExpression>(Value::BIGINT(value)));
		if (!node.where_clause) {
			node.where_clause = std::move(predicate);
			return;
		}
		node.where_clause = make_uniq<ConjunctionExpression>(ExpressionType::CONJUNCTION_AND,
		                                                     std::move(node.where_clause), std::move(predicate));
	};
	if (lower) {
		bound(ExpressionType::COMPARE_GREATERTHANOREQUALTO, *lower);
	}
	if (upper) {
		bound(ExpressionType::COMPARE_LESSTHAN, *upper);
	}
	return part->ToString();
}

} // namespace openduck
