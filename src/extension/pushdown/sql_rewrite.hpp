// Turns SQL the host parsed into SQL the worker can run: table references that name the local
// alias of the attached catalog ("cloud.t", "cloud.main.t") lose the alias, and unqualified
// names get the schema the host's search path would give them. Used for statement pushdown and
// for views created through ATTACH.
#pragma once

#include "duckdb/common/case_insensitive_map.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/parser/column_list.hpp"
#include "duckdb/parser/query_node.hpp"
#include "duckdb/parser/sql_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"

#include <functional>

namespace duckdb {
class TableCatalogEntry;
} // namespace duckdb

namespace openduck {

class ODCatalog;

class ReferenceRewriter {
public:
	// `default_schema` may be "": then unqualified table names make Rewrite fail.
	// `strip_past`: table references with an AT clause lose it (the caller runs the text on
	// that past snapshot, ReadsPast); otherwise an AT clause makes Rewrite fail, since the
	// worker's own catalog has no time travel.
	ReferenceRewriter(const std::string &alias, const std::string &default_schema, bool strip_past = false);

	// False when the query references another catalog, or a past snapshot (AT) unless
	// `strip_past`: it cannot run on the worker alone.
	bool Rewrite(duckdb::QueryNode &node);
	// A whole statement: SELECT, INSERT, UPDATE, DELETE or CREATE TABLE [AS]. False for other
	// kinds of statement, or when it references another catalog.
	bool Rewrite(duckdb::SQLStatement &statement);
	// The DEFAULTs of a table's columns (nextval('cloud.seq') loses the alias).
	bool Rewrite(duckdb::ColumnList &columns);

	// Table references are handed to `resolve` instead of the rules above: it rewrites one for
	// the worker and returns true, or returns false to make Rewrite fail (upload_pushdown.hpp,
	// whose statements also read host tables).
	void ResolveWith(std::function<bool(duckdb::BaseTableRef &)> resolve) {
		resolve_ = std::move(resolve);
	}

	// The schema an unqualified sequence name (nextval('seq')) resolves to on the host's search
	// path, "" when not in this catalog; without it such names get the default schema.
	void ResolveSequencesWith(std::function<std::string(const std::string &name)> schema_of) {
		sequence_schema_ = std::move(schema_of);
	}

	// The column names the rewritten text can reach, by name: every part of every column
	// reference and USING list; every column of the tables in `all_of` (by their rewritten name,
	// reached by a star of their query); `all` when some clause reaches columns of any table
	// without naming them (a natural join, PIVOT, positional column aliases). Tracked only with
	// ResolveWith.
	struct ColumnUse {
		duckdb::case_insensitive_set_t names;
		duckdb::case_insensitive_set_t all_of;
		bool all = false;
	};
	const ColumnUse &Columns() const {
		return columns_;
	}

	// After a successful Rewrite with `strip_past`: whether it removed an AT clause (the caller
	// makes sure every table is read at that one snapshot).
	bool ReadsPast() const {
		return past_tables_ > 0;
	}

private:
	void CollectCTEs(duckdb::CommonTableExpressionMap &ctes);
	void CollectCTEs(duckdb::QueryNode &node);
	void VisitExpression(duckdb::ParsedExpression &expression);
	void VisitRef(duckdb::TableRef &ref);
	void VisitTableRef(duckdb::TableRef &ref);
	// A target table named by catalog/schema strings.
	void VisitName(std::string &catalog, std::string &schema);
	// nextval('cloud.seq') and currval(...): the sequence's name inside the string, as a table's.
	void VisitSequenceName(duckdb::FunctionExpression &function);

	std::string alias_;
	std::string default_schema_;
	duckdb::case_insensitive_set_t ctes_;
	bool ok_ = true;
	const bool strip_past_;
	int past_tables_ = 0;
	std::function<bool(duckdb::BaseTableRef &)> resolve_;
	std::function<std::string(const std::string &)> sequence_schema_;
	ColumnUse columns_;
	// Per query node being rewritten: whether it has a star, and the tables it reads.
	struct Scope {
		bool star = false;
		std::vector<std::string> tables;
	};
	std::vector<Scope> scopes_;
};

// `identifier` as a double-quoted SQL identifier (quotes inside doubled).
std::string QuoteIdentifier(const std::string &identifier);
// "schema"."table": how SQL sent to the worker names a remote table (its catalog is the
// worker's default database).
std::string QualifiedTableSQL(const duckdb::TableCatalogEntry &table);

// The schema unqualified names resolve to in `catalog` under the host's current search path,
// or "" when the search path does not point into `catalog`.
std::string RemoteDefaultSchema(duckdb::ClientContext &context, ODCatalog &catalog);

} // namespace openduck
