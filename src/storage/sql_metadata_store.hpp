// The MetadataStore logic written once in portable SQL over a SqlConnection (SQLite or
// PostgreSQL). A mutex serialises calls on the one connection; mutations run inside
// BeginExclusive transactions, so concurrent processes sharing the store stay consistent.
#pragma once

#include "storage/metadata_store.hpp"
#include "storage/sql_connection.hpp"

#include <mutex>

namespace openduck {

class SqlMetadataStore : public MetadataStore {
public:
	// Creates the schema when missing.
	explicit SqlMetadataStore(std::unique_ptr<SqlConnection> connection);

	DatabaseRecord CreateDatabase(const std::string &name, const LeaseRequest *lease, DatabaseKind kind) override;
	std::optional<DatabaseRecord> FindDatabase(const std::string &name) override;
	std::optional<DatabaseRecord> GetDatabase(int64_t id) override;
	std::vector<DatabaseRecord> ListDatabases(bool include_dropped) override;
	DatabaseRecord DropDatabase(const std::string &name) override;
	DatabaseRecord UndropDatabase(const std::string &name) override;
	void SetDatabasePolicy(int64_t db_id, const DatabasePolicy &policy) override;
	std::map<std::string, DatabasePolicy> DatabasePolicies() override;
	int64_t AcquireLease(int64_t db_id, const std::string &holder, int64_t ttl_seconds, bool ships_commits) override;
	void ReleaseLease(int64_t db_id, int64_t generation) override;
	std::optional<LeaseState> Lease(int64_t db_id) override;
	bool RenewLease(int64_t db_id, int64_t generation, int64_t ttl_seconds) override;
	SnapshotRecord CommitSnapshot(int64_t db_id, int64_t generation, int64_t parent_id, LayerRecord &layer,
	                              uint64_t file_size, int64_t replaces) override;
	void AppendCommitSegment(int64_t db_id, int64_t generation, const CommitSegment &segment) override;
	std::vector<CommitSegment> CommitSegments(int64_t db_id, int64_t base_snapshot) override;
	CommitPosition LatestPosition(int64_t db_id) override;
	std::vector<SnapshotRecord> ListSnapshots(int64_t db_id) override;
	std::optional<SnapshotRecord> GetSnapshot(int64_t snapshot_id) override;
	std::optional<SnapshotRecord> FindSnapshot(int64_t db_id, const std::string &name_or_id) override;
	std::vector<LayerRecord> SnapshotLayers(int64_t snapshot_id) override;
	SnapshotRecord NameSnapshot(int64_t snapshot_id, const std::string &name) override;
	DatabaseRecord CloneDatabase(const SnapshotRecord &source, const std::string &name,
	                             const LeaseRequest *lease) override;
	int64_t PinSnapshot(int64_t snapshot_id, const std::string &holder, int64_t ttl_seconds) override;
	void RenewPin(int64_t pin_id, int64_t ttl_seconds) override;
	void Unpin(int64_t pin_id) override;
	GcPlan PlanGarbageCollection(int64_t now, const RetentionPolicy &retention, bool dry_run) override;
	void ForgetLayers(const std::vector<int64_t> &layer_ids) override;
	std::vector<std::string> AllObjectKeys() override;
	std::string Describe() const override {
		return connection_->Describe();
	}

private:
	// Runs `body` in an exclusive transaction, rolling back when it throws.
	template <class T, class F>
	T InTransaction(F body);
	// The metadata store's clock (Unix seconds), for lease and pin expiry.
	int64_t StoreNow();
	std::vector<SnapshotRecord> SelectSnapshots(const std::string &where, const std::vector<std::string> &params);
	std::vector<DatabaseRecord> SelectDatabases(const std::string &where, const std::vector<std::string> &params);
	// REQUIRES: in a transaction. LeaseError unless `generation` is db_id's current lease.
	void CheckGeneration(int64_t db_id, int64_t generation, const std::string &what);
	// REQUIRES: in a transaction. Inserts the database row and, with `lease`, its first lease.
	DatabaseRecord InsertDatabase(const std::string &name, const LeaseRequest *lease,
	                              DatabaseKind kind = DatabaseKind::kNative);

	std::mutex mutex_;
	std::unique_ptr<SqlConnection> connection_;
};

// Unix time in seconds.
int64_t UnixNow();

} // namespace openduck
