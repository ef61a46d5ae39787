#include "extension/pushdown/filter_sql.hpp"

#include "duckdb/common/string_util.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/planner/filter/expression_filter.hpp"
#include "duckdb/planner/filter/list.hpp"
#include "extension/pushdown/condition_sql.hpp"
#include "extension/pushdown/sql_literals.hpp"

namespace openduck {

using namespace duckdb;

namespace {

bool TryRender(const TableFilter &filter, const std::string &column, std::string &out);

bool TryRenderChildren(const vector<unique_ptr<TableFilter>> &children, const std::string &column,
                       const char *separator, std::string &out) {
	std::string result;
	for (auto &child : children) {
		std::string child_sql;
		if (!TryRender(*child, column, child_sql)) {
			return false;
		}
		result += result.empty() ? "(" : separator;
		result += child_sql;
	}
	if (result.empty()) {
		return false;
	}
	out = result + ")";
	return true;
}

bool TryRender(const TableFilter &filter, const std::string &column, std::string &out) {
	switch (filter.filter_type) {
	case TableFilterType::CONSTANT_COMPARISON: {
		auto &constant = filter.Cast<ConstantFilter>();
		auto op = ComparisonSQL(constant.comparison_type);
		std::string literal;
		if (!op || !TryRenderLiteral(constant.constant, literal)) {
			return false;
		}
		out = "(" + column + " " + op + " " + literal + ")";
		return true;
	}
	case TableFilterType::IS_NULL:
		out = "(" + column + " IS NULL)";
		return true;
	case TableFilterType::IS_NOT_NULL:
		out = "(" + column + " IS NOT NULL)";
		return true;
	case TableFilterType::CONJUNCTION_AND:
		return TryRenderChildren(filter.Cast<ConjunctionAndFilter>().child_filters, column, " AND ", out);
	case TableFilterType::CONJUNCTION_OR:
		return TryRenderChildren(filter.Cast<ConjunctionOrFilter>().child_filters, column, " OR ", out);
	case TableFilterType::STRUCT_EXTRACT: {
		auto &struct_filter = filter.Cast<StructFilter>();
		auto child_column = "struct_extract(" + column + ", " +
		                    KeywordHelper::WriteQuoted(struct_filter.child_name, '\'') + ")";
		return TryRender(*struct_filter.child_filter, child_column, out);
	}
	case TableFilterType::EXPRESSION_FILTER:
		// Pushed only when it renders (the scan's pushdown_expression); its column is reference 0.
		return RenderCondition(*filter.Cast<ExpressionFilter>().expr, [&](const Expression &reference) {
			return reference.GetExpressionClass() == ExpressionClass::BOUND_REF ? column : std::string();
		}, out);
	case TableFilterType::IN_FILTER: {
		auto &in_filter = filter.Cast<InFilter>();
		std::string list;
		for (auto &value : in_filter.values) {
			std::string literal;
			if (!TryRenderLiteral(value, literal)) {
				return false;
			}
			list += list.empty() ? "" : ", ";
			list += literal;
		}
		if (list.empty()) {
			return false;
		}
		out = "(" + column + " IN (" + list + "))";
		return true;
	}
	case TableFilterType::OPTIONAL_FILTER: {
		auto &child = filter.Cast<OptionalFilter>().child_filter;
		return child && TryRender(*child, column, out);
	}
	case TableFilterType::DYNAMIC_FILTER: {
		auto &data = filter.Cast<DynamicFilter>().filter_data;
		if (!data) {
			return false;
		}
		lock_guard<mutex> guard(data->lock);
		return data->initialized && data->filter && TryRender(*data->filter, column, out);
	}
	default:
		return false;
	}
}

// Hints may be dropped; everything else must be applied somewhere.
bool IsHint(const TableFilter &filter) {
	return filter.filter_type == TableFilterType::OPTIONAL_FILTER ||
	       filter.filter_type == TableFilterType::DYNAMIC_FILTER;
}

} // namespace

RenderedFilters RenderFilters(const TableFilterSet &filters, const vector<std::string> &column_sql) {
	RenderedFilters result;
	for (auto &entry : filters.filters) {
		auto &filter = *entry.second;
		std::string sql;
		if (entry.first < column_sql.size() && TryRender(filter, column_sql[entry.first], sql)) {
			result.where_sql += result.where_sql.empty() ? "" : " AND ";
			result.where_sql += sql;
		} else if (!IsHint(filter)) {
			result.local.emplace_back(entry.first, filter.Copy());
		}
	}
	return result;
}

} // namespace openduck
