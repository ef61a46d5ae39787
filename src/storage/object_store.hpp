// Where sealed layer objects live: a flat key space of immutable objects. Implementations:
// LocalObjectStore (file:///dir, the embedded default) and S3ObjectStore (s3://bucket/prefix).
//
// Implementations are thread-safe. Errors throw std::runtime_error naming the store and key.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace openduck {

struct ObjectInfo {
	std::string key;
	uint64_t size;
	int64_t modified_unix; // seconds since the epoch; INT64_MAX when the store gave no readable time
};

class ObjectStore {
public:
	virtual ~ObjectStore() = default;

	// Stores the contents of the local file `source_path` under `key`, atomically: readers see
	// the whole object or none. Durable when it returns if `source_path` was synced. The store
	// may take the file's data without copying it (a hard link on a local store), so the caller
	// must not write to that file afterwards; unlinking it is fine.
	virtual void Put(const std::string &key, const std::string &source_path) = 0;
	// `length` bytes at `offset` of object `key` (a range read, never the whole object unless
	// asked). Throws when the object is missing or shorter.
	virtual std::string GetRange(const std::string &key, uint64_t offset, uint64_t length) = 0;
	// Removes `key`; removing a missing key is not an error.
	virtual void Delete(const std::string &key) = 0;
	// Every object whose key starts with `prefix`.
	virtual std::vector<ObjectInfo> List(const std::string &prefix) = 0;
	// For messages, e.g. "file:///var/lib/openduck/store".
	virtual std::string Describe() const = 0;
};

// 16 random hex digits: keeps the object keys of two writers (or two attempts) apart.
std::string RandomKeySuffix();

// Opens the store named by `url`: file:///absolute/dir or s3://bucket[/prefix] (credentials,
// region and endpoint from AWS_* variables). Throws std::runtime_error for other schemes.
std::unique_ptr<ObjectStore> OpenObjectStore(const std::string &url);

} // namespace openduck
