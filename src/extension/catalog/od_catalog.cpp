#include "extension/catalog/od_catalog.hpp"
#include "common/snapshot_reference.hpp"
#include "rpc/commit_position_wire.hpp"

#include "duckdb/common/string_util.hpp"
#include "duckdb/planner/tableref/bound_at_clause.hpp"

#include <algorithm>

#include "duckdb/common/exception.hpp"
#include "duckdb/common/exception/binder_exception.hpp"
#include "duckdb/common/exception/catalog_exception.hpp"
#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/parser/parsed_data/create_schema_info.hpp"
#include "duckdb/parser/parsed_data/drop_info.hpp"
#include "duckdb/storage/database_size.hpp"
#include "extension/catalog/od_schema_entry.hpp"
#include "extension/catalog/od_transaction.hpp"
#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/execution/physical_plan_generator.hpp"
#include "duckdb/planner/operator/logical_create_table.hpp"
#include "duckdb/planner/operator/logical_insert.hpp"
#include "duckdb/planner/operator/logical_merge_into.hpp"
#include "duckdb/parser/statement/insert_statement.hpp"
#include "duckdb/planner/expression/bound_reference_expression.hpp"
#include "duckdb/planner/operator/logical_delete.hpp"
#include "duckdb/planner/operator/logical_update.hpp"
#include "duckdb/parser/statement/create_statement.hpp"
#include "extension/write/remote_ddl.hpp"
#include "extension/write/remote_insert.hpp"
#include "extension/write/remote_modify.hpp"
#include "extension/scan/remote_result.hpp"
#include "extension/client/compression_setting.hpp"
#include "extension/client/session_settings.hpp"
#include "extension/scan/query_stats.hpp"
#include "extension/pushdown/query_text_state.hpp"
#include "extension/pushdown/sql_rewrite.hpp"
#include "extension/write/upsert_sql.hpp"

