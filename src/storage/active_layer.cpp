#include "storage/active_layer.hpp"

#include "storage/byte_codec.hpp"
#include "storage/crc32c.hpp"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <unistd.h>

namespace openduck {

static const char kLogMagic[8] = {'O', 'D', 'A', 'C', 'T', 'I', 'V', '1'};
static constexpr uint64_t kLogHeaderSize = 32;
static constexpr uint64_t kRecordHeaderSize = 32;
static constexpr uint32_t kRecordMagic = 0x4F445243; // "ODRC"
static constexpr uint32_t kWriteRecord = 1;
static constexpr uint32_t kTruncateRecord = 2;

static std::string RecordHeader(uint32_t kind, uint64_t offset, uint64_t length, uint32_t data_crc) {
	std::string header;
	PutU32(header, kRecordMagic);
	PutU32(header, kind);
	PutU64(header, offset);
	PutU64(header, length);
	PutU32(header, data_crc);
	PutU32(header, Crc32c(header.data(), header.size()));
	return header;
}

ActiveLayer::ActiveLayer(const std::string &path, int64_t base_snapshot, uint64_t &file_size) : path_(path) {
	if (::access(path.c_str(), F_OK) == 0) {
		log_ = PosixFile::Open(path, O_RDWR);
		std::string header(kLogHeaderSize, '\0');
		bool valid = log_.Size() >= kLogHeaderSize;
		if (valid) {
			log_.ReadExactly(&header[0], kLogHeaderSize, 0);
			valid = std::memcmp(header.data(), kLogMagic, 8) == 0;
		}
		if (valid && int64_t(GetU64(reinterpret_cast<const uint8_t *>(header.data()) + 8)) == base_snapshot) {
			Replay(file_size);
			return;
		}
		log_.Close();
	}
	CreateEmpty(base_snapshot);
}

void ActiveLayer::CreateEmpty(int64_t base_snapshot) {
	auto temp = path_ + ".new";
	{
		auto file = PosixFile::Open(temp, O_RDWR | O_CREAT | O_TRUNC);
		std::string header(kLogMagic, 8);
		PutU64(header, uint64_t(base_snapshot));
		header.resize(kLogHeaderSize, '\0');
		file.WriteExactly(header.data(), header.size(), 0);
		file.Sync();
	}
	RenameDurably(temp, path_);
	log_ = PosixFile::Open(path_, O_RDWR);
	end_ = kLogHeaderSize;
	map_.Clear();
	truncated_to_ = UINT64_MAX;
}

void ActiveLayer::Replay(uint64_t &file_size) {
	uint64_t size = log_.Size();
	uint64_t position = kLogHeaderSize;
	std::string header(kRecordHeaderSize, '\0');
	std::string data;
	while (position + kRecordHeaderSize <= size) {
		log_.ReadExactly(&header[0], kRecordHeaderSize, position);
		auto p = reinterpret_cast<const uint8_t *>(header.data());
		if (GetU32(p) != kRecordMagic || Crc32c(p, 28) != GetU32(p + 28)) {
			break;
		}
		uint32_t kind = GetU32(p + 4);
		uint64_t offset = GetU64(p + 8);
		uint64_t length = GetU64(p + 16);
		if (kind == kWriteRecord) {
			if (position + kRecordHeaderSize + length > size) {
				break;
			}
			data.resize(length);
			log_.ReadExactly(&data[0], length, position + kRecordHeaderSize);
			if (Crc32c(data.data(), length) != GetU32(p + 24)) {
				break;
			}
			map_.Insert(offset, length, ExtentLocation {ExtentMap::kActiveSource, position + kRecordHeaderSize});
			file_size = std::max(file_size, offset + length);
			position += kRecordHeaderSize + length;
		} else if (kind == kTruncateRecord) {
			map_.Truncate(offset);
			file_size = offset;
			truncated_to_ = std::min(truncated_to_, offset);
			position += kRecordHeaderSize;
		} else {
			break;
		}
	}
	// Cut a torn tail so new records follow the last valid one.
	if (position < size) {
		log_.Truncate(position);
		log_.Sync();
	}
	end_ = position;
}

void ActiveLayer::Write(uint64_t offset, const void *data, uint64_t length) {
	auto header = RecordHeader(kWriteRecord, offset, length, Crc32c(data, length));
	// One pwrite for header + data keeps the record contiguous even for concurrent readers of
	// the log; the record counts only once its CRCs check out at recovery.
	std::string record;
	record.reserve(kRecordHeaderSize + length);
	record += header;
	record.append(static_cast<const char *>(data), length);
	log_.WriteExactly(record.data(), record.size(), end_);
	map_.Insert(offset, length, ExtentLocation {ExtentMap::kActiveSource, end_ + kRecordHeaderSize});
	end_ += record.size();
}

void ActiveLayer::Truncate(uint64_t size) {
	auto header = RecordHeader(kTruncateRecord, size, 0, 0);
	log_.WriteExactly(header.data(), header.size(), end_);
	end_ += header.size();
	map_.Truncate(size);
	truncated_to_ = std::min(truncated_to_, size);
}

void ActiveLayer::Sync() {
	log_.Sync();
}

void ActiveLayer::Read(uint64_t log_offset, void *out, uint64_t length) const {
	log_.ReadExactly(out, length, log_offset);
}

void ActiveLayer::Reset(int64_t base_snapshot) {
	log_.Close();
	CreateEmpty(base_snapshot);
}

} // namespace openduck
