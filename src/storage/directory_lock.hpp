// An exclusive lock on a directory, held by one process for its lifetime: a `LOCK` file in the
// directory, locked with flock(2) and holding the owner's pid. Two servers on one data dir would
// both append to the same active layers and WALs; the second one is refused at start instead.
// The kernel drops the lock when the process dies (kill -9 included), so no stale lock remains.
// Thread-safety: immutable after construction.
#pragma once

#include <string>

namespace openduck {

class DirectoryLock {
public:
	// Locks `dir` (which must exist). Throws std::runtime_error naming the holder's pid and the
	// fix when another process holds it.
	explicit DirectoryLock(const std::string &dir);
	~DirectoryLock();
	DirectoryLock(const DirectoryLock &) = delete;
	DirectoryLock &operator=(const DirectoryLock &) = delete;

private:
	int fd_ = -1;
};

} // namespace openduck