namespace openduck {

using namespace duckdb;

void ThrowWritesUnsupported(const std::string &what, const std::string &catalog) {
	throw NotImplementedException("%s on attached OpenDuck database \"%s\" is not supported through ATTACH yet; run "
	                              "the statement on the server with SELECT * FROM openduck_query('%s', '<sql>')",
	                              what, catalog, catalog);
}

ODCatalog::ODCatalog(AttachedDatabase &db, std::shared_ptr<RemoteClient> client)
    : Catalog(db), client_(std::move(client)) {
}

ODCatalog::~ODCatalog() = default;

optional_ptr<ODCatalog> ODCatalog::Find(ClientContext &context, const std::string &name) {
	auto database = DatabaseManager::Get(context).GetDatabase(context, name);
	if (!database || database->GetCatalog().GetCatalogType() != "openduck") {
		return nullptr;
	}
	return &database->GetCatalog().Cast<ODCatalog>();
}

ODCatalog &ODCatalog::Require(ClientContext &context, const std::string &name, const std::string &who) {
	auto catalog = Find(context, name);
	if (!catalog) {
		throw BinderException("%s: \"%s\" is not an attached OpenDuck database (attach one with ATTACH "
		                      "'openduck:<database>' AS %s)",
		                      who, name, name);
	}
	return *catalog;
}

void ODCatalog::Initialize(bool load_builtin) {
}

static LogicalType ParseRemoteType(const std::string &type, const std::string &table, const std::string &column) {
	try {
		return TransformStringToLogicalType(type);
	} catch (std::exception &ex) {
		throw IOException("OpenDuck: cannot use column \"%s\" of remote table \"%s\": unknown type '%s' (%s)", column,
		                  table, type, ErrorData(ex).RawMessage());
	}
}

std::shared_ptr<CatalogSnapshot> ODCatalog::Load(QueryCounters *counted, const std::string &session_id,
                                                 const std::string &known_version, const std::string &past) {
	if (counted) {
		counted->requests++;
	}
	auto response = client_->GetCatalog(session_id, known_version, past);
	if (response.unchanged()) {
		return nullptr;
	}
	auto snapshot = std::make_shared<CatalogSnapshot>();
	if (!past.empty()) {
		snapshot->past_snapshot = std::to_string(response.snapshot());
	}
	snapshot->version = response.version();
	if (!response.default_schema().empty()) {
		snapshot->default_schema = response.default_schema();
	}
	for (auto &schema : response.schemas()) {
		CreateSchemaInfo info;
		info.schema = schema.name();
		auto entry = make_uniq<ODSchemaEntry>(*this, info);
		for (auto &table : schema.tables()) {
			RemoteRelation relation;
			relation.schema = schema.name();
			relation.name = table.name();
			relation.is_view = table.is_view();
			relation.estimated_rows = table.estimated_rows();
			relation.sql = table.sql();
			relation.snapshot = snapshot->past_snapshot;
			for (auto &column : table.columns()) {
				relation.column_names.push_back(column.name());
				relation.column_types.push_back(ParseRemoteType(column.type(), table.name(), column.name()));
				relation.not_null.push_back(column.not_null());
				relation.listed_statistics.push_back(column.statistics());
				relation.default_sql.push_back(column.default_sql());
				relation.generated_sql.push_back(column.generated() ? column.generated_sql() : "");
				relation.column_comments.push_back(column.has_comment() ? Value(column.comment()) : Value());
			}
			if (table.has_comment()) {
				relation.comment = Value(table.comment());
			}
			for (auto &key : table.unique_keys()) {
				RemoteUniqueKey unique_key;
				unique_key.columns.assign(key.columns().begin(), key.columns().end());
				unique_key.is_primary = key.is_primary();
				unique_key.from_index = key.from_index();
				relation.unique_keys.push_back(std::move(unique_key));
			}
			entry->AddRelation(std::move(relation));
		}
		for (auto &index : schema.indexes()) {
			entry->AddIndex(index.name(), index.table(), index.sql(),
			                index.has_comment() ? Value(index.comment()) : Value());
		}
		for (auto &type : schema.types()) {
			try {
				entry->AddType(type.name(), TransformStringToLogicalType(type.type_sql()),
				               type.has_comment() ? Value(type.comment()) : Value());
			} catch (std::exception &) {
				// A definition this host cannot read: statements naming the type fail to bind
				// here, as they would for any unknown type.
			}
		}
		for (auto &macro : schema.macros()) {
			entry->AddMacro(macro);
			snapshot->has_macros = true;
		}
		for (auto &sequence : schema.sequences()) {
			entry->AddSequence(sequence.sql(), sequence.has_comment() ? Value(sequence.comment()) : Value());
		}
		snapshot->schemas[schema.name()] = std::move(entry);
	}
	return snapshot;
}

std::shared_ptr<CatalogSnapshot> ODCatalog::PastSnapshot(ClientContext &context, const std::string &snapshot) {
	std::shared_ptr<CatalogSnapshot> past, resolved_before;
	// Names (which can move) and times resolve on the worker at every statement. What the same
	// name, or any time, resolved to last is sent as the known version: when it still resolves
	// to that snapshot the answer is "unchanged", not the whole catalog again.
	auto resolution = IsSnapshotTime(snapshot) ? std::string(1, kSnapshotTimePrefix) : snapshot;
	{
		std::lock_guard<std::mutex> guard(lock_);
		auto known = past_resolutions_.find(resolution);
		auto id = IsSnapshotId(snapshot) ? snapshot : known == past_resolutions_.end() ? "" : known->second;
		auto cached = past_.find(id);
		if (cached != past_.end()) {
			(IsSnapshotId(snapshot) ? past : resolved_before) = cached->second;
		}
	}
	if (!past) {
		past = Load(&QueryStats::Get(context).Current(), "", resolved_before ? resolved_before->version : "", snapshot);
		if (!past) {
			past = resolved_before;
		}
		std::lock_guard<std::mutex> guard(lock_);
		if (past_.size() >= kPastSnapshotsKept) {
			past_.clear(); // transactions keep the ones they use (KeepAlive)
			past_resolutions_.clear();
		}
		past_[past->past_snapshot] = past;
		if (!IsSnapshotId(snapshot)) {
			past_resolutions_[resolution] = past->past_snapshot;
		}
	}
	Transaction::Get(context, *this).Cast<ODTransaction>().KeepAlive(past);
	return past;
}

static std::string SnapshotAt(const Value &time) {
	return SnapshotAtTime(time.DefaultCastAs(LogicalType::TIMESTAMP_TZ).GetValue<timestamp_tz_t>().value);
}

std::string ODCatalog::SnapshotOf(const BoundAtClause &at) {
	auto unit = StringUtil::Upper(at.Unit());
	auto &value = at.GetValue();
	if (value.IsNull()) {
		throw BinderException("AT (%s => NULL): name a snapshot or a time", unit);
	}
	// DuckDB's grammar has no other unit than VERSION and TIMESTAMP.
	return unit == "VERSION" ? value.ToString() : SnapshotAt(value);
}

std::string ODCatalog::SnapshotOf(const Value &version, const std::string &who) {
	if (version.IsNull()) {
		throw BinderException("%s: a version cannot be NULL; name a snapshot (its id or name) or a time", who);
	}
	switch (version.type().id()) {
	case LogicalTypeId::DATE:
	case LogicalTypeId::TIMESTAMP:
	case LogicalTypeId::TIMESTAMP_TZ:
	case LogicalTypeId::TIMESTAMP_SEC:
	case LogicalTypeId::TIMESTAMP_MS:
	case LogicalTypeId::TIMESTAMP_NS:
		return SnapshotAt(version);
	default:
		return version.ToString();
	}
}

std::shared_ptr<CatalogSnapshot> ODCatalog::GetSnapshot(QueryCounters *counted) {
	std::lock_guard<std::mutex> guard(lock_);
	if (!snapshot_) {
		snapshot_ = Load(counted);
	}
	return snapshot_;
}

std::shared_ptr<CatalogSnapshot> ODCatalog::CachedSnapshot() {
	std::lock_guard<std::mutex> guard(lock_);
	return snapshot_;
}

std::pair<CommitPosition, uint32_t> ODCatalog::SplitTargets(QueryCounters &counted) {
	if (!client_->Config().read_only) {
		return {CommitPosition {}, 0};
	}
	// Asked with the cached version, the answer is small unless the catalog changed (or another
	// replica, whose version differs, answered); the statement's plan is checked against what
	// the worker describes either way, so a changed catalog is not installed here.
	auto cached = CachedSnapshot();
	counted.requests++;
	auto response = client_->GetCatalog("", cached ? cached->version : "");
	return {PositionFromWire(response.split_position()), response.split_replicas()};
}

std::shared_ptr<CatalogSnapshot> ODCatalog::CurrentSnapshot(const std::string &session_id, QueryCounters *counted) {
	std::shared_ptr<CatalogSnapshot> cached;
	{
		std::lock_guard<std::mutex> guard(lock_);
		cached = snapshot_;
	}
	if (!cached) {
		return session_id.empty() ? GetSnapshot(counted) : Load(counted, session_id);
	}
	auto fresh = Load(counted, session_id, cached->version);
	if (!fresh) {
		return cached;
	}
	if (session_id.empty()) {
		std::lock_guard<std::mutex> guard(lock_);
		snapshot_ = fresh;
		described_.clear();
	}
	return fresh;
}

bool ODCatalog::MacrosAppeared() {
	// Only when a lookup skipped this database: the error's own search for similar names may
	// have read the current catalog already.
	if (!functions_skipped_.exchange(false)) {
		return false;
	}
	return CurrentSnapshot("", nullptr)->has_macros;
}

std::shared_ptr<CatalogSnapshot> ODCatalog::Refresh(QueryCounters *counted) {
	auto fresh = Load(counted);
	std::lock_guard<std::mutex> guard(lock_);
	snapshot_ = fresh;
	described_.clear();
	return fresh;
}

std::shared_ptr<CatalogSnapshot> ODCatalog::RefreshFor(CatalogTransaction transaction) {
	if (!transaction.transaction) {
		return Refresh();
	}
	auto &od_transaction = transaction.transaction->Cast<ODTransaction>();
	auto session = od_transaction.CurrentSession();
	auto *counted = &od_transaction.Counters();
	auto fresh = session.empty() ? Refresh(counted) : Load(counted, session);
	od_transaction.Pin(fresh);
	return fresh;
}

void ODCatalog::Invalidate() {
	std::lock_guard<std::mutex> guard(lock_);
	snapshot_.reset();
	described_.clear();
}

void ODCatalog::Describe(ClientContext &context, const std::string &sql, vector<LogicalType> &types,
                         vector<std::string> &names, const std::string &shape) {
	auto options = OptionsWithoutNewSession(context);
	auto key = options.setup_sql + (shape.empty() ? sql : shape);
	options.describe_only = true;
	options.read_only = true; // describing runs nothing
	if (options.session_id.empty()) {
		std::lock_guard<std::mutex> guard(lock_);
		auto cached = described_.find(key);
		if (cached != described_.end()) {
			types = cached->second.types;
			names = cached->second.names;
			return;
		}
	}
	RemoteResult described(context, client_->Execute(sql, options));
	types = described.Types();
	names = described.Names();
	if (options.session_id.empty()) {
		std::lock_guard<std::mutex> guard(lock_);
		// Bounded: a workload of ever-new statement texts must not grow it without limit.
		if (described_.size() >= 1024) {
			described_.clear();
		}
		described_[key] = Described {types, names};
	}
}

std::shared_ptr<CatalogSnapshot> ODCatalog::RecheckFor(CatalogTransaction transaction) {
	auto &od_transaction = transaction.transaction->Cast<ODTransaction>();
	if (od_transaction.CurrentSession().empty()) {
		// At most one check per statement, however many names miss: binding with USE cloud looks
		// up schemas such as pg_catalog here, and each miss used to load the whole catalog again,
		// pinning a new snapshot (new entry oids) in the middle of the statement.
		return od_transaction.VerifiedSnapshot(*this);
	}
	return RefreshFor(transaction);
}

std::shared_ptr<CatalogSnapshot> ODCatalog::PinnedSnapshot(CatalogTransaction transaction) {
	if (transaction.transaction) {
		return transaction.transaction->Cast<ODTransaction>().Snapshot(*this);
	}
	return GetSnapshot();
}

std::string ODCatalog::GetDefaultSchema() const {
	// Read without a transaction: USE cloud asks for it before any lookup.
	auto &self = const_cast<ODCatalog &>(*this);
	std::lock_guard<std::mutex> guard(self.lock_);
	return snapshot_ ? snapshot_->default_schema : "main";
}

CatalogLookupBehavior ODCatalog::CatalogTypeLookupRule(CatalogType type) const {
	switch (type) {
	case CatalogType::TABLE_ENTRY:
	case CatalogType::VIEW_ENTRY:
	case CatalogType::INDEX_ENTRY:
	case CatalogType::TYPE_ENTRY: // user types; a miss never costs a round trip (LookupEntry)
	case CatalogType::SEQUENCE_ENTRY: // looked up by nextval/currval and DROP SEQUENCE only
		return CatalogLookupBehavior::STANDARD;
	case CatalogType::SCALAR_FUNCTION_ENTRY:
	case CatalogType::AGGREGATE_FUNCTION_ENTRY:
	case CatalogType::MACRO_ENTRY:
	case CatalogType::TABLE_FUNCTION_ENTRY:
	case CatalogType::TABLE_MACRO_ENTRY: {
		// Every function a statement calls is looked up along the search path, and a lookup here
		// starts a transaction on this database, whose catalog is then verified before a plan
		// runs (a round trip): only a database known to hold macros is searched. A macro
		// another host just created fails to bind once, which verifies the catalog and binds
		// again (catalog_recheck.hpp). (LOWER_PRIORITY would search it after the built-in
		// functions, but DuckDB 1.4.4 loses the entry's name on that path.)
		// Not yet read (or invalidated by DDL): searched, which reads it.
		auto &self = const_cast<ODCatalog &>(*this);
		std::lock_guard<std::mutex> guard(self.lock_);
		if (!snapshot_ || snapshot_->has_macros) {
			return CatalogLookupBehavior::STANDARD;
		}
		self.functions_skipped_ = true;
		return CatalogLookupBehavior::NEVER_LOOKUP;
	}
	default:
		// Other functions (collations, pragmas, copy functions): never stored here.
		return CatalogLookupBehavior::NEVER_LOOKUP;
	}
}

optional_ptr<SchemaCatalogEntry> ODCatalog::LookupSchema(CatalogTransaction transaction,
                                                         const EntryLookupInfo &schema_lookup,
                                                         OnEntryNotFound if_not_found) {
	auto &name = schema_lookup.GetEntryName();
	auto snapshot = PinnedSnapshot(transaction);
	auto entry = snapshot->schemas.find(name);
	if (entry == snapshot->schemas.end() && transaction.transaction) {
		// Someone may have created it since the cache was filled.
		snapshot = RecheckFor(transaction);
		entry = snapshot->schemas.find(name);
	}
	if (entry == snapshot->schemas.end()) {
		if (if_not_found == OnEntryNotFound::THROW_EXCEPTION) {
			throw CatalogException("Schema \"%s\" does not exist in OpenDuck database \"%s\"", name, GetName());
		}
		return nullptr;
	}
	return entry->second.get();
}

optional_ptr<CatalogEntry> ODCatalog::LookupInSchema(CatalogTransaction transaction, const std::string &schema,
                                                     CatalogType type, const std::string &name) {
	for (int attempt = 0; attempt < 2; attempt++) {
		auto snapshot = attempt == 0 ? PinnedSnapshot(transaction) : RecheckFor(transaction);
		auto entry = snapshot->schemas.find(schema);
		if (entry != snapshot->schemas.end()) {
			auto found = entry->second->FindEntry(type, name);
			if (found) {
				return found;
			}
		}
	}
	return nullptr;
}

void ODCatalog::ScanSchemas(ClientContext &context, std::function<void(SchemaCatalogEntry &)> callback) {
	// A listing (SHOW TABLES, duckdb_tables()) shows what exists now, not what the cache holds.
	auto snapshot = Transaction::Get(context, *this).Cast<ODTransaction>().VerifiedSnapshot(*this);
	for (auto &schema : snapshot->schemas) {
		callback(*schema.second);
	}
}

// What every statement sends besides its session: the host session's settings, the wire
// compression, the statement it belongs to.
static ExecuteOptions OptionsIn(ClientContext &context, std::string session_id) {
	ExecuteOptions options;
	options.session_id = std::move(session_id);
	options.setup_sql = SessionSettingsSQL(context);
	options.compression = CompressionSetting(context);
	options.query_id = QueryStats::Get(context).QueryId();
	return options;
}

ExecuteOptions ODCatalog::OptionsFor(ClientContext &context, bool shares_snapshot) {
	auto &transaction = Transaction::Get(context, *this).Cast<ODTransaction>();
	return OptionsIn(context, transaction.SessionFor(context, *this, shares_snapshot));
}

ExecuteOptions ODCatalog::OptionsForRead(ClientContext &context, bool shares_snapshot) {
	auto &transaction = Transaction::Get(context, *this).Cast<ODTransaction>();
	if (!shares_snapshot) {
		auto session = transaction.TakeStatisticsSession();
		if (!session.empty()) {
			auto options = OptionsIn(context, std::move(session));
			options.session_action = v1::SESSION_ACTION_FINAL_READ;
			return options;
		}
	}
	return OptionsIn(context, transaction.SessionFor(context, *this, shares_snapshot));
}

ExecuteOptions ODCatalog::OptionsWithoutNewSession(ClientContext &context) {
	return OptionsIn(context, Transaction::Get(context, *this).Cast<ODTransaction>().CurrentSession());
}

// Runs `sql` on the worker and drains its result.
static void RunToCompletion(ClientContext &context, std::unique_ptr<RemoteQuery> query) {
	RemoteResult result(context, std::move(query));
	DataChunk chunk;
	chunk.Initialize(context, result.Types());
	while (result.Next(chunk)) {
	}
}

void ODCatalog::Checkpoint(ClientContext &context, bool force) {
	RunToCompletion(context, client_->Execute(force ? "FORCE CHECKPOINT" : "CHECKPOINT", OptionsFor(context)));
}

void ODCatalog::ExecuteDDL(ClientContext &context, const std::string &sql) {
	RunToCompletion(context, client_->Execute(sql, OptionsFor(context)));
	Invalidate();
	// This transaction must see its own DDL at once.
	RefreshFor(CatalogTransaction(*this, context));
}

optional_ptr<CatalogEntry> ODCatalog::CreateSchema(CatalogTransaction transaction, CreateSchemaInfo &info) {
	auto copy = info.Copy();
	copy->catalog.clear();
	ExecuteDDL(transaction.GetContext(), copy->ToString());
	EntryLookupInfo lookup(CatalogType::SCHEMA_ENTRY, info.schema);
	auto schema = LookupSchema(transaction, lookup, OnEntryNotFound::RETURN_NULL);
	return schema ? optional_ptr<CatalogEntry>(schema.get()) : nullptr;
}

void ODCatalog::DropSchema(ClientContext &context, DropInfo &info) {
	auto copy = info.Copy();
	copy->catalog.clear();
	ExecuteDDL(context, copy->ToString());
}

PhysicalOperator &ODCatalog::PlanCreateTableAs(ClientContext &context, PhysicalPlanGenerator &planner,
                                               LogicalCreateTable &op, PhysicalOperator &plan) {
	auto &insert = planner.Make<RemoteInsert>(op.types, *this, op.schema, std::move(op.info), op.estimated_cardinality);
	insert.children.push_back(plan);
	return insert;
}

unique_ptr<LogicalOperator> ODCatalog::BindCreateIndex(Binder &binder, CreateStatement &stmt, TableCatalogEntry &table,
                                                       unique_ptr<LogicalOperator> plan) {
	return BindRemoteCreateIndex(unique_ptr_cast<CreateInfo, CreateIndexInfo>(std::move(stmt.info)), table);
}

unique_ptr<LogicalOperator> ODCatalog::BindAlterAddIndex(Binder &binder, TableCatalogEntry &table,
                                                         unique_ptr<LogicalOperator> plan,
                                                         unique_ptr<CreateIndexInfo> create_info,
                                                         unique_ptr<AlterTableInfo> alter_info) {
	if (alter_info->alter_table_type != AlterTableType::ADD_CONSTRAINT) {
		throw InternalException("OpenDuck: BindAlterAddIndex for ALTER TABLE type %d",
		                        static_cast<int>(alter_info->alter_table_type));
	}
	return BindRemoteAddKey(alter_info->Cast<AddConstraintInfo>(), table);
}

PhysicalOperator &ODCatalog::PlanInsert(ClientContext &context, PhysicalPlanGenerator &planner, LogicalInsert &op,
                                        optional_ptr<PhysicalOperator> plan) {
	ConflictSQL conflict;
	if (op.on_conflict_info.action_type != OnConflictAction::THROW) {
		// Only the host-rows upsert plan (statement_pushdown.cpp) sets an action; the clause
		// itself is taken from the statement text, the one source that quotes it faithfully.
		auto statement = ParseRunningStatement(context);
		if (!statement || statement->type != StatementType::INSERT_STATEMENT ||
		    !statement->Cast<InsertStatement>().on_conflict_info) {
			throw InternalException("OpenDuck: INSERT with a conflict action but no ON CONFLICT in the statement text");
		}
		conflict = RenderConflict(statement->Cast<InsertStatement>());
	}
	if (!plan) {
		throw InternalException("OpenDuck INSERT without an input plan");
	}
	// The input chunk holds the listed columns; column_index_map says which table column each is.
	vector<std::string> columns;
	auto &table_columns = op.table.GetColumns();
	if (op.column_index_map.empty()) {
		for (auto &column : table_columns.Physical()) {
			columns.push_back(column.Name());
		}
	} else {
		vector<std::pair<idx_t, std::string>> mapped;
		for (auto &column : table_columns.Physical()) {
			auto index = op.column_index_map[column.Physical()];
			if (index != DConstants::INVALID_INDEX) {
				mapped.emplace_back(index, column.Name());
			}
		}
		std::sort(mapped.begin(), mapped.end());
		for (auto &entry : mapped) {
			columns.push_back(entry.second);
		}
	}
	auto &insert = planner.Make<RemoteInsert>(op.types, *this, op.table, std::move(columns), op.return_chunk,
	                                          op.estimated_cardinality, std::move(conflict));
	insert.children.push_back(*plan);
	return insert;
}

PhysicalOperator &ODCatalog::PlanMergeInto(ClientContext &context, PhysicalPlanGenerator &planner,
                                           LogicalMergeInto &op, PhysicalOperator &plan) {
	// Upserts are shipped whole or planned as an INSERT on the worker (statement_pushdown.cpp);
	// what is left (MERGE INTO, or an upsert with host rows in a prepared statement with
	// parameters) would join the remote table on the host and apply row by row.
	auto table = QuoteIdentifier(GetName()) + "." + QuoteIdentifier(op.table.schema.name) + "." +
	             QuoteIdentifier(op.table.name);
	throw NotImplementedException(
	    "MERGE INTO or INSERT ... ON CONFLICT into remote table %s with rows from this host is not supported "
	    "(a prepared statement with parameters, or MERGE INTO); stage the rows first: CREATE TABLE %s.stage AS "
	    "SELECT ...; INSERT INTO %s SELECT * FROM %s.stage ON CONFLICT ...",
	    table, QuoteIdentifier(GetName()), table, QuoteIdentifier(GetName()));
}

PhysicalOperator &ODCatalog::PlanDelete(ClientContext &context, PhysicalPlanGenerator &planner, LogicalDelete &op,
                                        PhysicalOperator &plan) {
	auto &row_id = op.expressions[0]->Cast<BoundReferenceExpression>();
	auto &modify = planner.Make<RemoteModify>(op.types, *this, op.table, vector<RemoteModify::SetColumn>(),
	                                          row_id.index, op.return_chunk, op.estimated_cardinality);
	modify.children.push_back(plan);
	return modify;
}

PhysicalOperator &ODCatalog::PlanUpdate(ClientContext &context, PhysicalPlanGenerator &planner, LogicalUpdate &op,
                                        PhysicalOperator &plan) {
	vector<RemoteModify::SetColumn> set;
	for (idx_t i = 0; i < op.columns.size(); i++) {
		auto &column = op.table.GetColumns().GetColumn(op.columns[i]);
		auto &expression = *op.expressions[i];
		if (expression.GetExpressionType() == ExpressionType::VALUE_DEFAULT) {
			set.push_back({column.Name(), DConstants::INVALID_INDEX});
		} else if (expression.GetExpressionType() == ExpressionType::BOUND_REF) {
			set.push_back({column.Name(), expression.Cast<BoundReferenceExpression>().index});
		} else {
			throw InternalException("OpenDuck UPDATE: unexpected SET expression %s", expression.ToString());
		}
	}
	// The row id is the last column of the input.
	auto row_id_index = plan.GetTypes().size() - 1;
	auto &modify = planner.Make<RemoteModify>(op.types, *this, op.table, std::move(set), row_id_index,
	                                          op.return_chunk, op.estimated_cardinality);
	modify.children.push_back(plan);
	return modify;
}

DatabaseSize ODCatalog::GetDatabaseSize(ClientContext &context) {
	// The worker owns the storage: its database file's block counts are the sizes.
	RemoteResult result(context, client_->Execute("SELECT block_size, total_blocks, used_blocks, free_blocks FROM "
	                                              "pragma_database_size() WHERE database_name = current_database()",
	                                              OptionsFor(context)));
	DataChunk chunk;
	chunk.Initialize(context, result.Types());
	DatabaseSize size;
	if (result.Next(chunk) && chunk.size() > 0) {
		size.block_size = chunk.GetValue(0, 0).GetValue<idx_t>();
		size.total_blocks = chunk.GetValue(1, 0).GetValue<idx_t>();
		size.used_blocks = chunk.GetValue(2, 0).GetValue<idx_t>();
		size.free_blocks = chunk.GetValue(3, 0).GetValue<idx_t>();
		size.bytes = size.total_blocks * size.block_size;
	}
	while (result.Next(chunk)) {
	}
	return size;
}

std::string ODCatalog::RemoteLocation() {
	auto &config = client_->Config();
	return "REMOTE (" + config.database + "@" + config.endpoint.ToString() + ")";
}

std::string ODCatalog::GetDBPath() {
	auto &config = client_->Config();
	return "openduck:" + config.database + "@" + config.endpoint.ToString();
}

} // namespace openduck
