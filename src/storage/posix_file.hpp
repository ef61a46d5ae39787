// A small RAII wrapper over a POSIX file descriptor with the exact-length positional I/O and
// the durability steps (fdatasync, rename + directory fsync) the storage engine relies on.
// Errors throw std::runtime_error naming the path and errno text.
//
// Not thread-safe for Open/Close; positional Read/Write on one descriptor may run concurrently.
#pragma once

#include <cstdint>
#include <string>

namespace openduck {

class PosixFile {
public:
	PosixFile() = default;
	PosixFile(PosixFile &&other) noexcept;
	PosixFile &operator=(PosixFile &&other) noexcept;
	PosixFile(const PosixFile &) = delete;
	~PosixFile();

	static PosixFile Open(const std::string &path, int flags, int mode = 0644);

	void ReadExactly(void *buffer, uint64_t length, uint64_t offset) const;
	void WriteExactly(const void *buffer, uint64_t length, uint64_t offset) const;
	uint64_t Size() const;
	void Truncate(uint64_t size) const;
	void Sync() const;
	void Close();

private:
	int fd_ = -1;
	std::string path_;
};

// Copies `source` to `target` (created or replaced) and fsyncs the copy.
void CopyFileDurably(const std::string &source, const std::string &target);
// rename(2) plus an fsync of the target's directory, so the rename survives a crash.
void RenameDurably(const std::string &from, const std::string &to);

} // namespace openduck
