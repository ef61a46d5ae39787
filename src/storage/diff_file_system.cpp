#include "storage/diff_file_system.hpp"

#include "duckdb/common/exception.hpp"
#include "duckdb/common/local_file_system.hpp"

#include <algorithm>
#include <cstring>

namespace openduck {

namespace {

struct LayeredFileHandle : public duckdb::FileHandle {
	LayeredFileHandle(duckdb::FileSystem &fs, const std::string &path, duckdb::FileOpenFlags flags,
	                  std::shared_ptr<LayeredFile> file)
	    : duckdb::FileHandle(fs, path, flags), file(std::move(file)) {
	}
	void Close() override {
	}

	std::shared_ptr<LayeredFile> file;
	uint64_t position = 0;
};

// DuckDB surfaces IOException text to the user; keep ours intact and name the file.
template <class F>
auto Guard(const std::string &path, F body) -> decltype(body()) {
	try {
		return body();
	} catch (duckdb::Exception &) {
		throw;
	} catch (std::exception &ex) {
		throw duckdb::IOException("%s: %s", path, ex.what());
	}
}

// The WAL's file system: local files, but a fenced writer (lost lease) can neither append nor
// fsync, so DuckDB acknowledges no commit after the loss.
class FencedWalFileSystem : public duckdb::LocalFileSystem {
public:
	explicit FencedWalFileSystem(std::shared_ptr<LayeredFile> file) : file_(std::move(file)) {
	}
	void Write(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes, duckdb::idx_t location) override {
		file_->CheckWritable();
		LocalFileSystem::Write(handle, buffer, nr_bytes, location);
	}
	int64_t Write(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes) override {
		file_->CheckWritable();
		return LocalFileSystem::Write(handle, buffer, nr_bytes);
	}
	void FileSync(duckdb::FileHandle &handle) override {
		file_->CheckWritable();
		LocalFileSystem::FileSync(handle);
		// A WAL sync is a commit: it is acknowledged only once it is shipped (commit_log.hpp).
		Guard(handle.path, [&] { file_->ShipCommits(); });
	}

private:
	std::shared_ptr<LayeredFile> file_;
};

} // namespace

DiffFileSystem::DiffFileSystem(std::string db_path, std::shared_ptr<LayeredFile> file, std::string wal_local_path)
    : db_path_(std::move(db_path)), file_(std::move(file)), wal_local_path_(std::move(wal_local_path)),
      local_(duckdb::make_uniq<FencedWalFileSystem>(file_)) {
}

bool DiffFileSystem::CanHandleFile(const std::string &path) {
	return path.rfind(kLayeredPathPrefix, 0) == 0;
}

void DiffFileSystem::CheckPath(const std::string &path) const {
	if (path != db_path_ && !IsWal(path)) {
		throw duckdb::IOException("'%s' is not served here: this DuckDB instance holds only '%s' (and its WAL)", path,
		                          db_path_);
	}
}

duckdb::unique_ptr<duckdb::FileHandle> DiffFileSystem::OpenFile(const std::string &path, duckdb::FileOpenFlags flags,
                                                                duckdb::optional_ptr<duckdb::FileOpener> opener) {
	CheckPath(path);
	if (IsWal(path)) {
		if (wal_local_path_.empty()) {
			if (flags.OpenForWriting()) {
				throw duckdb::IOException("%s is read-only: it cannot take writes", file_->Describe());
			}
			return nullptr; // a snapshot has no WAL to replay
		}
		// The WAL is an ordinary local file; its handle belongs to the local file system, but it
		// keeps the path DuckDB asked for: WAL replay reopens the WAL by its handle's path, and a
		// local path would take every later commit past this file system (no fencing, no shipping).
		auto handle = local_->OpenFile(wal_local_path_, flags, opener);
		if (handle) {
			handle->path = path;
		}
		return handle;
	}
	if (flags.OpenForWriting() && file_->ReadOnly()) {
		throw duckdb::IOException("%s is read-only (time travel opens snapshots read-only)", file_->Describe());
	}
	if (file_->Size() == 0 && !flags.CreateFileIfNotExists() && !flags.OverwriteExistingFile()) {
		if (flags.ReturnNullIfNotExists()) {
			return nullptr;
		}
		throw duckdb::IOException("%s has no data yet", file_->Describe());
	}
	return duckdb::make_uniq<LayeredFileHandle>(*this, path, flags, file_);
}

static LayeredFileHandle *AsLayered(duckdb::FileHandle &handle) {
	return dynamic_cast<LayeredFileHandle *>(&handle);
}

void DiffFileSystem::Read(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes, duckdb::idx_t location) {
	auto layered = AsLayered(handle);
	if (!layered) {
		return local_->Read(handle, buffer, nr_bytes, location);
	}
	Guard(handle.path, [&] { layered->file->Read(buffer, uint64_t(nr_bytes), location); });
}

void DiffFileSystem::Write(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes, duckdb::idx_t location) {
	auto layered = AsLayered(handle);
	if (!layered) {
		return local_->Write(handle, buffer, nr_bytes, location);
	}
	Guard(handle.path, [&] { layered->file->Write(buffer, uint64_t(nr_bytes), location); });
}

int64_t DiffFileSystem::Read(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes) {
	auto layered = AsLayered(handle);
	if (!layered) {
		return local_->Read(handle, buffer, nr_bytes);
	}
	return Guard(handle.path, [&] {
		uint64_t size = layered->file->Size();
		uint64_t n = layered->position >= size ? 0 : std::min<uint64_t>(uint64_t(nr_bytes), size - layered->position);
		layered->file->Read(buffer, n, layered->position);
		layered->position += n;
		return int64_t(n);
	});
}

int64_t DiffFileSystem::Write(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes) {
	auto layered = AsLayered(handle);
	if (!layered) {
		return local_->Write(handle, buffer, nr_bytes);
	}
	return Guard(handle.path, [&] {
		layered->file->Write(buffer, uint64_t(nr_bytes), layered->position);
		layered->position += uint64_t(nr_bytes);
		return nr_bytes;
	});
}

int64_t DiffFileSystem::GetFileSize(duckdb::FileHandle &handle) {
	auto layered = AsLayered(handle);
	return layered ? int64_t(layered->file->Size()) : local_->GetFileSize(handle);
}

void DiffFileSystem::FileSync(duckdb::FileHandle &handle) {
	auto layered = AsLayered(handle);
	if (!layered) {
		return local_->FileSync(handle);
	}
	Guard(handle.path, [&] { layered->file->Sync(); });
}

void DiffFileSystem::Truncate(duckdb::FileHandle &handle, int64_t new_size) {
	auto layered = AsLayered(handle);
	if (!layered) {
		return local_->Truncate(handle, new_size);
	}
	Guard(handle.path, [&] { layered->file->Truncate(uint64_t(new_size)); });
}

bool DiffFileSystem::FileExists(const std::string &filename, duckdb::optional_ptr<duckdb::FileOpener> opener) {
	CheckPath(filename);
	if (IsWal(filename)) {
		return !wal_local_path_.empty() && local_->FileExists(wal_local_path_, opener);
	}
	return file_->Size() > 0;
}

void DiffFileSystem::RemoveFile(const std::string &filename, duckdb::optional_ptr<duckdb::FileOpener> opener) {
	CheckPath(filename);
	if (!IsWal(filename)) {
		throw duckdb::IOException("%s cannot be removed through DuckDB; use `openduck db drop`", file_->Describe());
	}
	if (wal_local_path_.empty()) {
		throw duckdb::IOException("%s is read-only: it has no WAL to remove", file_->Describe());
	}
	local_->RemoveFile(wal_local_path_, opener);
	file_->WalRemoved();
}

bool DiffFileSystem::OnDiskFile(duckdb::FileHandle &handle) {
	// true keeps DuckDB's reads to single blocks (no multi-block prefetch spanning layers).
	return AsLayered(handle) ? true : local_->OnDiskFile(handle);
}

void DiffFileSystem::Seek(duckdb::FileHandle &handle, duckdb::idx_t location) {
	auto layered = AsLayered(handle);
	if (!layered) {
		return local_->Seek(handle, location);
	}
	layered->position = location;
}

duckdb::idx_t DiffFileSystem::SeekPosition(duckdb::FileHandle &handle) {
	auto layered = AsLayered(handle);
	return layered ? layered->position : local_->SeekPosition(handle);
}

} // namespace openduck
