// How requests name a snapshot of a database (ExecuteFragmentRequest.snapshot_id, ATTACH
// ?snapshot=, FROM t AT (...), CREATE DATABASE ... FROM y AT (...)): all digits is its id,
// "@<unix microseconds>" the newest snapshot taken at or before that time, anything else its
// name (so a snapshot name is never digits only). Resolved by StorageEngine::RequireSnapshot.
#pragma once

#include <cstdint>
#include <string>

namespace openduck {

constexpr char kSnapshotTimePrefix = '@';

inline bool IsSnapshotId(const std::string &reference) {
	return !reference.empty() && reference.find_first_not_of("0123456789") == std::string::npos;
}

inline bool IsSnapshotTime(const std::string &reference) {
	return !reference.empty() && reference[0] == kSnapshotTimePrefix;
}

// The reference to the newest snapshot taken at or before `unix_micros`.
inline std::string SnapshotAtTime(int64_t unix_micros) {
	return kSnapshotTimePrefix + std::to_string(unix_micros);
}

} // namespace openduck
