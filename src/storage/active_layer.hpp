// The mutable top layer of a writable database file: an append-only local log of the writes
// since the last sealed snapshot, plus the in-memory map of where each byte's newest version is
// in the log. It is as durable as DuckDB's WAL: Sync() fdatasyncs the log, and DuckDB syncs the
// database file before its WAL references blocks written there.
//
// Log layout: a 32-byte file header ("ODACTIV1", base snapshot id u64, 16 zero bytes), then
// records: 32-byte header (magic u32, kind u32, offset u64, length u64, data crc u32,
// header crc u32) + `length` data bytes for writes. Recovery keeps the longest valid prefix, so
// a write torn by a crash is simply absent (as with a local file write that was never synced).
//
// The base snapshot id says which snapshot the log continues: when the head has moved past it
// (the log was sealed, then the process died before starting a fresh log), the log is stale
// and discarded.
//
// Not thread-safe: LayeredFile serialises writers and excludes them from readers.
#pragma once

#include "storage/extent_map.hpp"
#include "storage/posix_file.hpp"

#include <cstdint>
#include <string>

namespace openduck {

class ActiveLayer {
public:
	// Opens the log at `path`. A log continuing `base_snapshot` is replayed; a missing or
	// stale one is replaced by an empty log. `file_size` is the base snapshot's size and is
	// updated by replayed writes and truncations.
	ActiveLayer(const std::string &path, int64_t base_snapshot, uint64_t &file_size);

	void Write(uint64_t offset, const void *data, uint64_t length);
	void Truncate(uint64_t size);
	void Sync();
	// Reads `length` bytes at log offset `log_offset` (an ExtentLocation from Map(), or any
	// range below End()).
	void Read(uint64_t log_offset, void *out, uint64_t length) const;
	// Where the newest version of each written byte is (source = kActiveSource).
	const ExtentMap &Map() const {
		return map_;
	}
	// The append position: the log's valid length.
	uint64_t End() const {
		return end_;
	}
	bool Empty() const {
		return map_.Empty() && truncated_to_ == UINT64_MAX;
	}
	// The smallest size the file was truncated to since the base snapshot, or UINT64_MAX.
	uint64_t TruncatedTo() const {
		return truncated_to_;
	}
	// Durably replaces the log by an empty one continuing `base_snapshot`.
	void Reset(int64_t base_snapshot);

private:
	void Replay(uint64_t &file_size);
	void CreateEmpty(int64_t base_snapshot);

	std::string path_;
	PosixFile log_;
	uint64_t end_ = 0; // append position
	ExtentMap map_;
	uint64_t truncated_to_ = UINT64_MAX;
};

} // namespace openduck
