// The Catalog of an attached OpenDuck database: a cached copy of the remote catalog.
//
// The cache is an immutable CatalogSnapshot. A refresh builds a new snapshot instead of
// changing the old one, because DuckDB holds raw references to entries for a whole statement;
// every transaction pins the snapshots it handed out (ODTransaction), so entries outlive any
// refresh that happens meanwhile. Thread-safe.
#pragma once

#include "duckdb/catalog/catalog.hpp"
#include "duckdb/common/case_insensitive_map.hpp"
#include "extension/client/remote_client.hpp"

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace duckdb {
class BoundAtClause;
} // namespace duckdb

namespace openduck {

class ODSchemaEntry;
struct QueryCounters;

struct CatalogSnapshot {
	duckdb::case_insensitive_map_t<duckdb::unique_ptr<ODSchemaEntry>> schemas;
	std::string default_schema = "main";
	// The worker's catalog version this copy was read at (GetCatalogResponse.version).
	std::string version;
	// The id of the past snapshot this copy lists (ODCatalog::PastSnapshot); "" for the
	// attachment's own state.
	std::string past_snapshot;
	// Some schema holds a macro (ODCatalog::CatalogTypeLookupRule).
	bool has_macros = false;
};

class ODCatalog : public duckdb::Catalog {
public:
	ODCatalog(duckdb::AttachedDatabase &db, std::shared_ptr<RemoteClient> client);
	~ODCatalog() override;

	// The attached OpenDuck database called `name`, or nullptr when `name` is not attached or
	// is another kind of database.
	static duckdb::optional_ptr<ODCatalog> Find(duckdb::ClientContext &context, const std::string &name);
	// Find, else a BinderException in the words of `who` (a function's name) saying how to attach one.
	static ODCatalog &Require(duckdb::ClientContext &context, const std::string &name, const std::string &who);

	RemoteClient &Client() {
		return *client_;
	}
	const std::shared_ptr<RemoteClient> &ClientPtr() const {
		return client_;
	}

	// The current snapshot, loading it if the cache is empty or was invalidated (a round trip,
	// counted in `counted` when a statement asked).
	std::shared_ptr<CatalogSnapshot> GetSnapshot(QueryCounters *counted = nullptr);
	// The cached snapshot as it is, nullptr if none (never a round trip).
	std::shared_ptr<CatalogSnapshot> CachedSnapshot();
	// The snapshot a new transaction starts with: the cached one after one round trip confirmed
	// that the worker's catalog has not changed since (another host's DDL), else a fresh one.
	// Inside `session_id`, the catalog as the session sees it. `counted`: the running
	// statement's counters, which count the round trip (openduck_last_query_stats).
	std::shared_ptr<CatalogSnapshot> CurrentSnapshot(const std::string &session_id, QueryCounters *counted);
	// The catalog of a past snapshot of the database (FROM t AT (...)): `snapshot` is an id, a
	// name or "@<unix microseconds>" (the newest snapshot at or before then, resolved by the
	// worker). Its relations read that snapshot. Kept per snapshot id, and alive for the current
	// transaction. Throws when the database has no such snapshot (naming the oldest time for a
	// time before its history).
	std::shared_ptr<CatalogSnapshot> PastSnapshot(duckdb::ClientContext &context, const std::string &snapshot);
	// What PastSnapshot takes for an AT clause: VERSION => id or name, TIMESTAMP => a time.
	static std::string SnapshotOf(const duckdb::BoundAtClause &at);
	// The same for a version given as a value: a time when it is a DATE or TIMESTAMP of any kind,
	// else an id or a name. BinderException for NULL, naming `who`.
	static std::string SnapshotOf(const duckdb::Value &version, const std::string &who);
	bool SupportsTimeTravel() const override {
		return true;
	}
	// Loads a fresh snapshot now (e.g. after a lookup missed: someone else may have created it).
	std::shared_ptr<CatalogSnapshot> Refresh(QueryCounters *counted = nullptr);
	// After a function lookup skipped this database (its cached catalog held no macros): reads
	// the catalog again if it changed; true when the current one holds macros, so a statement
	// binding again searches it.
	bool MacrosAppeared();
	// Marks the cache stale; the next GetSnapshot reloads. Called after remote DDL may have run.
	void Invalidate();

