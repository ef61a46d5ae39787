// The DuckDB FileSystem that presents a LayeredFile as a database file. One instance serves
// one database (or one snapshot) of one DuckDB instance, registered in that instance's
// DBConfig::file_system before the DuckDB is constructed:
//   <db_path>       the layered database file (e.g. "odlayers://sales" or "odlayers://sales@12")
//   <db_path>.wal   DuckDB's WAL, kept as a plain local file (append + fsync per commit); a
//                   read-only snapshot has no WAL (opens see none, writes fail), and a fenced
//                   writer's WAL refuses appends and fsyncs (LayeredFile::Fence).
// Implements exactly the calls DuckDB 1.4.4 makes on a database file
// (DUCKDB_1.4.4_STORAGE_NOTES.md §5).
//
// Thread-safe: positional I/O goes to the LayeredFile (which locks); a handle's sequential
// position is only used by DuckDB from one thread (magic probe, WAL replay).
#pragma once

#include "storage/layered_file.hpp"

#include "duckdb/common/file_system.hpp"

#include <memory>
#include <string>

namespace openduck {

// The URL scheme of layered database files.
constexpr const char *kLayeredPathPrefix = "odlayers://";

class DiffFileSystem : public duckdb::FileSystem {
public:
	// `wal_local_path` empty means: no WAL (read-only snapshot).
	DiffFileSystem(std::string db_path, std::shared_ptr<LayeredFile> file, std::string wal_local_path);

	duckdb::unique_ptr<duckdb::FileHandle> OpenFile(const std::string &path, duckdb::FileOpenFlags flags,
	                                                duckdb::optional_ptr<duckdb::FileOpener> opener) override;
	void Read(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes, duckdb::idx_t location) override;
	void Write(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes, duckdb::idx_t location) override;
	int64_t Read(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes) override;
	int64_t Write(duckdb::FileHandle &handle, void *buffer, int64_t nr_bytes) override;
	int64_t GetFileSize(duckdb::FileHandle &handle) override;
	void FileSync(duckdb::FileHandle &handle) override;
	void Truncate(duckdb::FileHandle &handle, int64_t new_size) override;
	bool FileExists(const std::string &filename, duckdb::optional_ptr<duckdb::FileOpener> opener) override;
	void RemoveFile(const std::string &filename, duckdb::optional_ptr<duckdb::FileOpener> opener) override;
	bool OnDiskFile(duckdb::FileHandle &handle) override;
	void Seek(duckdb::FileHandle &handle, duckdb::idx_t location) override;
	duckdb::idx_t SeekPosition(duckdb::FileHandle &handle) override;
	bool CanSeek() override {
		return true;
	}
	bool CanHandleFile(const std::string &path) override;
	std::string GetName() const override {
		return "OpenDuckLayeredFileSystem";
	}

private:
	bool IsWal(const std::string &path) const {
		return path == db_path_ + ".wal";
	}
	void CheckPath(const std::string &path) const;

	std::string db_path_;
	std::shared_ptr<LayeredFile> file_;
	std::string wal_local_path_;
	duckdb::unique_ptr<duckdb::FileSystem> local_;
};

} // namespace openduck
