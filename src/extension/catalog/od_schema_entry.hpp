// One remote schema inside a CatalogSnapshot: owns the entries of its tables, views, indexes,
// user types (CREATE TYPE), macros (CREATE MACRO, scalar and table) and sequences.
// Immutable after construction, so safe to read from any thread.
#pragma once

#include "duckdb/catalog/catalog_entry/schema_catalog_entry.hpp"
#include "duckdb/common/case_insensitive_map.hpp"
#include "extension/catalog/remote_relation.hpp"

namespace openduck {

class ODCatalog;

class ODSchemaEntry : public duckdb::SchemaCatalogEntry {
public:
	ODSchemaEntry(ODCatalog &catalog, duckdb::CreateSchemaInfo &info);

	// Adds a table or view entry for `relation` (construction time only).
	void AddRelation(RemoteRelation relation);
	// Adds the entry of index `name` on `table`, made by `sql`, with `comment` (NULL: none)
	// (construction time only).
	void AddIndex(const std::string &name, const std::string &table, const std::string &sql,
	              duckdb::Value comment);
	// Adds user type `name` defined as `type`, with `comment` (NULL: none) (construction time
	// only).
	void AddType(const std::string &name, duckdb::LogicalType type, duckdb::Value comment);
	// Adds the macro `sql` (a CREATE MACRO statement) creates (construction time only); one the
	// host cannot parse is left out.
	void AddMacro(const std::string &sql);
	// Adds the sequence `sql` (a CREATE SEQUENCE statement) creates, with `comment` (NULL: none)
	// (construction time only); one the host cannot parse is left out. Its counter stays on the
	// worker (remote_sequences.hpp).
	void AddSequence(const std::string &sql, duckdb::Value comment);
	// The table, view, index, type, macro or sequence entry named `name`, or nullptr.
	duckdb::optional_ptr<duckdb::CatalogEntry> FindEntry(duckdb::CatalogType type, const std::string &name);
	// The relation behind a table or view entry, or nullptr.
	const RemoteRelation *GetRelation(const std::string &name) const;

	void Scan(duckdb::ClientContext &context, duckdb::CatalogType type,
	          const std::function<void(duckdb::CatalogEntry &)> &callback) override;
	void Scan(duckdb::CatalogType type, const std::function<void(duckdb::CatalogEntry &)> &callback) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> LookupEntry(duckdb::CatalogTransaction transaction,
	                                                       const duckdb::EntryLookupInfo &lookup_info) override;

	duckdb::optional_ptr<duckdb::CatalogEntry> CreateIndex(duckdb::CatalogTransaction transaction,
	                                                       duckdb::CreateIndexInfo &info,
	                                                       duckdb::TableCatalogEntry &table) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateFunction(duckdb::CatalogTransaction transaction,
	                                                          duckdb::CreateFunctionInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateTable(duckdb::CatalogTransaction transaction,
	                                                       duckdb::BoundCreateTableInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateView(duckdb::CatalogTransaction transaction,
	                                                      duckdb::CreateViewInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateSequence(duckdb::CatalogTransaction transaction,
	                                                          duckdb::CreateSequenceInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateTableFunction(duckdb::CatalogTransaction transaction,
	                                                               duckdb::CreateTableFunctionInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateCopyFunction(duckdb::CatalogTransaction transaction,
	                                                              duckdb::CreateCopyFunctionInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreatePragmaFunction(duckdb::CatalogTransaction transaction,
	                                                                duckdb::CreatePragmaFunctionInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateCollation(duckdb::CatalogTransaction transaction,
	                                                           duckdb::CreateCollationInfo &info) override;
	duckdb::optional_ptr<duckdb::CatalogEntry> CreateType(duckdb::CatalogTransaction transaction,
	                                                      duckdb::CreateTypeInfo &info) override;
	void DropEntry(duckdb::ClientContext &context, duckdb::DropInfo &info) override;
	void Alter(duckdb::CatalogTransaction transaction, duckdb::AlterInfo &info) override;

private:
	// Runs a CREATE on the worker and returns the new entry (of `type`) from a refreshed catalog.
	duckdb::optional_ptr<duckdb::CatalogEntry>
	CreateAndLookup(duckdb::CatalogTransaction transaction, const std::string &sql, const std::string &entry_name,
	                duckdb::CatalogType type = duckdb::CatalogType::TABLE_ENTRY);
	// The entries of one kind: tables and views share one set, as in DuckDB's own schemas.
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<duckdb::StandardEntry>> &EntriesOf(duckdb::CatalogType type);

	duckdb::case_insensitive_map_t<RemoteRelation> relations_;
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<duckdb::StandardEntry>> entries_;
	// Scan order: the server's order (alphabetical), not the hash map's.
	duckdb::vector<std::string> order_;
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<duckdb::StandardEntry>> indexes_;
	duckdb::vector<std::string> index_order_;
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<duckdb::StandardEntry>> types_;
	duckdb::vector<std::string> type_order_;
	// Scalar macros, found by function lookups; table macros, by table function lookups (two
	// sets, as in DuckDB's own schemas).
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<duckdb::StandardEntry>> macros_;
	duckdb::vector<std::string> macro_order_;
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<duckdb::StandardEntry>> table_macros_;
	duckdb::vector<std::string> table_macro_order_;
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<duckdb::StandardEntry>> sequences_;
	duckdb::vector<std::string> sequence_order_;
};

} // namespace openduck
