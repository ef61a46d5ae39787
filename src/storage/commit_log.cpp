#include "storage/commit_log.hpp"

#include "common/failpoint.hpp"
#include "storage/byte_codec.hpp"
#include "storage/crc32c.hpp"
#include "storage/posix_file.hpp"

#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace openduck {

static const char kTrailerMagic[8] = {'O', 'D', 'S', 'E', 'G', '1', '\0', '\0'};
static constexpr uint64_t kTrailerSize = 16;
// Up to this size a segment travels in its metadata row, saving an upload per small commit.
static constexpr uint64_t kInlineSegmentBytes = 256 << 10;

CommitLog::CommitLog(MetadataStore &metadata, ObjectStore &store, int64_t db_id, std::string db_name,
                     int64_t generation, std::string local_dir, std::string log_path, std::string wal_path)
    : metadata_(metadata), store_(store), db_id_(db_id), db_name_(std::move(db_name)), generation_(generation),
      local_dir_(std::move(local_dir)), log_path_(std::move(log_path)), wal_path_(std::move(wal_path)) {
}

uint64_t CommitLog::WalSize() const {
	struct stat info;
	if (::stat(wal_path_.c_str(), &info) != 0) {
		return 0; // no WAL yet (DuckDB creates it at the first commit after a checkpoint)
	}
	return uint64_t(info.st_size);
}

size_t CommitLog::Restore(int64_t base) {
	std::lock_guard<std::mutex> guard(lock_);
	auto segments = metadata_.CommitSegments(db_id_, base);
	::unlink(log_path_.c_str());
	::unlink(wal_path_.c_str());
	if (segments.empty()) {
		return 0;
	}
	auto log = PosixFile::Open(log_path_, O_RDWR | O_CREAT | O_TRUNC);
	auto wal = PosixFile::Open(wal_path_, O_RDWR | O_CREAT | O_TRUNC);
	for (auto &segment : segments) {
		auto size = segment.active_length + segment.wal_length;
		auto object = segment.inline_data.empty() ? store_.GetRange(segment.object_key, 0, size + kTrailerSize)
		                                          : segment.inline_data;
		if (object.size() != size + kTrailerSize) {
			throw std::runtime_error("database '" + db_name_ + "': commit segment " + segment.object_key + " holds " +
			                         std::to_string(object.size()) + " bytes instead of " +
			                         std::to_string(size + kTrailerSize) + "; its commits cannot be restored");
		}
		auto trailer = reinterpret_cast<const uint8_t *>(object.data()) + size;
		if (std::memcmp(trailer, kTrailerMagic, sizeof(kTrailerMagic)) != 0 ||
		    GetU32(trailer + 8) != Crc32c(object.data(), size)) {
			throw std::runtime_error("database '" + db_name_ + "': commit segment " + segment.object_key +
			                         " is damaged (checksum mismatch); its commits cannot be restored");
		}
		log.WriteExactly(object.data(), segment.active_length, segment.active_offset);
		log.Truncate(segment.active_offset + segment.active_length);
		wal.WriteExactly(object.data() + segment.active_length, segment.wal_length, segment.wal_offset);
		wal.Truncate(segment.wal_offset + segment.wal_length);
	}
	log.Sync();
	wal.Sync();
	bool empty_wal = wal.Size() == 0;
	wal.Close();
	if (empty_wal) {
		::unlink(wal_path_.c_str());
	}
	return segments.size();
}

CommitPosition CommitLog::Position() const {
	std::lock_guard<std::mutex> guard(lock_);
	return CommitPosition {base_, next_seq_};
}

void CommitLog::Start(int64_t base, uint64_t log_end, bool restored) {
	std::lock_guard<std::mutex> guard(lock_);
	base_ = base;
	next_seq_ = int64_t(metadata_.CommitSegments(db_id_, base).size());
	shipped_log_ = restored ? log_end : 0;
	shipped_wal_ = restored ? WalSize() : 0;
}

