#include "extension/pushdown/applied_conditions.hpp"

#include "extension/pushdown/query_walker.hpp"

#include "duckdb/common/string_util.hpp"
#include "duckdb/parser/expression/between_expression.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/comparison_expression.hpp"
#include "duckdb/parser/expression/conjunction_expression.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/planner/expression/bound_cast_expression.hpp"
#include "duckdb/planner/expression_iterator.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/parser/tableref/joinref.hpp"

#include <functional>

namespace openduck {

using namespace duckdb;

namespace {

class ConditionDropper : public QueryWalker {
public:
	ConditionDropper(const std::string &upload, const std::set<std::string> &applied)
	    : upload_(upload), applied_(applied) {
	}

	idx_t Dropped() const {
		return dropped_;
	}

private:
	// The aliases of the upload's references, reached through inner and cross joins only: below
	// an outer join a WHERE condition does not hold for every row the table gives (the host then
	// sends its rows unfiltered anyway).
	void UploadAliases(const TableRef &ref, case_insensitive_set_t &aliases) const {
		if (ref.type == TableReferenceType::BASE_TABLE) {
			auto &table = ref.Cast<BaseTableRef>();
			if (table.catalog_name == "temp" && table.table_name == upload_) {
				aliases.insert(table.alias.empty() ? table.table_name : table.alias);
			}
			return;
		}
		if (ref.type != TableReferenceType::JOIN) {
			return;
		}
		auto &join = ref.Cast<JoinRef>();
		if (join.type == JoinType::INNER && (join.ref_type == JoinRefType::REGULAR || join.ref_type == JoinRefType::CROSS)) {
			UploadAliases(*join.left, aliases);
			UploadAliases(*join.right, aliases);
		}
	}

	// The condition's text as the host's bound condition reads: its columns by their name alone
	// (`d.grp` with d an alias of the upload is `grp`).
	static std::string BoundText(const ParsedExpression &condition, const case_insensitive_set_t &aliases) {
		auto copy = condition.Copy();
		std::function<void(ParsedExpression &)> unqualify = [&](ParsedExpression &expression) {
			if (expression.GetExpressionClass() == ExpressionClass::COLUMN_REF) {
				auto &names = expression.Cast<ColumnRefExpression>().column_names;
				if (names.size() == 2 && aliases.count(names[0])) {
					names.erase(names.begin());
				}
			}
			ParsedExpressionIterator::EnumerateChildren(expression, unqualify);
		};
		unqualify(*copy);
		return copy->ToString();
	}

	static void Split(unique_ptr<ParsedExpression> expression, vector<unique_ptr<ParsedExpression>> &conjuncts) {
		if (expression->GetExpressionType() != ExpressionType::CONJUNCTION_AND) {
			conjuncts.push_back(std::move(expression));
			return;
		}
		for (auto &child : expression->Cast<ConjunctionExpression>().children) {
			Split(std::move(child), conjuncts);
		}
	}

	// Whether the host applied `condition` to the upload's rows. The binder turns `x BETWEEN a AND
	// b` into `x >= a` and `x <= b`: both must have been applied.
	bool Applied(const ParsedExpression &condition, const case_insensitive_set_t &aliases) const {
		if (condition.GetExpressionType() != ExpressionType::COMPARE_BETWEEN) {
			return applied_.count(BoundText(condition, aliases)) > 0;
		}
		auto &between = condition.Cast<BetweenExpression>();
		ComparisonExpression lower(ExpressionType::COMPARE_GREATERTHANOREQUALTO, between.input->Copy(),
		                           between.lower->Copy());
		ComparisonExpression upper(ExpressionType::COMPARE_LESSTHANOREQUALTO, between.input->Copy(),
		                           between.upper->Copy());
		return applied_.count(BoundText(lower, aliases)) && applied_.count(BoundText(upper, aliases));
	}

protected:
	// Drops the conditions of `select`'s WHERE that the upload's rows all meet.
	void Select(SelectNode &select) override {
		case_insensitive_set_t aliases;
		if (select.where_clause && select.from_table) {
			UploadAliases(*select.from_table, aliases);
		}
		if (aliases.empty()) {
			return;
		}
		vector<unique_ptr<ParsedExpression>> conjuncts, kept;
		Split(std::move(select.where_clause), conjuncts);
		for (auto &conjunct : conjuncts) {
			if (Applied(*conjunct, aliases)) {
				dropped_++;
			} else {
				kept.push_back(std::move(conjunct));
			}
		}
		if (kept.size() == 1) {
			select.where_clause = std::move(kept[0]);
		} else if (!kept.empty()) {
			select.where_clause = make_uniq<ConjunctionExpression>(ExpressionType::CONJUNCTION_AND, std::move(kept));
		}
	}

private:
	const std::string &upload_;
	const std::set<std::string> &applied_;
	idx_t dropped_ = 0;
};

} // namespace

std::string AppliedConditionText(const Expression &condition) {
	// The binder casts constants to the column's type (k >= 100 with k a BIGINT reads
	// `(k >= CAST(100 AS BIGINT))`); the statement's text has no such cast. A cast of a column
	// stays, so a condition that needed one is never taken for the text without it.
	auto copy = condition.Copy();
	std::function<void(unique_ptr<Expression> &)> strip = [&](unique_ptr<Expression> &expression) {
		while (expression->GetExpressionClass() == ExpressionClass::BOUND_CAST && expression->IsFoldable()) {
			expression = std::move(expression->Cast<BoundCastExpression>().child);
		}
		ExpressionIterator::EnumerateChildren(*expression, strip);
	};
	strip(copy);
	return copy->ToString();
}

idx_t DropAppliedConditions(SQLStatement &statement, const std::string &upload, const std::set<std::string> &applied) {
	if (statement.type != StatementType::SELECT_STATEMENT || applied.empty()) {
		return 0;
	}
	ConditionDropper dropper(upload, applied);
	dropper.Node(*statement.Cast<SelectStatement>().node);
	return dropper.Dropped();
}

} // namespace openduck
