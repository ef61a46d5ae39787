// Commit shipping: every acknowledged commit of a writer is in shared storage, so another
// worker can take the database over when the writer dies and lose nothing.
//
// A writer's commits since its last snapshot live in two local files: the active layer's log
// (blocks DuckDB wrote before the commit) and DuckDB's WAL. At every WAL sync, i.e. at every
// DuckDB commit, Ship sends what both files gained since the previous shipment as one segment
// (inside its metadata row up to 256 KiB, else an object under kCommitSegmentPrefix) and records
// it with MetadataStore::AppendCommitSegment, fenced by the lease generation; only then does the sync return and DuckDB acknowledge the commit. So
// the shared copy is always a state a local crash could have left, and the next writer's Restore
// rebuilds both files from it before DuckDB opens the database: DuckDB's own recovery then
// replays the WAL exactly as after a crash on the same machine.
//
// A seal (checkpoint) moves the head; CommitSnapshot drops the old head's segments (the new
// snapshot holds their content) and shipping starts over for the new base (Rebase).
//
// Segment bytes: the log bytes, then the WAL bytes, then a 16-byte trailer ("ODSEG1\0\0",
// CRC-32C of the bytes before it, 4 zero bytes).
//
// Thread-safe: calls are serialised; LayeredFile holds its own lock around Ship so the log
// does not grow meanwhile.
#pragma once

#include "storage/active_layer.hpp"
#include "storage/metadata_store.hpp"
#include "storage/object_store.hpp"

#include <cstdint>
#include <mutex>
#include <string>

namespace openduck {

// Object keys of commit segments start with this (GC's orphan sweep lists it).
inline constexpr const char *kCommitSegmentPrefix = "commits/";

class CommitLog {
public:
	// Ships for database `db_id` (written under lease `generation`); `log_path` and `wal_path`
	// are the writer's active layer log and WAL; temporary files go in `local_dir`.
	CommitLog(MetadataStore &metadata, ObjectStore &store, int64_t db_id, std::string db_name, int64_t generation,
	          std::string local_dir, std::string log_path, std::string wal_path);

	// Replaces the local log and WAL by the shipped state continuing snapshot `base`: the
	// shared segments are the truth, a local tail beyond them was never acknowledged. Runs
	// before the ActiveLayer opens the log. Returns how many segments were applied.
	size_t Restore(int64_t base);
	// Starts shipping after snapshot `base`. `restored`: the local log and WAL are exactly the
	// shipped ones (Restore ran), so shipping continues at their ends, `log_end` being the
	// ActiveLayer's append position. Otherwise they hold state no segment has (written without
	// shipping, or a new writer's own): the first shipment then carries both files whole, from
	// offset 0, which on Restore replaces whatever older segments of `base` left.
	void Start(int64_t base, uint64_t log_end, bool restored);
	// Uploads and records what `active`'s log and the WAL gained since the last shipment.
	// Throws when the commit could not be shipped (LeaseError when this writer lost its lease):
	// DuckDB must then not acknowledge it.
	void Ship(const ActiveLayer &active);
	// The head moved to `base` (a seal) and the log restarted empty.
	void Rebase(int64_t base);
	// DuckDB removed its WAL (after a checkpoint, or a WAL found already checkpointed): the next
	// WAL starts at offset 0.
	void WalRemoved();
	// The base snapshot and how many segments of it are shipped.
	CommitPosition Position() const;

private:
	uint64_t WalSize() const;
	// Stores a segment too large to travel in its metadata row. Throws naming the store.
	void Upload(const std::string &key, const std::string &data);

	MetadataStore &metadata_;
	ObjectStore &store_;
	const int64_t db_id_;
	const std::string db_name_;
	const int64_t generation_;
	const std::string local_dir_;
	const std::string log_path_;
	const std::string wal_path_;

	mutable std::mutex lock_;
	int64_t base_ = 0;
	int64_t next_seq_ = 0;
	// A shipment's record may or may not have reached the metadata store (the connection failed
	// and the store could not be asked): the next shipment reads the sequence number anew.
	bool resync_ = false;
	uint64_t shipped_log_ = 0;
	uint64_t shipped_wal_ = 0;
};

} // namespace openduck
