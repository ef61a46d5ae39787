// CREATE [UNIQUE] INDEX on a remote table: the index is built by the worker, which owns the
// table's storage, in the host's transaction (ODSchemaEntry::CreateIndex ships the statement).
// DuckDB's own plan for CREATE INDEX builds an ART over the table's local storage, which a
// remote table does not have, so ODCatalog::BindCreateIndex replaces it with this operator.
#pragma once

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/parser/parsed_data/create_index_info.hpp"
#include "duckdb/planner/logical_operator.hpp"

namespace openduck {

duckdb::unique_ptr<duckdb::LogicalOperator> BindRemoteCreateIndex(duckdb::unique_ptr<duckdb::CreateIndexInfo> info,
                                                                  duckdb::TableCatalogEntry &table);

} // namespace openduck
