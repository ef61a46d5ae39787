#include "extension/catalog/od_schema_entry.hpp"

#include "duckdb/catalog/catalog_entry/view_catalog_entry.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/common/exception/catalog_exception.hpp"
#include "duckdb/parser/constraints/not_null_constraint.hpp"
#include "duckdb/parser/constraints/unique_constraint.hpp"
#include "duckdb/parser/keyword_helper.hpp"
#include "duckdb/parser/parsed_data/create_table_info.hpp"
#include "duckdb/parser/parsed_data/create_view_info.hpp"
#include "duckdb/parser/parsed_data/create_index_info.hpp"
#include "duckdb/parser/parsed_data/create_type_info.hpp"
#include "duckdb/parser/parsed_data/create_sequence_info.hpp"
#include "duckdb/parser/parsed_data/drop_info.hpp"
#include "duckdb/parser/parsed_data/alter_info.hpp"
#include "duckdb/parser/parsed_data/alter_table_info.hpp"
#include "duckdb/parser/parsed_data/comment_on_column_info.hpp"
#include "duckdb/planner/parsed_data/bound_create_table_info.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/catalog/catalog_entry/scalar_macro_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/sequence_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/table_macro_catalog_entry.hpp"
#include "duckdb/catalog/catalog_entry/type_catalog_entry.hpp"
#include "duckdb/parser/parsed_data/create_macro_info.hpp"
#include "duckdb/parser/statement/create_statement.hpp"
#include "arrow/type_text.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/pushdown/remote_sequences.hpp"
#include "extension/catalog/od_index_entry.hpp"
#include "extension/catalog/od_table_entry.hpp"
#include "extension/pushdown/sql_rewrite.hpp"

