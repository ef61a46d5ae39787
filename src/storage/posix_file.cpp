#include "storage/posix_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace openduck {

static std::runtime_error Failure(const std::string &what, const std::string &path) {
	return std::runtime_error(what + " '" + path + "': " + strerror(errno));
}

PosixFile::PosixFile(PosixFile &&other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
	other.fd_ = -1;
}

PosixFile &PosixFile::operator=(PosixFile &&other) noexcept {
	if (this != &other) {
		Close();
		fd_ = other.fd_;
		path_ = std::move(other.path_);
		other.fd_ = -1;
	}
	return *this;
}

PosixFile::~PosixFile() {
	Close();
}

PosixFile PosixFile::Open(const std::string &path, int flags, int mode) {
	PosixFile file;
	file.fd_ = ::open(path.c_str(), flags | O_CLOEXEC, mode);
	if (file.fd_ < 0) {
		throw Failure("cannot open", path);
	}
	file.path_ = path;
	return file;
}

void PosixFile::ReadExactly(void *buffer, uint64_t length, uint64_t offset) const {
	auto out = static_cast<char *>(buffer);
	while (length > 0) {
		ssize_t n = ::pread(fd_, out, length, off_t(offset));
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			throw Failure("cannot read", path_);
		}
		if (n == 0) {
			throw std::runtime_error("unexpected end of file '" + path_ + "' at offset " + std::to_string(offset));
		}
		out += n;
		length -= uint64_t(n);
		offset += uint64_t(n);
	}
}

void PosixFile::WriteExactly(const void *buffer, uint64_t length, uint64_t offset) const {
	auto in = static_cast<const char *>(buffer);
	while (length > 0) {
		ssize_t n = ::pwrite(fd_, in, length, off_t(offset));
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			throw Failure("cannot write", path_);
		}
		in += n;
		length -= uint64_t(n);
		offset += uint64_t(n);
	}
}

uint64_t PosixFile::Size() const {
	struct stat st;
	if (::fstat(fd_, &st) != 0) {
		throw Failure("cannot stat", path_);
	}
	return uint64_t(st.st_size);
}

void PosixFile::Truncate(uint64_t size) const {
	if (::ftruncate(fd_, off_t(size)) != 0) {
		throw Failure("cannot truncate", path_);
	}
}

void PosixFile::Sync() const {
	if (::fdatasync(fd_) != 0) {
		throw Failure("cannot sync", path_);
	}
}

void PosixFile::Close() {
	if (fd_ >= 0) {
		::close(fd_);
		fd_ = -1;
	}
}

void CopyFileDurably(const std::string &source, const std::string &target) {
	auto in = PosixFile::Open(source, O_RDONLY);
	auto out = PosixFile::Open(target, O_WRONLY | O_CREAT | O_TRUNC);
	std::string buffer(1 << 20, '\0');
	uint64_t size = in.Size();
	for (uint64_t offset = 0; offset < size;) {
		uint64_t n = std::min<uint64_t>(buffer.size(), size - offset);
		in.ReadExactly(&buffer[0], n, offset);
		out.WriteExactly(buffer.data(), n, offset);
		offset += n;
	}
	out.Sync();
}

void RenameDurably(const std::string &from, const std::string &to) {
	if (::rename(from.c_str(), to.c_str()) != 0) {
		throw Failure("cannot rename '" + from + "' to", to);
	}
	auto dir = std::filesystem::path(to).parent_path().string();
	PosixFile::Open(dir.empty() ? "." : dir, O_RDONLY | O_DIRECTORY).Sync();
}

} // namespace openduck