void CommitLog::Ship(const ActiveLayer &active) {
	std::lock_guard<std::mutex> guard(lock_);
	if (resync_) {
		// The earlier record is either there (its commit was rolled back here, and this segment
		// overwrites its bytes at the same offsets) or not; either way the next number follows.
		next_seq_ = int64_t(metadata_.CommitSegments(db_id_, base_).size());
		resync_ = false;
	}
	CommitSegment segment;
	segment.base_snapshot = base_;
	segment.seq = next_seq_;
	// The log only grows between seals; a shorter log than shipped means a recovery cut a torn
	// tail, which the segment's offset then says.
	uint64_t log_end = active.End();
	segment.active_offset = std::min(shipped_log_, log_end);
	segment.active_length = log_end - segment.active_offset;
	uint64_t wal_size = WalSize();
	segment.wal_offset = std::min(shipped_wal_, wal_size);
	segment.wal_length = wal_size - segment.wal_offset;
	if (segment.active_length == 0 && segment.wal_length == 0 && segment.active_offset == shipped_log_ &&
	    segment.wal_offset == shipped_wal_) {
		return; // nothing new since the last shipment
	}

	std::string data(segment.active_length + segment.wal_length + kTrailerSize, '\0');
	if (segment.active_length) {
		active.Read(segment.active_offset, &data[0], segment.active_length);
	}
	if (segment.wal_length) {
		auto wal = PosixFile::Open(wal_path_, O_RDONLY);
		wal.ReadExactly(&data[segment.active_length], segment.wal_length, segment.wal_offset);
	}
	auto size = segment.active_length + segment.wal_length;
	std::memcpy(&data[size], kTrailerMagic, sizeof(kTrailerMagic));
	auto crc = Crc32c(data.data(), size);
	std::string crc_bytes;
	PutU32(crc_bytes, crc);
	std::memcpy(&data[size + 8], crc_bytes.data(), 4);

	segment.object_key = std::string(kCommitSegmentPrefix) + std::to_string(db_id_) + "/s" + std::to_string(base_) +
	                     "-q" + std::to_string(segment.seq) + "-g" + std::to_string(generation_) + "-" +
	                     RandomKeySuffix() + ".seg";
	if (data.size() <= kInlineSegmentBytes) {
		segment.inline_data = std::move(data);
	} else {
		Upload(segment.object_key, data);
	}
	try {
		Failpoint("commit.ship.record");
		metadata_.AppendCommitSegment(db_id_, generation_, segment);
	} catch (LeaseError &) {
		throw;
	} catch (std::exception &ex) {
		// The outcome is unknown when the connection failed during the commit: read it back.
		bool recorded = false;
		bool known = false;
		try {
			for (auto &existing : metadata_.CommitSegments(db_id_, base_)) {
				recorded = recorded || existing.object_key == segment.object_key;
			}
			known = true;
		} catch (std::exception &) {
			// Still unreachable: unknown, so not acknowledged.
		}
		if (!recorded) {
			resync_ = !known;
			throw std::runtime_error(
			    "database '" + db_name_ + "': the commit could not be recorded in " + metadata_.Describe() +
			    ", so it is not acknowledged" +
			    (known ? std::string() : " (the store may have recorded it before the connection failed: then a later "
			                             "takeover still shows it)") +
			    ": " + ex.what());
		}
	}
	next_seq_++;
	shipped_log_ = log_end;
	shipped_wal_ = wal_size;
}

void CommitLog::Upload(const std::string &key, const std::string &data) {
	auto temp = local_dir_ + "/segment.tmp";
	try {
		{
			auto out = PosixFile::Open(temp, O_RDWR | O_CREAT | O_TRUNC);
			out.WriteExactly(data.data(), data.size(), 0);
			out.Sync();
		}
		Failpoint("commit.ship.put");
		store_.Put(key, temp);
		::unlink(temp.c_str());
	} catch (std::exception &ex) {
		::unlink(temp.c_str());
		throw std::runtime_error("database '" + db_name_ + "': the commit could not be shipped to " +
		                         store_.Describe() + ", so it is not acknowledged: " + ex.what());
	}
}

void CommitLog::Rebase(int64_t base) {
	std::lock_guard<std::mutex> guard(lock_);
	base_ = base;
	next_seq_ = 0;
	shipped_log_ = 0;
	// The old WAL is checkpointed into `base`; DuckDB removes it next, and a new one starts at 0.
	shipped_wal_ = 0;
}

void CommitLog::WalRemoved() {
	std::lock_guard<std::mutex> guard(lock_);
	shipped_wal_ = 0;
}

} // namespace openduck
