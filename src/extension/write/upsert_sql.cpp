#include "extension/write/upsert_sql.hpp"

#include "duckdb/common/exception.hpp"
#include "duckdb/parser/statement/update_statement.hpp"
#include "extension/pushdown/sql_rewrite.hpp"

namespace openduck {

using namespace duckdb;

namespace {

std::string ReturningSQL(const vector<unique_ptr<ParsedExpression>> &returning) {
	std::string sql;
	for (auto &expression : returning) {
		sql += (sql.empty() ? " RETURNING " : ", ") + expression->ToString();
		if (!expression->GetAlias().empty()) {
			sql += " AS " + QuoteIdentifier(expression->GetAlias());
		}
	}
	return sql;
}

std::string ClauseSQL(const OnConflictInfo &info) {
	std::string sql = " ON CONFLICT";
	if (!info.indexed_columns.empty()) {
		std::string columns;
		for (auto &column : info.indexed_columns) {
			columns += (columns.empty() ? "" : ", ") + QuoteIdentifier(column);
		}
		sql += " (" + columns + ")";
	}
	if (info.condition) {
		sql += " WHERE " + info.condition->ToString();
	}
	switch (info.action_type) {
	case OnConflictAction::NOTHING:
		return sql + " DO NOTHING";
	case OnConflictAction::UPDATE:
		break;
	default:
		throw InternalException("OpenDuck: no ON CONFLICT clause renders conflict action %d",
		                        static_cast<int>(info.action_type));
	}
	auto &set = *info.set_info;
	sql += " DO UPDATE SET ";
	for (idx_t i = 0; i < set.columns.size(); i++) {
		sql += (i ? ", " : "") + QuoteIdentifier(set.columns[i]) + " = " + set.expressions[i]->ToString();
	}
	if (set.condition) {
		sql += " WHERE " + set.condition->ToString();
	}
	return sql;
}

} // namespace

ConflictSQL RenderConflict(const InsertStatement &insert) {
	ConflictSQL result;
	if (insert.table_ref && !insert.table_ref->alias.empty()) {
		result.target_alias = " AS " + QuoteIdentifier(insert.table_ref->alias);
	}
	if (insert.on_conflict_info->action_type == OnConflictAction::REPLACE) {
		result.verb = "INSERT OR REPLACE";
	} else {
		result.clause = ClauseSQL(*insert.on_conflict_info);
	}
	return result;
}

std::string InsertSQL(InsertStatement &insert) {
	// ToString renders everything but the conflict clause and RETURNING correctly (OR REPLACE
	// is a keyword it writes itself), so those two are taken out and appended here.
	auto returning = std::move(insert.returning_list);
	unique_ptr<OnConflictInfo> conflict;
	if (insert.on_conflict_info && insert.on_conflict_info->action_type != OnConflictAction::REPLACE) {
		conflict = std::move(insert.on_conflict_info);
	}
	auto sql = insert.ToString();
	insert.returning_list = std::move(returning);
	if (conflict) {
		sql += ClauseSQL(*conflict);
		insert.on_conflict_info = std::move(conflict);
	}
	return sql + ReturningSQL(insert.returning_list);
}

} // namespace openduck
