// One-line reports of the admin operations on databases and snapshots. `openduck db|snapshot`
// prints them and the SQL functions (openduck_clone_database ...) return them, so both say the
// same thing. Pure functions, thread-safe.
#pragma once

#include "storage/metadata_store.hpp"

#include <cstdint>
#include <string>

namespace openduck {

// "12.5 MiB", "512 B".
std::string FormatBytes(uint64_t bytes);
// "2024-05-01 12:00:00Z"; "-" for 0.
std::string FormatTime(int64_t unix_seconds);

// "created database 'x' (id 3)"
std::string CreatedReport(const DatabaseRecord &db);
// "cloned 'a' into 'b' at snapshot 7 (3 layers shared, 12.5 MiB, nothing copied)"; `head` is
// the clone's first snapshot (its parent is the source snapshot).
std::string ClonedReport(const std::string &source, const std::string &target, const SnapshotRecord &head);
// "snapshot 7 of 'a' (taken ...) is now named 'v1'"
std::string NamedReport(const std::string &database, const SnapshotRecord &snapshot);

} // namespace openduck