	// Options that run a statement inside the current transaction's worker session, if it
	// needs one (see ODTransaction::SessionFor); `shares_snapshot` for a read that must see the
	// snapshot of the statement's other reads (one_snapshot_per_statement.hpp).
	ExecuteOptions OptionsFor(duckdb::ClientContext &context, bool shares_snapshot = false);
	// OptionsFor a read (openduck_scan, openduck_query): the statement's only read of this
	// database takes over the session its statistics were read in, if any, as its final read
	// (ODTransaction::TakeStatisticsSession).
	ExecuteOptions OptionsForRead(duckdb::ClientContext &context, bool shares_snapshot);
	// Options for a statement that needs no session of its own: the transaction's session if
	// one is open, else none (the worker runs the statement in a transaction of its own).
	ExecuteOptions OptionsWithoutNewSession(duckdb::ClientContext &context);

	// The result columns of `sql` as the worker would return them (describe_only), in the
	// transaction's session if it has one (describing never opens one). Outside a session,
	// answers are cached by `shape` (statement_shape.hpp), else by the text, until the catalog
	// cache is invalidated, so a repeated statement costs one round trip, not two.
	void Describe(duckdb::ClientContext &context, const std::string &sql, duckdb::vector<duckdb::LogicalType> &types,
	              duckdb::vector<std::string> &names, const std::string &shape = "");

	// Where one large read may be split (a READ_ONLY attachment through a gateway with read
	// replicas): the position that most replicas share and how many do; 0 replicas when the
	// read cannot be split. One round trip, counted in `counted`.
	std::pair<CommitPosition, uint32_t> SplitTargets(QueryCounters &counted);

	// Runs CHECKPOINT (FORCE CHECKPOINT when `force`) on the worker: the host stores nothing,
	// so checkpointing the attached database means checkpointing the remote one.
	void Checkpoint(duckdb::ClientContext &context, bool force);

	// Runs one statement on the worker to completion (DDL made through ATTACH) and refreshes
	// the cached catalog.
	void ExecuteDDL(duckdb::ClientContext &context, const std::string &sql);

	// Finds a table, view (TABLE_ENTRY / VIEW_ENTRY) or index (INDEX_ENTRY) in the snapshot the
	// current transaction pinned, refreshing once on a miss.
	duckdb::optional_ptr<duckdb::CatalogEntry> LookupInSchema(duckdb::CatalogTransaction transaction,
	                                                          const std::string &schema, duckdb::CatalogType type,
	                                                          const std::string &name);

	void Initialize(bool load_builtin) override;
	std::string GetCatalogType() override {
		return "openduck";
	}
	std::string GetDefaultSchema() const override;
	duckdb::CatalogLookupBehavior CatalogTypeLookupRule(duckdb::CatalogType type) const override;

	duckdb::optional_ptr<duckdb::CatalogEntry> CreateSchema(duckdb::CatalogTransaction transaction,
	                                                        duckdb::CreateSchemaInfo &info) override;
	duckdb::optional_ptr<duckdb::SchemaCatalogEntry> LookupSchema(duckdb::CatalogTransaction transaction,
	                                                              const duckdb::EntryLookupInfo &schema_lookup,
	                                                              duckdb::OnEntryNotFound if_not_found) override;
	void ScanSchemas(duckdb::ClientContext &context,
	                 std::function<void(duckdb::SchemaCatalogEntry &)> callback) override;

