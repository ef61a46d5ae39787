#include "storage/directory_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/file.h>
#include <unistd.h>

namespace openduck {

DirectoryLock::DirectoryLock(const std::string &dir) {
	auto path = dir + "/LOCK";
	fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd_ < 0) {
		throw std::runtime_error("storage: cannot open lock file '" + path + "': " + std::strerror(errno));
	}
	if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
		int error = errno;
		char owner[32] = {0};
		auto n = ::pread(fd_, owner, sizeof(owner) - 1, 0);
		std::string pid = n > 0 ? std::string(owner, size_t(n)) : "unknown";
		::close(fd_);
		fd_ = -1;
		if (error == EWOULDBLOCK) {
			throw std::runtime_error("storage: directory '" + dir + "' is in use by another openduck process (pid " +
			                         pid + "); stop that process, or give this one its own --data-dir");
		}
		throw std::runtime_error("storage: cannot lock '" + path + "': " + std::strerror(error));
	}
	auto text = std::to_string(::getpid());
	if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != ssize_t(text.size())) {
		// The lock holds regardless; only the pid shown to a refused second process is missing.
	}
}

DirectoryLock::~DirectoryLock() {
	if (fd_ >= 0) {
		::close(fd_);
	}
}

} // namespace openduck
