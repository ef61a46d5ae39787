// Describes a database's schemas, tables, views and columns for GetCatalog, from DuckDB's own
// metadata functions (duckdb_schemas/tables/views/columns) restricted to the database's catalog.
// Column types are DuckDB's LogicalType::ToString() form, which the client parses back with
// TransformStringToLogicalType (STRUCT field names are quoted, ENUM values listed).
#pragma once

#include "openduck/v1/openduck.pb.h"

#include "duckdb/main/connection.hpp"
#include "duckdb/main/database.hpp"

namespace openduck {

// Fills `response`, with the column statistics of every table (see ColumnInfo.statistics).
// Throws duckdb::Exception when a metadata query fails.
void ReadCatalog(duckdb::DuckDB &database, openduck::v1::GetCatalogResponse &response);
// The same inside the transaction already open on `connection` (a session's view), with
// statistics only when asked and only while that transaction has written nothing: table
// statistics do not cover its uncommitted rows.
void ReadCatalog(duckdb::Connection &connection, openduck::v1::GetCatalogResponse &response, bool with_statistics);

// Only table `schema`.`table` (GetCatalogRequest.statistics_table): its columns, typed as
// ReadCatalog types them, with statistics when `with_statistics` and the transaction has written
// nothing; nothing when there is no such table. Runs in the transaction open on `connection`, or
// with `own_transaction` in one of its own.
void ReadTableStatistics(duckdb::Connection &connection, const std::string &schema, const std::string &table,
                         bool with_statistics, bool own_transaction, openduck::v1::GetCatalogResponse &response);

// The catalog's version as seen by the transaction open on `connection` (or, with
// `own_transaction`, by a transaction of its own): DuckDB's catalog version, which every DDL
// commit advances, tagged with the database instance so a re-opened database never repeats one.
std::string CatalogVersion(duckdb::Connection &connection, bool own_transaction);
// The same as seen by the transaction of the statement `context` is running.
std::string CatalogVersion(duckdb::ClientContext &context);

} // namespace openduck