	duckdb::PhysicalOperator &PlanCreateTableAs(duckdb::ClientContext &context, duckdb::PhysicalPlanGenerator &planner,
	                                            duckdb::LogicalCreateTable &op, duckdb::PhysicalOperator &plan) override;
	// CREATE INDEX and ALTER TABLE ... ADD PRIMARY KEY / UNIQUE run on the worker (remote_ddl.hpp).
	duckdb::unique_ptr<duckdb::LogicalOperator> BindCreateIndex(duckdb::Binder &binder, duckdb::CreateStatement &stmt,
	                                                            duckdb::TableCatalogEntry &table,
	                                                            duckdb::unique_ptr<duckdb::LogicalOperator> plan) override;
	duckdb::unique_ptr<duckdb::LogicalOperator>
	BindAlterAddIndex(duckdb::Binder &binder, duckdb::TableCatalogEntry &table,
	                  duckdb::unique_ptr<duckdb::LogicalOperator> plan, duckdb::unique_ptr<duckdb::CreateIndexInfo> create_info,
	                  duckdb::unique_ptr<duckdb::AlterTableInfo> alter_info) override;
	duckdb::PhysicalOperator &PlanInsert(duckdb::ClientContext &context, duckdb::PhysicalPlanGenerator &planner,
	                                     duckdb::LogicalInsert &op,
	                                     duckdb::optional_ptr<duckdb::PhysicalOperator> plan) override;
	duckdb::PhysicalOperator &PlanMergeInto(duckdb::ClientContext &context, duckdb::PhysicalPlanGenerator &planner,
	                                        duckdb::LogicalMergeInto &op, duckdb::PhysicalOperator &plan) override;
	duckdb::PhysicalOperator &PlanDelete(duckdb::ClientContext &context, duckdb::PhysicalPlanGenerator &planner,
	                                     duckdb::LogicalDelete &op, duckdb::PhysicalOperator &plan) override;
	duckdb::PhysicalOperator &PlanUpdate(duckdb::ClientContext &context, duckdb::PhysicalPlanGenerator &planner,
	                                     duckdb::LogicalUpdate &op, duckdb::PhysicalOperator &plan) override;

	duckdb::DatabaseSize GetDatabaseSize(duckdb::ClientContext &context) override;
	bool InMemory() override {
		return false;
	}
	// Shown in duckdb_databases(); never contains the token.
	std::string GetDBPath() override;
	// "REMOTE (db@endpoint)": the Location that EXPLAIN shows for operators running there.
	std::string RemoteLocation();

private:
	void DropSchema(duckdb::ClientContext &context, duckdb::DropInfo &info) override;
	// The remote catalog; inside a session, as that session's transaction sees it.
	// nullptr when `known_version` is given and still current. `past`: a past snapshot's catalog
	// (PastSnapshot). One round trip, counted in `counted` when a statement asked for it.
	std::shared_ptr<CatalogSnapshot> Load(QueryCounters *counted, const std::string &session_id = "",
	                                      const std::string &known_version = "", const std::string &past = "");
	// A fresh snapshot for `transaction`: private to it when it has a session (its uncommitted
	// DDL must not leak to others), otherwise the new shared snapshot.
	std::shared_ptr<CatalogSnapshot> RefreshFor(duckdb::CatalogTransaction transaction);
	// After a lookup missed: outside a session, the transaction's snapshot confirmed current
	// (once per transaction: ODTransaction::VerifiedSnapshot); inside one, RefreshFor (its own
	// uncommitted DDL may have created the name).
	std::shared_ptr<CatalogSnapshot> RecheckFor(duckdb::CatalogTransaction transaction);
	std::shared_ptr<CatalogSnapshot> PinnedSnapshot(duckdb::CatalogTransaction transaction);

	std::shared_ptr<RemoteClient> client_;
	std::mutex lock_;
	std::shared_ptr<CatalogSnapshot> snapshot_;
	// CatalogTypeLookupRule left this database out of a function lookup (MacrosAppeared).
	std::atomic<bool> functions_skipped_ {false};
	struct Described {
		duckdb::vector<duckdb::LogicalType> types;
		duckdb::vector<std::string> names;
	};
	std::unordered_map<std::string, Described> described_;
	// PastSnapshot's catalogs by snapshot id; cleared when it reaches kPastSnapshotsKept.
	std::unordered_map<std::string, std::shared_ptr<CatalogSnapshot>> past_;
	// The snapshot id each name last resolved to, and under "@" the one the last time did.
	std::unordered_map<std::string, std::string> past_resolutions_;
	static constexpr size_t kPastSnapshotsKept = 16;
};

// Raised for statements that would write through ATTACH in a way not supported yet; they run on
// the worker with openduck_query.
[[noreturn]] void ThrowWritesUnsupported(const std::string &what, const std::string &catalog);

} // namespace openduck
