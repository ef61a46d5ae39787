#include "storage/local_object_store.hpp"

#include "storage/posix_file.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace openduck {

namespace fs = std::filesystem;

LocalObjectStore::LocalObjectStore(const std::string &root) {
	std::error_code error;
	fs::create_directories(root, error);
	if (error) {
		throw std::runtime_error("object store: cannot create directory '" + root + "': " + error.message());
	}
	root_ = fs::absolute(root).lexically_normal().string();
	if (root_.size() > 1 && root_.back() == '/') {
		root_.pop_back();
	}
}

std::string LocalObjectStore::PathOf(const std::string &key) const {
	if (key.empty() || key.front() == '/' || key.find("..") != std::string::npos) {
		throw std::runtime_error("object store " + Describe() + ": invalid key '" + key + "'");
	}
	return root_ + "/" + key;
}

void LocalObjectStore::Put(const std::string &key, const std::string &source_path) {
	auto path = PathOf(key);
	auto dir = fs::path(path).parent_path();
	std::error_code error;
	fs::create_directories(dir, error);
	if (error) {
		throw std::runtime_error("object store " + Describe() + ": cannot create '" + dir.string() +
		                         "': " + error.message());
	}
	auto temp = path + ".put-" + std::to_string(::getpid()) + "-" +
	            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
	try {
		// Same file system: link the (already synced) file instead of copying it, which took
		// most of a large checkpoint's time. Elsewhere (EXDEV, no hard links): copy.
		if (::link(source_path.c_str(), temp.c_str()) != 0) {
			CopyFileDurably(source_path, temp);
		}
		RenameDurably(temp, path);
	} catch (std::exception &ex) {
		::unlink(temp.c_str());
		throw std::runtime_error("object store " + Describe() + ": cannot put '" + key + "': " + ex.what());
	}
}

std::string LocalObjectStore::GetRange(const std::string &key, uint64_t offset, uint64_t length) {
	auto path = PathOf(key);
	PosixFile file;
	try {
		file = PosixFile::Open(path, O_RDONLY);
		std::string out(length, '\0');
		file.ReadExactly(&out[0], length, offset);
		return out;
	} catch (std::exception &ex) {
		throw std::runtime_error("object store " + Describe() + ": cannot read " + std::to_string(length) +
		                         " bytes at " + std::to_string(offset) + " of '" + key + "': " + ex.what());
	}
}

void LocalObjectStore::Delete(const std::string &key) {
	auto path = PathOf(key);
	if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
		throw std::runtime_error("object store " + Describe() + ": cannot delete '" + key + "': " + strerror(errno));
	}
}

std::vector<ObjectInfo> LocalObjectStore::List(const std::string &prefix) {
	std::vector<ObjectInfo> objects;
	std::error_code error;
	fs::recursive_directory_iterator it(root_, error), end;
	for (; !error && it != end; it.increment(error)) {
		if (!it->is_regular_file()) {
			continue;
		}
		auto key = it->path().lexically_relative(root_).string();
		if (key.compare(0, prefix.size(), prefix) != 0 || key.find(".put-") != std::string::npos) {
			continue;
		}
		struct stat st;
		if (::stat(it->path().c_str(), &st) != 0) {
			continue; // deleted while listing
		}
		objects.push_back(ObjectInfo {key, uint64_t(st.st_size), int64_t(st.st_mtime)});
	}
	if (error) {
		throw std::runtime_error("object store " + Describe() + ": cannot list: " + error.message());
	}
	return objects;
}

} // namespace openduck
