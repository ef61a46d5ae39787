// What the extension knows about one remote table or view, as listed by GetCatalog.
#pragma once

#include "duckdb/common/types.hpp"

#include <string>

namespace openduck {

// A PRIMARY KEY or UNIQUE constraint, by column name.
struct RemoteUniqueKey {
	duckdb::vector<std::string> columns;
	bool is_primary = false;
	// A unique index rather than a constraint: a conflict target, but not listed as a constraint.
	bool from_index = false;
};

struct RemoteRelation {
	std::string schema;
	std::string name;
	bool is_view = false;
	duckdb::vector<std::string> column_names;
	duckdb::vector<duckdb::LogicalType> column_types;
	duckdb::vector<bool> not_null;
	duckdb::vector<std::string> default_sql;
	// The expression of each generated column ("" for stored columns).
	duckdb::vector<std::string> generated_sql;
	// COMMENT ON COLUMN per column, and COMMENT ON TABLE / VIEW (NULL when none).
	duckdb::vector<duckdb::Value> column_comments;
	duckdb::Value comment;
	duckdb::vector<RemoteUniqueKey> unique_keys;
	uint64_t estimated_rows = 0;
	// Each column's statistics when the catalog was listed (ColumnInfo.statistics, encoded; ""
	// when none): for estimates only (are join keys worth sending), never for the optimizer, since
	// rows committed since may lie outside them (scan/remote_statistics.hpp reads its own).
	duckdb::vector<std::string> listed_statistics;
	std::string sql;
	// The snapshot id this relation was listed from by a time-travel lookup (FROM t AT (...));
	// "" for the attachment's own state. Reads of it go to that snapshot.
	std::string snapshot;
};

} // namespace openduck
