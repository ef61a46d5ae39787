// The object store as a local directory: object `key` is the file <root>/<key>. Puts write a
// temporary file, fsync it and rename it into place (then fsync the directory), so objects
// appear atomically and survive power loss.
//
// Thread-safe (no shared mutable state beyond the file system).
#pragma once

#include "storage/object_store.hpp"

namespace openduck {

class LocalObjectStore : public ObjectStore {
public:
	// Creates `root` when missing.
	explicit LocalObjectStore(const std::string &root);

	void Put(const std::string &key, const std::string &source_path) override;
	std::string GetRange(const std::string &key, uint64_t offset, uint64_t length) override;
	void Delete(const std::string &key) override;
	std::vector<ObjectInfo> List(const std::string &prefix) override;
	std::string Describe() const override {
		return "file://" + root_;
	}

private:
	std::string PathOf(const std::string &key) const;

	std::string root_;
};

} // namespace openduck
