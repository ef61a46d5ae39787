#include "extension/pushdown/filter_sql.hpp"

#include "duckdb/common/string_util.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/planner/filter/expression_filter.hpp"
#include "duckdb/planner/filter/list.hpp"
#include "extension/pushdown/condition_sql.hpp"

namespace openduck {

using namespace duckdb;

bool IsScalarLiteralType(const LogicalType &type) {
	switch (type.id()) {
	case LogicalTypeId::BOOLEAN:
	case LogicalTypeId::TINYINT:
	case LogicalTypeId::SMALLINT:
	case LogicalTypeId::INTEGER:
	case LogicalTypeId::BIGINT:
	case LogicalTypeId::HUGEINT:
	case LogicalTypeId::UTINYINT:
	case LogicalTypeId::USMALLINT:
	case LogicalTypeId::UINTEGER:
	case LogicalTypeId::UBIGINT:
	case LogicalTypeId::UHUGEINT:
	case LogicalTypeId::FLOAT:
	case LogicalTypeId::DOUBLE:
	case LogicalTypeId::DECIMAL:
	case LogicalTypeId::VARCHAR:
	case LogicalTypeId::BLOB:
	case LogicalTypeId::DATE:
	case LogicalTypeId::TIME:
	case LogicalTypeId::TIME_TZ:
	case LogicalTypeId::TIMESTAMP:
	case LogicalTypeId::TIMESTAMP_SEC:
	case LogicalTypeId::TIMESTAMP_MS:
	case LogicalTypeId::TIMESTAMP_NS:
	case LogicalTypeId::TIMESTAMP_TZ:
	case LogicalTypeId::INTERVAL:
	case LogicalTypeId::UUID:
		return true;
	default:
		return false;
	}
}

const char *ComparisonSQL(ExpressionType type) {
	switch (type) {
	case ExpressionType::COMPARE_EQUAL:
		return "=";
	case ExpressionType::COMPARE_NOTEQUAL:
		return "<>";
	case ExpressionType::COMPARE_LESSTHAN:
		return "<";
	case ExpressionType::COMPARE_GREATERTHAN:
		return ">";
	case ExpressionType::COMPARE_LESSTHANOREQUALTO:
		return "<=";
	case ExpressionType::COMPARE_GREATERTHANOREQUALTO:
		return ">=";
	case ExpressionType::COMPARE_DISTINCT_FROM:
		return "IS DISTINCT FROM";
	case ExpressionType::COMPARE_NOT_DISTINCT_FROM:
		return "IS NOT DISTINCT FROM";
	default:
		return nullptr;
	}
}

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

bool TryRenderLiteral(const Value &value, std::string &out) {
	auto &type = value.type();
	if (value.IsNull()) {
		out = "CAST(NULL AS " + type.ToString() + ")";
		return IsScalarLiteralType(type);
	}
	if (!IsScalarLiteralType(type)) {
		return false;
	}
	auto text = value.ToString();
	if (text.find('\0') != std::string::npos) {
		return false;
	}
	out = "CAST(" + KeywordHelper::WriteQuoted(text, '\'') + " AS " + type.ToString() + ")";
	return true;
}

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
