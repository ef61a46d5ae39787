#include "worker/catalog_reader.hpp"

#include "arrow/type_text.hpp"
#include "duckdb/catalog/catalog_entry/type_catalog_entry.hpp"

#include "common/column_statistics.hpp"
#include "common/index_sql.hpp"
#include "duckdb/catalog/catalog.hpp"
#include "duckdb/catalog/catalog_entry/sequence_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/view_catalog_entry.hpp"
#include "duckdb/main/client_context.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/main/connection.hpp"
#include "duckdb/main/materialized_query_result.hpp"
#include "duckdb/transaction/meta_transaction.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"

#include <map>
#include <random>
#include <utility>

namespace openduck {

namespace pb = openduck::v1;

static duckdb::unique_ptr<duckdb::MaterializedQueryResult> RunMetadataQuery(duckdb::Connection &connection,
                                                                             const std::string &sql) {
	auto result = connection.Query(sql);
	if (result->HasError()) {
		result->ThrowError("reading the catalog failed: ");
	}
	return result;
}

static std::string StringOrEmpty(const duckdb::Value &value) {
	return value.IsNull() ? std::string() : value.ToString();
}

// The columns of a `CREATE UNIQUE INDEX` statement, or nothing when it indexes anything but
// plain columns (an expression index cannot be an ON CONFLICT target).
static std::vector<std::string> UniqueIndexColumns(const std::string &sql) {
	auto info = ParseCreateIndex(sql);
	if (!info) {
		return {};
	}
	std::vector<std::string> columns;
	for (auto &expression : info->expressions) {
		if (expression->GetExpressionType() != duckdb::ExpressionType::COLUMN_REF) {
			return {};
		}
		columns.push_back(expression->Cast<duckdb::ColumnRefExpression>().GetColumnName());
	}
	return columns;
}

// Sets `message`'s comment unless `comment` is NULL (no COMMENT ON for it).
template <class MESSAGE>
static void CopyComment(const duckdb::Value &comment, MESSAGE &message) {
	if (!comment.IsNull()) {
		message.set_comment(comment.ToString());
	}
}

// Calls fn(table entry, column definition, ColumnInfo) for every column of every table in
// `response`, inside the transaction open on `connection` (or a new one).
template <class FN>
static void ForEachTableColumn(duckdb::Connection &connection, pb::GetCatalogResponse &response, FN &&fn) {
	auto &context = *connection.context;
	context.RunFunctionInTransaction([&]() {
		for (auto &schema : *response.mutable_schemas()) {
			for (auto &table : *schema.mutable_tables()) {
				if (table.is_view()) {
					continue;
				}
				auto entry = duckdb::Catalog::GetEntry<duckdb::TableCatalogEntry>(
				    context, "", schema.name(), table.name(), duckdb::OnEntryNotFound::RETURN_NULL);
				if (!entry) {
					continue;
				}
				auto &definitions = entry->GetColumns();
				for (auto &column : *table.mutable_columns()) {
					if (definitions.ColumnExists(column.name())) {
						fn(*entry, definitions.GetColumn(column.name()), column);
					}
				}
			}
		}
	});
}

// Calls fn(schema entry, its SchemaInfo) for every schema of `response`, in one transaction.
template <class FN>
static void ForEachSchema(duckdb::Connection &connection, pb::GetCatalogResponse &response, FN &&fn) {
	auto &context = *connection.context;
	context.RunFunctionInTransaction([&]() {
		for (auto &schema : *response.mutable_schemas()) {
			// Named: an empty catalog name would find the system catalog's built-in entries.
			auto entry = duckdb::Catalog::GetSchema(context, duckdb::DatabaseManager::GetDefaultDatabase(context),
			                                        schema.name(), duckdb::OnEntryNotFound::RETURN_NULL);
			if (entry) {
				fn(*entry, schema);
			}
		}
	});
}

// Lists the types made with CREATE TYPE in every schema of `response`, so the host can bind
// them (CREATE TABLE t (m mood), 'ok'::mood) and drop them.
static void AddUserTypes(duckdb::Connection &connection, pb::GetCatalogResponse &response) {
	auto &context = *connection.context;
	ForEachSchema(connection, response, [&](duckdb::SchemaCatalogEntry &entry, pb::SchemaInfo &schema) {
		entry.Scan(context, duckdb::CatalogType::TYPE_ENTRY, [&](duckdb::CatalogEntry &type_entry) {
			if (type_entry.internal) {
				return;
			}
			auto text = ExactTypeText(type_entry.Cast<duckdb::TypeCatalogEntry>().user_type);
			if (text.empty()) {
				return; // not expressible as text: the host cannot use it
			}
			auto type = schema.add_types();
			type->set_name(type_entry.name);
			type->set_type_sql(text);
			CopyComment(type_entry.comment, *type);
		});
	});
}

// CREATE SEQUENCE for `sequence` as it was created. Not DuckDB's ToSQL: that prints the name
// unquoted and the counter as the START (a host lists the start, as duckdb_sequences() does).
static std::string SequenceSQL(duckdb::SequenceCatalogEntry &sequence) {
	auto data = sequence.GetData();
	return "CREATE SEQUENCE " + duckdb::KeywordHelper::WriteOptionallyQuoted(sequence.name) + " INCREMENT BY " +
	       std::to_string(data.increment) + " MINVALUE " + std::to_string(data.min_value) + " MAXVALUE " +
	       std::to_string(data.max_value) + " START " + std::to_string(data.start_value) +
	       (data.cycle ? " CYCLE" : " NO CYCLE");
}

// Lists the macros, table macros and sequences of every schema of `response`, so the host can
// expand the macros (in hybrid statements), bind nextval/currval, and drop them.
static void AddMacrosAndSequences(duckdb::Connection &connection, pb::GetCatalogResponse &response) {
	auto &context = *connection.context;
	ForEachSchema(connection, response, [&](duckdb::SchemaCatalogEntry &entry, pb::SchemaInfo &schema) {
		// Scalar and table macros live in two sets, each shared with other function kinds.
		for (auto kind : {duckdb::CatalogType::MACRO_ENTRY, duckdb::CatalogType::TABLE_MACRO_ENTRY}) {
			entry.Scan(context, kind, [&](duckdb::CatalogEntry &function) {
				if (function.type == kind && !function.internal) {
					schema.add_macros(function.ToSQL());
				}
			});
		}
		entry.Scan(context, duckdb::CatalogType::SEQUENCE_ENTRY, [&](duckdb::CatalogEntry &sequence) {
			auto listed = schema.add_sequences();
			listed->set_sql(SequenceSQL(sequence.Cast<duckdb::SequenceCatalogEntry>()));
			CopyComment(sequence.comment, *listed);
		});
	});
}

// Whether the table statistics hold for the transaction open on `connection`: not once it
// wrote, since they do not cover its uncommitted rows (DuckDB's own scan reports none for tables
// with transaction-local data, for the same reason).
static bool StatisticsHold(duckdb::Connection &connection) {
	return !duckdb::MetaTransaction::Get(*connection.context).ModifiedDatabase();
}

// Sets `column`'s ColumnInfo.statistics from `table`'s own statistics of `definition`, when
// that type's statistics are shipped.
static void SetColumnStatistics(duckdb::ClientContext &context, duckdb::TableCatalogEntry &table,
                                const duckdb::ColumnDefinition &definition, pb::ColumnInfo &column) {
	if (definition.Generated() || !ShipsColumnStatistics(definition.Type())) {
		return;
	}
	auto statistics = table.GetStatistics(context, definition.Logical().index);
	if (statistics) {
		column.set_statistics(EncodeColumnStatistics(*statistics));
	}
}

// Fills ColumnInfo.statistics of every table column in `response` from the tables' own
// statistics.
static void AddColumnStatistics(duckdb::Connection &connection, pb::GetCatalogResponse &response) {
	auto &context = *connection.context;
	ForEachTableColumn(connection, response,
	                   [&](duckdb::TableCatalogEntry &table, const duckdb::ColumnDefinition &definition,
	                       pb::ColumnInfo &column) { SetColumnStatistics(context, table, definition, column); });
}

// duckdb_columns() lists a generated column's expression as its default; the host must not
// treat it as one (it would fill the column itself, and DuckDB refuses column references in
// defaults), so such columns are marked, carry no default and send their expression apart.
static void MarkGeneratedColumns(duckdb::Connection &connection, pb::GetCatalogResponse &response) {
	ForEachTableColumn(connection, response,
	                   [&](duckdb::TableCatalogEntry &, const duckdb::ColumnDefinition &definition,
	                       pb::ColumnInfo &column) {
		                   if (definition.Generated()) {
			                   column.set_generated(true);
			                   column.clear_default_sql();
			                   column.set_generated_sql(definition.GeneratedExpression().ToString());
		                   }
	                   });
}

static bool Collated(const duckdb::LogicalType &type) {
	return type.id() == duckdb::LogicalTypeId::VARCHAR && !duckdb::StringType::GetCollation(type).empty();
}

// duckdb_columns() prints a VARCHAR column's type without its collation (`VARCHAR COLLATE
// NOCASE` lists as VARCHAR); the host needs it to compare, sort and group the column as DuckDB
// does here, so such a column's type is sent as ExactTypeText prints it, with the collation.
static void AddCollations(duckdb::Connection &connection, pb::GetCatalogResponse &response) {
	auto set = [](const duckdb::LogicalType &type, pb::ColumnInfo &column) {
		if (Collated(type)) {
			column.set_type(ExactTypeText(type));
		}
	};
	ForEachTableColumn(connection, response,
	                   [&](duckdb::TableCatalogEntry &, const duckdb::ColumnDefinition &definition,
	                       pb::ColumnInfo &column) { set(definition.Type(), column); });
	auto &context = *connection.context;
	context.RunFunctionInTransaction([&]() {
		for (auto &schema : *response.mutable_schemas()) {
			for (auto &view : *schema.mutable_tables()) {
				if (!view.is_view()) {
					continue;
				}
				auto entry = duckdb::Catalog::GetEntry<duckdb::ViewCatalogEntry>(
				    context, "", schema.name(), view.name(), duckdb::OnEntryNotFound::RETURN_NULL);
				// duckdb_columns() lists a view's columns in the order of its types.
				if (entry && entry->types.size() == size_t(view.columns_size())) {
					for (size_t i = 0; i < entry->types.size(); i++) {
						set(entry->types[i], *view.mutable_columns(int(i)));
					}
				}
			}
		}
	});
}

std::string CatalogVersion(duckdb::ClientContext &context) {
	auto &catalog = duckdb::Catalog::GetCatalog(context, duckdb::DatabaseManager::GetDefaultDatabase(context));
	auto number = catalog.GetCatalogVersion(context);
	// The instance's address and this process's tag: a database opened again starts its counter
	// again, and must not look unchanged to a host that cached the old one.
	static const uint64_t process_tag = std::random_device {}() ^ (uint64_t(std::random_device {}()) << 32);
	return std::to_string(process_tag) + "." +
	       std::to_string(reinterpret_cast<uintptr_t>(&duckdb::DatabaseInstance::GetDatabase(context))) + "." +
	       (number.IsValid() ? std::to_string(number.GetIndex()) : std::string("?"));
}

std::string CatalogVersion(duckdb::Connection &connection, bool own_transaction) {
	auto &context = *connection.context;
	std::string version;
	if (own_transaction) {
		context.RunFunctionInTransaction([&]() { version = CatalogVersion(context); });
	} else {
		version = CatalogVersion(context);
	}
	return version;
}

void ReadCatalog(duckdb::DuckDB &database, pb::GetCatalogResponse &response) {
	duckdb::Connection connection(database);
	// One transaction, so the five queries, the statistics and the version see the same catalog
	// state.
	RunMetadataQuery(connection, "BEGIN TRANSACTION");
	ReadCatalog(connection, response, true);
	RunMetadataQuery(connection, "COMMIT");
}

// The schemas, tables, views, columns and types, without statistics.
static void ReadCatalogEntries(duckdb::Connection &connection, pb::GetCatalogResponse &response) {
	response.set_version(CatalogVersion(connection, false));
	std::map<std::string, pb::SchemaInfo *> schemas;
	auto schema_rows = RunMetadataQuery(connection, "SELECT schema_name FROM duckdb_schemas() "
	                                                "WHERE database_name = current_database() ORDER BY schema_name");
	for (duckdb::idx_t row = 0; row < schema_rows->RowCount(); row++) {
		auto schema = response.add_schemas();
		schema->set_name(schema_rows->GetValue(0, row).ToString());
		schemas[schema->name()] = schema;
	}
	std::map<std::pair<std::string, std::string>, pb::TableInfo *> tables;
	auto add_table = [&](const std::string &schema_name, const std::string &name) -> pb::TableInfo * {
		auto schema = schemas.find(schema_name);
		if (schema == schemas.end()) {
			return nullptr;
		}
		auto table = schema->second->add_tables();
		table->set_name(name);
		tables[{schema_name, name}] = table;
		return table;
	};
	auto table_rows = RunMetadataQuery(connection, "SELECT schema_name, table_name, estimated_size, sql, comment "
	                                               "FROM duckdb_tables() WHERE database_name = current_database() "
	                                               "AND NOT internal AND NOT temporary ORDER BY schema_name, table_name");
	for (duckdb::idx_t row = 0; row < table_rows->RowCount(); row++) {
		auto table = add_table(table_rows->GetValue(0, row).ToString(), table_rows->GetValue(1, row).ToString());
		if (!table) {
			continue;
		}
		auto estimated = table_rows->GetValue(2, row);
		table->set_estimated_rows(estimated.IsNull() ? 0 : estimated.GetValue<int64_t>());
		table->set_sql(StringOrEmpty(table_rows->GetValue(3, row)));
		CopyComment(table_rows->GetValue(4, row), *table);
	}
	auto view_rows = RunMetadataQuery(connection, "SELECT schema_name, view_name, sql, comment FROM duckdb_views() "
	                                              "WHERE database_name = current_database() "
	                                              "AND NOT internal AND NOT temporary ORDER BY schema_name, view_name");
	for (duckdb::idx_t row = 0; row < view_rows->RowCount(); row++) {
		auto view = add_table(view_rows->GetValue(0, row).ToString(), view_rows->GetValue(1, row).ToString());
		if (!view) {
			continue;
		}
		view->set_is_view(true);
		view->set_sql(StringOrEmpty(view_rows->GetValue(2, row)));
		CopyComment(view_rows->GetValue(3, row), *view);
	}
	auto column_rows = RunMetadataQuery(
	    connection, "SELECT schema_name, table_name, column_name, data_type, is_nullable, column_default, comment "
	                "FROM duckdb_columns() WHERE database_name = current_database() AND NOT internal "
	                "ORDER BY schema_name, table_name, column_index");
	for (duckdb::idx_t row = 0; row < column_rows->RowCount(); row++) {
		auto table = tables.find({column_rows->GetValue(0, row).ToString(), column_rows->GetValue(1, row).ToString()});
		if (table == tables.end()) {
			continue;
		}
		auto column = table->second->add_columns();
		column->set_name(column_rows->GetValue(2, row).ToString());
		column->set_type(column_rows->GetValue(3, row).ToString());
		column->set_not_null(!column_rows->GetValue(4, row).GetValue<bool>());
		column->set_default_sql(StringOrEmpty(column_rows->GetValue(5, row)));
		CopyComment(column_rows->GetValue(6, row), *column);
	}
	auto key_rows = RunMetadataQuery(
	    connection, "SELECT schema_name, table_name, constraint_type = 'PRIMARY KEY', constraint_column_names "
	                "FROM duckdb_constraints() WHERE database_name = current_database() "
	                "AND constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
	                "ORDER BY schema_name, table_name, constraint_index");
	for (duckdb::idx_t row = 0; row < key_rows->RowCount(); row++) {
		auto table = tables.find({key_rows->GetValue(0, row).ToString(), key_rows->GetValue(1, row).ToString()});
		if (table == tables.end()) {
			continue;
		}
		auto key = table->second->add_unique_keys();
		key->set_is_primary(key_rows->GetValue(2, row).GetValue<bool>());
		auto columns = key_rows->GetValue(3, row);
		for (auto &column : duckdb::ListValue::GetChildren(columns)) {
			key->add_columns(column.ToString());
		}
	}
	// Indexes are listed for DROP INDEX and duckdb_indexes() on the host. A unique one on plain
	// columns is a conflict target too; duckdb_indexes() gives its columns only as display
	// text, so they are read from the statement that created it.
	auto index_rows = RunMetadataQuery(
	    connection, "SELECT schema_name, table_name, index_name, is_unique AND NOT is_primary, sql, comment "
	                "FROM duckdb_indexes() "
	                "WHERE database_name = current_database() AND sql IS NOT NULL "
	                "ORDER BY schema_name, table_name, index_name");
	for (duckdb::idx_t row = 0; row < index_rows->RowCount(); row++) {
		auto schema_name = index_rows->GetValue(0, row).ToString();
		auto table_name = index_rows->GetValue(1, row).ToString();
		auto table = tables.find({schema_name, table_name});
		if (table == tables.end()) {
			continue;
		}
		auto sql = index_rows->GetValue(4, row).ToString();
		auto index = schemas[schema_name]->add_indexes();
		index->set_name(index_rows->GetValue(2, row).ToString());
		index->set_table(table_name);
		index->set_sql(sql);
		CopyComment(index_rows->GetValue(5, row), *index);
		auto columns = index_rows->GetValue(3, row).GetValue<bool>() ? UniqueIndexColumns(sql) : std::vector<std::string>();
		if (columns.empty()) {
			continue;
		}
		auto key = table->second->add_unique_keys();
		key->set_is_primary(false);
		key->set_from_index(true);
		for (auto &column : columns) {
			key->add_columns(column);
		}
	}
	MarkGeneratedColumns(connection, response);
	AddCollations(connection, response);
	AddUserTypes(connection, response);
	AddMacrosAndSequences(connection, response);
	response.set_default_schema("main");
}

void ReadTableStatistics(duckdb::Connection &connection, const std::string &schema, const std::string &table,
                         bool with_statistics, bool own_transaction, pb::GetCatalogResponse &response) {
	auto &context = *connection.context;
	auto read = [&]() {
		// Named: an empty catalog name would find the system catalog's built-in entries.
		auto entry = duckdb::Catalog::GetEntry<duckdb::TableCatalogEntry>(
		    context, duckdb::DatabaseManager::GetDefaultDatabase(context), schema, table,
		    duckdb::OnEntryNotFound::RETURN_NULL);
		if (!entry) {
			return;
		}
		auto listed = response.add_schemas();
		listed->set_name(schema);
		auto listed_table = listed->add_tables();
		listed_table->set_name(table);
		bool statistics = with_statistics && StatisticsHold(connection);
		for (auto &definition : entry->GetColumns().Logical()) {
			auto column = listed_table->add_columns();
			column->set_name(definition.Name());
			// As duckdb_columns() lists it, with AddCollations' exception.
			auto &type = definition.Type();
			column->set_type(Collated(type) ? ExactTypeText(type) : type.ToString());
			if (statistics) {
				SetColumnStatistics(context, *entry, definition, *column);
			}
		}
	};
	if (own_transaction) {
		context.RunFunctionInTransaction(read);
	} else {
		read();
	}
}

void ReadCatalog(duckdb::Connection &connection, pb::GetCatalogResponse &response, bool with_statistics) {
	ReadCatalogEntries(connection, response);
	if (with_statistics && StatisticsHold(connection)) {
		AddColumnStatistics(connection, response);
	}
}

} // namespace openduck