namespace openduck {

using namespace duckdb;

ODSchemaEntry::ODSchemaEntry(ODCatalog &catalog, CreateSchemaInfo &info) : SchemaCatalogEntry(catalog, info) {
}

// A default or generated-column expression as the worker printed it; nullptr when empty or
// not parseable here.
static unique_ptr<ParsedExpression> ParseColumnExpression(const std::string &sql) {
	if (sql.empty()) {
		return nullptr;
	}
	try {
		auto expressions = Parser::ParseExpressionList(sql);
		if (expressions.size() == 1) {
			return std::move(expressions[0]);
		}
	} catch (std::exception &) {
		// A default we cannot parse locally is informational only: the worker applies it.
	}
	return nullptr;
}

void ODSchemaEntry::AddRelation(RemoteRelation relation) {
	auto name = relation.name;
	unique_ptr<StandardEntry> entry;
	if (relation.is_view) {
		CreateViewInfo info(*this, name);
		// A view listed from a past snapshot reads that snapshot.
		auto past = relation.snapshot.empty() ? "" : ", snapshot := " + KeywordHelper::WriteQuoted(relation.snapshot, '\'');
		info.query = CreateViewInfo::ParseSelect("SELECT * FROM openduck_scan(" +
		                                         KeywordHelper::WriteQuoted(catalog.GetName(), '\'') + ", " +
		                                         KeywordHelper::WriteQuoted(relation.schema, '\'') + ", " +
		                                         KeywordHelper::WriteQuoted(name, '\'') + past + ")");
		info.types = relation.column_types;
		info.names = relation.column_names;
		info.sql = relation.sql;
		info.comment = relation.comment;
		info.column_comments = relation.column_comments;
		entry = make_uniq<ViewCatalogEntry>(catalog, *this, info);
	} else {
		CreateTableInfo info(*this, name);
		info.comment = relation.comment;
		for (idx_t i = 0; i < relation.column_names.size(); i++) {
			auto generated = ParseColumnExpression(relation.generated_sql[i]);
			// A generated column is computed from the others on reads and never inserted, as in a
			// local table; the worker stores nothing for it either.
			ColumnDefinition column = generated ? ColumnDefinition(relation.column_names[i], relation.column_types[i],
			                                                       std::move(generated), TableColumnType::GENERATED)
			                                    : ColumnDefinition(relation.column_names[i], relation.column_types[i]);
			column.SetComment(relation.column_comments[i]);
			auto default_value = ParseColumnExpression(relation.default_sql[i]);
			if (default_value) {
				column.SetDefaultValue(std::move(default_value));
			}
			info.columns.AddColumn(std::move(column));
			if (relation.not_null[i]) {
				info.constraints.push_back(make_uniq<NotNullConstraint>(LogicalIndex(i)));
			}
		}
		// For DESCRIBE, duckdb_constraints() and information_schema; the worker enforces them.
		for (auto &key : relation.unique_keys) {
			if (!key.from_index) {
				info.constraints.push_back(make_uniq<UniqueConstraint>(key.columns, key.is_primary));
			}
		}
		relations_[name] = std::move(relation);
		entry = make_uniq<ODTableEntry>(catalog, *this, info, relations_[name]);
		entries_[name] = std::move(entry);
		order_.push_back(name);
		return;
	}
	relations_[name] = std::move(relation);
	entries_[name] = std::move(entry);
	order_.push_back(name);
}

void ODSchemaEntry::AddIndex(const std::string &index, const std::string &table, const std::string &sql,
                             Value comment) {
	auto entry = ODIndexEntry::FromSQL(catalog, *this, index, table, sql);
	entry->comment = std::move(comment);
	indexes_[index] = std::move(entry);
	index_order_.push_back(index);
}

void ODSchemaEntry::AddType(const std::string &type_name, LogicalType type, Value comment) {
	CreateTypeInfo info(type_name, std::move(type));
	info.schema = name;
	info.comment = std::move(comment);
	types_[type_name] = make_uniq<TypeCatalogEntry>(catalog, *this, info);
	type_order_.push_back(type_name);
}

// The CREATE statement `sql` as parsed, placed in `schema` of `catalog`, or nullptr when it is not
// one CREATE of `kinds`.
static unique_ptr<CreateInfo> ParseCreate(const std::string &sql, std::initializer_list<CatalogType> kinds,
                                          Catalog &catalog, const std::string &schema) {
	Parser parser;
	try {
		parser.ParseQuery(sql);
	} catch (std::exception &) {
		return nullptr;
	}
	if (parser.statements.size() != 1 || parser.statements[0]->type != StatementType::CREATE_STATEMENT) {
		return nullptr;
	}
	auto &create = parser.statements[0]->Cast<CreateStatement>();
	for (auto kind : kinds) {
		if (create.info->type == kind) {
			create.info->catalog = catalog.GetName();
			create.info->schema = schema;
			return std::move(create.info);
		}
	}
	return nullptr;
}

void ODSchemaEntry::AddMacro(const std::string &sql) {
	auto parsed = ParseCreate(sql, {CatalogType::MACRO_ENTRY, CatalogType::TABLE_MACRO_ENTRY}, catalog, name);
	if (!parsed) {
		return; // calls of it fail to bind here, as for any unknown function
	}
	auto &info = parsed->Cast<CreateMacroInfo>();
	auto macro_name = info.name;
	if (info.type == CatalogType::TABLE_MACRO_ENTRY) {
		table_macros_[macro_name] = make_uniq<TableMacroCatalogEntry>(catalog, *this, info);
		table_macro_order_.push_back(macro_name);
	} else {
		macros_[macro_name] = make_uniq<ScalarMacroCatalogEntry>(catalog, *this, info);
		macro_order_.push_back(macro_name);
	}
}

void ODSchemaEntry::AddSequence(const std::string &sql, Value comment) {
	auto parsed = ParseCreate(sql, {CatalogType::SEQUENCE_ENTRY}, catalog, name);
	if (!parsed) {
		return; // nextval of it fails to bind here, as for any unknown sequence
	}
	auto &info = parsed->Cast<CreateSequenceInfo>();
	auto entry = make_uniq<SequenceCatalogEntry>(catalog, *this, info);
	entry->comment = std::move(comment);
	sequences_[info.name] = std::move(entry);
	sequence_order_.push_back(info.name);
}

// Function lookups come for every function a statement calls while this catalog is on the
// search path; they are answered from the snapshot, a miss without a round trip.
static bool IsFunctionLookup(CatalogType type) {
	switch (type) {
	case CatalogType::SCALAR_FUNCTION_ENTRY:
	case CatalogType::AGGREGATE_FUNCTION_ENTRY:
	case CatalogType::MACRO_ENTRY:
	case CatalogType::TABLE_FUNCTION_ENTRY:
	case CatalogType::TABLE_MACRO_ENTRY:
		return true;
	default:
		return false;
	}
}

case_insensitive_map_t<unique_ptr<StandardEntry>> &ODSchemaEntry::EntriesOf(CatalogType type) {
	switch (type) {
	case CatalogType::INDEX_ENTRY:
		return indexes_;
	case CatalogType::TYPE_ENTRY:
		return types_;
	case CatalogType::SCALAR_FUNCTION_ENTRY:
	case CatalogType::AGGREGATE_FUNCTION_ENTRY:
	case CatalogType::MACRO_ENTRY:
		return macros_;
	case CatalogType::TABLE_FUNCTION_ENTRY:
	case CatalogType::TABLE_MACRO_ENTRY:
		return table_macros_;
	case CatalogType::SEQUENCE_ENTRY:
		return sequences_;
	default:
		return entries_;
	}
}

optional_ptr<CatalogEntry> ODSchemaEntry::FindEntry(CatalogType type, const std::string &entry_name) {
	auto &entries = EntriesOf(type);
	auto entry = entries.find(entry_name);
	if (entry == entries.end()) {
		return nullptr;
	}
	return entry->second.get();
}

const RemoteRelation *ODSchemaEntry::GetRelation(const std::string &name) const {
	auto entry = relations_.find(name);
	return entry == relations_.end() ? nullptr : &entry->second;
}

void ODSchemaEntry::Scan(ClientContext &context, CatalogType type, const std::function<void(CatalogEntry &)> &callback) {
	Scan(type, callback);
}

void ODSchemaEntry::Scan(CatalogType type, const std::function<void(CatalogEntry &)> &callback) {
	if (type == CatalogType::INDEX_ENTRY) {
		for (auto &index : index_order_) {
			callback(*indexes_[index]);
		}
		return;
	}
	if (type == CatalogType::TYPE_ENTRY) {
		for (auto &type_name : type_order_) {
			callback(*types_[type_name]);
		}
		return;
	}
	if (type == CatalogType::SEQUENCE_ENTRY) {
		for (auto &sequence_name : sequence_order_) {
			callback(*sequences_[sequence_name]);
		}
		return;
	}
	if (IsFunctionLookup(type)) {
		auto &entries = EntriesOf(type);
		auto &order = &entries == &macros_ ? macro_order_ : table_macro_order_;
		for (auto &macro_name : order) {
			callback(*entries[macro_name]);
		}
		return;
	}
	// Like DuckDB's own schemas, tables and views share one set: callers (duckdb_columns,
	// duckdb_views, SHOW ALL TABLES) scan TABLE_ENTRY or VIEW_ENTRY and filter by entry type.
	if (type != CatalogType::TABLE_ENTRY && type != CatalogType::VIEW_ENTRY) {
		return;
	}
	for (auto &name : order_) {
		callback(*entries_[name]);
	}
}

optional_ptr<CatalogEntry> ODSchemaEntry::LookupEntry(CatalogTransaction transaction,
                                                      const EntryLookupInfo &lookup_info) {
	auto type = lookup_info.GetCatalogType();
	if (type != CatalogType::TABLE_ENTRY && type != CatalogType::VIEW_ENTRY && type != CatalogType::INDEX_ENTRY &&
	    type != CatalogType::TYPE_ENTRY && type != CatalogType::SEQUENCE_ENTRY && !IsFunctionLookup(type)) {
		return nullptr;
	}
	auto &od_catalog = catalog.Cast<ODCatalog>();
	if (auto at = lookup_info.GetAtClause()) {
		// FROM t AT (...): the entry as the past snapshot lists it, reading that snapshot.
		if (type != CatalogType::TABLE_ENTRY && type != CatalogType::VIEW_ENTRY) {
			return nullptr;
		}
		auto past = od_catalog.PastSnapshot(transaction.GetContext(), ODCatalog::SnapshotOf(*at));
		auto schema = past->schemas.find(name);
		return schema == past->schemas.end() ? nullptr : schema->second->FindEntry(type, lookup_info.GetEntryName());
	}
	auto entry = FindEntry(type, lookup_info.GetEntryName());
	// Types and functions are looked up for every type name not built in (JSON, ...) and every
	// function called while this catalog is the default: a miss must not cost a round trip. The
	// snapshot is current as of the transaction's start, CreateType and CreateFunction refresh
	// it, and a statement that fails to bind verifies it (catalog_recheck.hpp). Any other miss
	// goes through the catalog, so it refreshes the pinned snapshot once.
	if (!entry && type != CatalogType::TYPE_ENTRY && !IsFunctionLookup(type)) {
		entry = od_catalog.LookupInSchema(transaction, name, type, lookup_info.GetEntryName());
	}
	if (entry && type == CatalogType::SEQUENCE_ENTRY && transaction.HasContext()) {
		RemoteSequenceGuard::NoteBound(transaction.GetContext(), catalog.GetName() + "." + name + "." + entry->name);
	}
	return entry;
}

// A copy of `info` placed in `schema` of the worker's own database.
template <class INFO>
static auto RemoteInfo(const INFO &info, const std::string &schema) {
	auto copy = info.Copy();
	copy->catalog.clear();
	copy->schema = schema;
	return copy;
}

template <class INFO>
static std::string RemoteSQL(const INFO &info, const std::string &schema) {
	return RemoteInfo(info, schema)->ToString();
}

optional_ptr<CatalogEntry> ODSchemaEntry::CreateAndLookup(CatalogTransaction transaction, const std::string &sql,
                                                          const std::string &entry_name, CatalogType type) {
	auto &od_catalog = catalog.Cast<ODCatalog>();
	od_catalog.ExecuteDDL(transaction.GetContext(), sql);
	return od_catalog.LookupInSchema(transaction, name, type, entry_name);
}

optional_ptr<CatalogEntry> ODSchemaEntry::CreateIndex(CatalogTransaction transaction, CreateIndexInfo &info,
                                                      TableCatalogEntry &table) {
	catalog.Cast<ODCatalog>().ExecuteDDL(transaction.GetContext(), RemoteSQL(info, name));
	return FindEntry(CatalogType::INDEX_ENTRY, info.index_name);
}

optional_ptr<CatalogEntry> ODSchemaEntry::CreateFunction(CatalogTransaction transaction, CreateFunctionInfo &info) {
	if (info.type != CatalogType::MACRO_ENTRY && info.type != CatalogType::TABLE_MACRO_ENTRY) {
		throw BinderException("OpenDuck databases store macros (CREATE MACRO), not functions of other kinds; "
		                      "create those in a local database");
	}
	// Created on the worker, where statements shipped whole call it; listed back for the host,
	// which expands it in the statements it plans itself.
	return CreateAndLookup(transaction, RemoteSQL(info.Cast<CreateMacroInfo>(), name), info.name, info.type);
}

optional_ptr<CatalogEntry> ODSchemaEntry::CreateTable(CatalogTransaction transaction, BoundCreateTableInfo &info) {
	auto &base = info.Base();
	auto copy = RemoteInfo(base, name);
	auto &table = copy->Cast<CreateTableInfo>();
	// DEFAULT nextval('cloud.seq') names the sequence as the host sees it. A default reaching
	// another catalog stays as written, and the worker refuses it.
	ReferenceRewriter(catalog.GetName(), name).Rewrite(table.columns);
	return CreateAndLookup(transaction, table.ToString(), base.table);
}

optional_ptr<CatalogEntry> ODSchemaEntry::CreateView(CatalogTransaction transaction, CreateViewInfo &info) {
	// As DuckDB's own schemas do: with enable_view_dependencies the binder listed what the query
	// reads, and the worker, which does not have the setting, would replace the view by one
	// reading itself.
	if (info.on_conflict == OnCreateConflict::REPLACE_ON_CONFLICT) {
		auto old_entry = FindEntry(CatalogType::VIEW_ENTRY, info.view_name);
		if (old_entry && info.dependencies.Contains(*old_entry)) {
			throw CatalogException("CREATE OR REPLACE is not allowed to depend on itself");
		}
	}
	auto copy = info.Copy();
	auto &view = copy->Cast<CreateViewInfo>();
	view.catalog.clear();
	view.schema = name;
	// Names inside the view resolve in its own schema, as they would in a local view.
	ReferenceRewriter rewriter(catalog.GetName(), name);
	if (!view.query || !rewriter.Rewrite(*view.query->node)) {
		throw BinderException("A view in OpenDuck database \"%s\" can only read tables of that database; "
		                      "create views over local data in a local database",
		                      catalog.GetName());
	}
	return CreateAndLookup(transaction, view.ToString(), view.view_name);
}

optional_ptr<CatalogEntry> ODSchemaEntry::CreateSequence(CatalogTransaction transaction, CreateSequenceInfo &info) {
	// Created on the worker, which owns its counter; listed back for the host, which binds
	// nextval/currval to it and runs statements using it whole there (remote_sequences.hpp).
	return CreateAndLookup(transaction, RemoteSQL(info, name), info.name, CatalogType::SEQUENCE_ENTRY);
}

optional_ptr<CatalogEntry> ODSchemaEntry::CreateTableFunction(CatalogTransaction transaction,
                                                              CreateTableFunctionInfo &info) {
	throw BinderException("OpenDuck databases cannot store table functions; create them in a local database");
}

optional_ptr<CatalogEntry> ODSchemaEntry::CreateCopyFunction(CatalogTransaction transaction,
                                                             CreateCopyFunctionInfo &info) {
	throw BinderException("OpenDuck databases cannot store copy functions; create them in a local database");
}

optional_ptr<CatalogEntry> ODSchemaEntry::CreatePragmaFunction(CatalogTransaction transaction,
                                                               CreatePragmaFunctionInfo &info) {
	throw BinderException("OpenDuck databases cannot store pragma functions; create them in a local database");
}

optional_ptr<CatalogEntry> ODSchemaEntry::CreateCollation(CatalogTransaction transaction, CreateCollationInfo &info) {
	throw BinderException("OpenDuck databases cannot store collations; create them in a local database");
}

// A type whose definition has no text DuckDB parses back cannot be listed in the host's view of
// the catalog, so one made through ATTACH could be neither used nor dropped from here.
static BinderException WorkerOnlyEntry(const std::string &catalog, const char *kind, std::string sql) {
	while (!sql.empty() && (sql.back() == ';' || sql.back() == ' ')) {
		sql.pop_back();
	}
	return BinderException("OpenDuck database \"%s\" cannot hold a %s created through ATTACH: the host could not "
	                       "use or drop it. Create it where statements using it run, with SELECT * FROM "
	                       "openduck_query('%s', %s), or in a local database",
	                       catalog, kind, catalog, KeywordHelper::WriteQuoted(sql, '\''));
}

optional_ptr<CatalogEntry> ODSchemaEntry::CreateType(CatalogTransaction transaction, CreateTypeInfo &info) {
	// The bound definition, without the user type names inside it: the worker may not know them
	// under those names, and the host lists types by definition too (AddType).
	auto definition = ExactTypeText(info.type);
	if (definition.empty()) {
		throw WorkerOnlyEntry(catalog.GetName(), "type", RemoteSQL(info, name));
	}
	std::string sql = "CREATE ";
	if (info.on_conflict == OnCreateConflict::REPLACE_ON_CONFLICT) {
		sql += "OR REPLACE ";
	}
	sql += "TYPE ";
	if (info.on_conflict == OnCreateConflict::IGNORE_ON_CONFLICT) {
		sql += "IF NOT EXISTS ";
	}
	sql += KeywordHelper::WriteOptionallyQuoted(name) + "." + KeywordHelper::WriteOptionallyQuoted(info.name) +
	       " AS " + definition;
	return CreateAndLookup(transaction, sql, info.name, CatalogType::TYPE_ENTRY);
}

void ODSchemaEntry::DropEntry(ClientContext &context, DropInfo &info) {
	catalog.Cast<ODCatalog>().ExecuteDDL(context, RemoteSQL(info, name));
}

// DuckDB 1.4.4 cannot print ADD COLUMN, of a column or of a field inside a STRUCT column
// (AddColumnInfo / AddFieldInfo::ToString throw), so it is rendered here. `path` leads to the
// STRUCT that gets the field (empty for a column).
static std::string AddColumnSQL(const AlterTableInfo &info, const std::string &schema, const vector<string> &path,
                                const ColumnDefinition &column, bool if_not_exists) {
	if (column.Generated()) {
		throw BinderException("Generated columns cannot be added to OpenDuck tables through ATTACH");
	}
	std::string sql = "ALTER TABLE ";
	if (info.if_not_found == OnEntryNotFound::RETURN_NULL) {
		sql += "IF EXISTS ";
	}
	sql += KeywordHelper::WriteOptionallyQuoted(schema) + "." + KeywordHelper::WriteOptionallyQuoted(info.name);
	sql += " ADD COLUMN ";
	if (if_not_exists) {
		sql += "IF NOT EXISTS ";
	}
	for (auto &step : path) {
		sql += KeywordHelper::WriteOptionallyQuoted(step) + ".";
	}
	// The type as written (a user type keeps its name), with its collation, which DuckDB's text
	// of it leaves out.
	sql += KeywordHelper::WriteOptionallyQuoted(column.Name()) + " " + column.Type().ToString() +
	       CollateClause(column.Type());
	if (column.HasDefaultValue()) {
		sql += " DEFAULT " + column.DefaultValue().ToString();
	}
	return sql;
}

// DuckDB 1.4.4 prints COMMENT ON COLUMN without the table (the worker cannot parse it), so it
// is rendered here too.
static std::string ColumnCommentSQL(const SetColumnCommentInfo &info, const std::string &schema) {
	return "COMMENT ON COLUMN " + KeywordHelper::WriteOptionallyQuoted(schema) + "." +
	       KeywordHelper::WriteOptionallyQuoted(info.name) + "." + KeywordHelper::WriteOptionallyQuoted(info.column_name) +
	       " IS " + (info.comment_value.IsNull() ? std::string("NULL") : info.comment_value.ToSQLString());
}

// DuckDB 1.4.4 prints ALTER TABLE / VIEW ... IF EXISTS with no space before the name
// ("ALTER TABLE  IF EXISTSt0"), so the statement is printed without the clause and it is put
// back here.
static std::string AlterSQL(const AlterInfo &info, const std::string &schema) {
	auto copy = info.Copy();
	copy->catalog.clear();
	copy->schema = schema;
	if (copy->if_not_found != OnEntryNotFound::RETURN_NULL) {
		return copy->ToString();
	}
	copy->if_not_found = OnEntryNotFound::THROW_EXCEPTION;
	auto sql = copy->ToString();
	for (std::string prefix : {"ALTER TABLE ", "ALTER VIEW "}) {
		if (sql.compare(0, prefix.size(), prefix) == 0) {
			return prefix + "IF EXISTS " + sql.substr(prefix.size());
		}
	}
	return sql;
}

void ODSchemaEntry::Alter(CatalogTransaction transaction, AlterInfo &info) {
	std::string sql;
	auto table_alter = info.type == AlterType::ALTER_TABLE ? info.Cast<AlterTableInfo>().alter_table_type
	                                                       : AlterTableType::INVALID;
	if (table_alter == AlterTableType::ADD_COLUMN) {
		auto &add = info.Cast<AddColumnInfo>();
		sql = AddColumnSQL(add, name, {}, add.new_column, add.if_column_not_exists);
	} else if (table_alter == AlterTableType::ADD_FIELD) {
		auto &add = info.Cast<AddFieldInfo>();
		sql = AddColumnSQL(add, name, add.column_path, add.new_field, add.if_field_not_exists);
	} else if (info.type == AlterType::SET_COLUMN_COMMENT) {
		sql = ColumnCommentSQL(info.Cast<SetColumnCommentInfo>(), name);
	} else {
		sql = AlterSQL(info, name);
	}
	catalog.Cast<ODCatalog>().ExecuteDDL(transaction.GetContext(), sql);
}

} // namespace openduck
