// DDL that DuckDB would plan over a table's local storage (CREATE INDEX builds an ART from it,
// ALTER TABLE ... ADD PRIMARY KEY / UNIQUE validates and indexes existing rows), which a remote
// table does not have: ODCatalog's BindCreateIndex / BindAlterAddIndex replace the plan with an
// operator that runs the statement on the worker, in the host's transaction, and refreshes the
// host's view of the catalog.
#pragma once

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/parser/parsed_data/alter_table_info.hpp"
#include "duckdb/parser/parsed_data/create_index_info.hpp"
#include "duckdb/planner/logical_operator.hpp"

namespace openduck {

// CREATE [UNIQUE] INDEX; IF NOT EXISTS travels with the statement (the worker knows its indexes).
duckdb::unique_ptr<duckdb::LogicalOperator> BindRemoteCreateIndex(duckdb::unique_ptr<duckdb::CreateIndexInfo> info,
                                                                  duckdb::TableCatalogEntry &table);

// ALTER TABLE ... ADD PRIMARY KEY / UNIQUE (columns).
duckdb::unique_ptr<duckdb::LogicalOperator> BindRemoteAddKey(const duckdb::AddConstraintInfo &info,
                                                             duckdb::TableCatalogEntry &table);

} // namespace openduck
