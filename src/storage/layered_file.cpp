#include "storage/layered_file.hpp"

#include "common/failpoint.hpp"

#include "rpc/log.hpp"
#include "storage/crc32c.hpp"
#include "storage/posix_file.hpp"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <random>
#include <stdexcept>
#include <unistd.h>

namespace openduck {

// DuckDB's three 4 KiB headers live below this offset; a write there followed by a sync ends
// a checkpoint (DUCKDB_1.4.4_STORAGE_NOTES.md §4, §7).
static constexpr uint64_t kHeaderAreaEnd = 12288;

LayeredFile::LayeredFile(StorageContext context, const DatabaseRecord &db) : context_(context), db_(db) {
}

LayeredFile::~LayeredFile() {
	if (on_close_) {
		on_close_();
	}
	if (pin_id_) {
		try {
			context_.metadata.Unpin(pin_id_);
		} catch (std::exception &ex) {
			// The pin expires by itself; GC then treats the snapshot normally.
			Log("storage: cannot unpin " + Describe() + ": " + ex.what());
		}
	}
}

void LayeredFile::CheckWritable() const {
	if (fenced_) {
		throw std::runtime_error(Describe() + ": this writer lost its write lease (another writer took it, or it could "
		                                      "not be renewed in time); nothing more is committed here, reopen the "
		                                      "database");
	}
	if (seal_failed_) {
		throw std::runtime_error(Describe() + ": a checkpoint failed to seal its snapshot, so DuckDB invalidated the "
		                                      "database; nothing more is committed here until it is reopened (an "
		                                      "openduck worker reopens it by itself)");
	}
}

void LayeredFile::ShipCommits() {
	commits_++;
	if (!commit_log_) {
		return;
	}
	// Shared: the log must not grow while its new bytes are read; seals are excluded too.
	std::shared_lock<std::shared_mutex> guard(lock_);
	CheckWritable();
	try {
		commit_log_->Ship(*active_);
	} catch (LeaseError &ex) {
		fenced_ = true;
		throw std::runtime_error(Describe() + ": " + ex.what());
	}
}

void LayeredFile::WalRemoved() {
	if (commit_log_) {
		commit_log_->WalRemoved();
	}
}

CommitPosition LayeredFile::Position() const {
	if (commit_log_) {
		return commit_log_->Position();
	}
	return CommitPosition {snapshot_id_.load(), kUnshippedSegments};
}

std::string LayeredFile::Describe() const {
	if (read_only_) {
		return "snapshot " + std::to_string(snapshot_id_.load()) + " of database '" + db_.name + "'";
	}
	return "database '" + db_.name + "'";
}

void LayeredFile::AddSealedLayer(SealedLayer layer) {
	int64_t source = int64_t(layers_.size());
	if (layer.index->truncated_to != UINT64_MAX) {
		sealed_.Truncate(layer.index->truncated_to);
	}
	for (auto &extent : layer.index->extents) {
		sealed_.Insert(extent.logical_offset, extent.length, ExtentLocation {source, extent.data_offset});
	}
	sealed_.Truncate(layer.index->file_size);
	layers_.push_back(std::move(layer));
}

void LayeredFile::LoadSnapshot(int64_t snapshot_id, uint64_t file_size) {
	snapshot_id_ = snapshot_id;
	size_ = file_size;
	if (snapshot_id == 0) {
		return;
	}
	for (auto &record : context_.metadata.SnapshotLayers(snapshot_id)) {
		AddSealedLayer(SealedLayer {record, context_.cache.Index(record)});
	}
	sealed_.Truncate(file_size);
}

std::shared_ptr<LayeredFile> LayeredFile::OpenWriter(StorageContext context, const DatabaseRecord &db,
                                                     int64_t generation, const std::string &local_dir,
                                                     int64_t compact_at, const CommitShipping *shipping) {
	std::shared_ptr<LayeredFile> file(new LayeredFile(context, db));
	file->generation_ = generation;
	file->compact_at_ = compact_at;
	file->local_dir_ = local_dir;
	uint64_t size = 0;
	if (db.head_snapshot) {
		auto head = context.metadata.GetSnapshot(db.head_snapshot);
		if (!head) {
			throw std::runtime_error("database '" + db.name + "': head snapshot " + std::to_string(db.head_snapshot) +
			                         " is missing from the metadata store");
		}
		size = head->file_size;
	}
	file->LoadSnapshot(db.head_snapshot, size);
	auto log_path = local_dir + "/active.log";
	if (shipping && (shipping->restore || shipping->ship)) {
		file->commit_log_ = std::make_unique<CommitLog>(context.metadata, context.store, db.id, db.name, generation,
		                                                local_dir, log_path, shipping->wal_path);
		if (shipping->restore) {
			auto restored = file->commit_log_->Restore(db.head_snapshot);
			if (restored) {
				Log("storage: " + file->Describe() + ": restored " + std::to_string(restored) +
				    " shipped commit segment(s) after snapshot " + std::to_string(db.head_snapshot));
			}
		}
	}
	file->active_ = std::make_unique<ActiveLayer>(log_path, db.head_snapshot, size);
	if (file->commit_log_ && shipping->ship) {
		file->commit_log_->Start(db.head_snapshot, file->active_->End(), shipping->restore);
	} else {
		file->commit_log_.reset();
	}
	if (file->active_->TruncatedTo() != UINT64_MAX) {
		file->sealed_.Truncate(file->active_->TruncatedTo());
	}
	file->size_ = size;
	// A checkpoint that ended locally but was never sealed (its upload or commit failed, then the
	// process stopped): DuckDB sees it as done and will not write it again, so seal it now, or at
	// the next sync if the stores still fail.
	for (auto &entry : file->active_->Map().Extents()) {
		if (entry.first < kHeaderAreaEnd) {
			file->header_written_ = true;
			break;
		}
	}
	if (file->header_written_) {
		try {
			file->Seal();
		} catch (std::exception &ex) {
			Log("storage: " + file->Describe() + ": " + ex.what());
		}
	}
	return file;
}

std::shared_ptr<LayeredFile> LayeredFile::OpenSnapshot(StorageContext context, const DatabaseRecord &db,
                                                       const SnapshotRecord &snapshot, const std::string &holder,
                                                       int64_t pin_ttl_seconds) {
	std::shared_ptr<LayeredFile> file(new LayeredFile(context, db));
	file->read_only_ = true;
	file->pin_ttl_seconds_ = pin_ttl_seconds;
	// Pin before reading the layer list, so GC cannot remove the layers in between.
	file->pin_id_ = context.metadata.PinSnapshot(snapshot.id, holder, pin_ttl_seconds);
	file->pin_renewed_ = std::chrono::steady_clock::now().time_since_epoch().count();
	file->LoadSnapshot(snapshot.id, snapshot.file_size);
	return file;
}

std::shared_ptr<LayeredFile> LayeredFile::OpenReplica(StorageContext context, const DatabaseRecord &db,
                                                      const SnapshotRecord &head, const std::string &local_dir,
                                                      const std::string &wal_path, const std::string &holder,
                                                      int64_t pin_ttl_seconds, int64_t &segments) {
	auto file = OpenSnapshot(context, db, head, holder, pin_ttl_seconds);
	auto log_path = local_dir + "/active.log";
	// Generation 0: a replica restores, it never ships.
	CommitLog commits(context.metadata, context.store, db.id, db.name, 0, local_dir, log_path, wal_path);
	segments = int64_t(commits.Restore(head.id));
	uint64_t size = head.file_size;
	file->active_ = std::make_unique<ActiveLayer>(log_path, head.id, size);
	if (file->active_->TruncatedTo() != UINT64_MAX) {
		file->sealed_.Truncate(file->active_->TruncatedTo());
	}
	file->size_ = size;
	return file;
}

void LayeredFile::RenewPinIfDue() {
	int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
	int64_t last = pin_renewed_.load();
	int64_t due = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
	                  std::chrono::milliseconds(pin_ttl_seconds_ * 500))
	                  .count();
	// One reader renews; the others carry on.
	if (now - last < due || !pin_renewed_.compare_exchange_strong(last, now)) {
		return;
	}
	try {
		context_.metadata.RenewPin(pin_id_, pin_ttl_seconds_);
	} catch (std::exception &ex) {
		Log("storage: cannot renew the reader pin of " + Describe() + ": " + ex.what());
	}
}

void LayeredFile::ReadSealed(const ExtentLocation &location, char *out, uint64_t length) {
	auto &layer = layers_[size_t(location.source)];
	auto &extents = layer.index->extents;
	// Stored extents are laid out in index order, so data offsets ascend with the index.
	auto it = std::upper_bound(extents.begin(), extents.end(), location.offset,
	                           [](uint64_t offset, const LayerExtent &extent) { return offset < extent.data_offset; });
	if (it == extents.begin()) {
		throw std::runtime_error(Describe() + ": no extent at offset " + std::to_string(location.offset) + " of layer " +
		                         layer.record.object_key);
	}
	--it;
	auto data = context_.cache.Extent(layer.record.object_key, *it);
	uint64_t skip = location.offset - it->data_offset;
	if (skip + length > data->size()) {
		throw std::runtime_error(Describe() + ": read past an extent of layer " + layer.record.object_key);
	}
	std::memcpy(out, data->data() + skip, length);
}

void LayeredFile::Read(void *buffer, uint64_t length, uint64_t offset) {
	if (pin_id_) {
		RenewPinIfDue();
	}
	std::shared_lock<std::shared_mutex> guard(lock_);
	if (offset + length > size_) {
		throw std::runtime_error(Describe() + ": read of " + std::to_string(length) + " bytes at " +
		                         std::to_string(offset) + " is past the end of the file (" +
		                         std::to_string(size_.load()) + " bytes)");
	}
	auto out = static_cast<char *>(buffer);
	auto read_sealed = [&](uint64_t piece_offset, uint64_t piece_length, const ExtentLocation *location) {
		char *target = out + (piece_offset - offset);
		if (!location) {
			std::memset(target, 0, piece_length);
		} else {
			ReadSealed(*location, target, piece_length);
		}
	};
	if (!active_) {
		sealed_.Resolve(offset, length, read_sealed);
		return;
	}
	active_->Map().Resolve(offset, length,
	                       [&](uint64_t piece_offset, uint64_t piece_length, const ExtentLocation *location) {
		                       if (location) {
			                       active_->Read(location->offset, out + (piece_offset - offset), piece_length);
		                       } else {
			                       sealed_.Resolve(piece_offset, piece_length, read_sealed);
		                       }
	                       });
}

void LayeredFile::Write(const void *buffer, uint64_t length, uint64_t offset) {
	std::unique_lock<std::shared_mutex> guard(lock_);
	if (read_only_) {
		throw std::runtime_error(Describe() + " is read-only (time travel opens snapshots read-only)");
	}
	CheckWritable();
	active_->Write(offset, buffer, length);
	if (offset < kHeaderAreaEnd) {
		header_written_ = true;
	}
	if (offset + length > size_) {
		size_ = offset + length;
	}
}

void LayeredFile::Truncate(uint64_t size) {
	std::unique_lock<std::shared_mutex> guard(lock_);
	if (read_only_) {
		throw std::runtime_error(Describe() + " is read-only (time travel opens snapshots read-only)");
	}
	active_->Truncate(size);
	sealed_.Truncate(size);
	size_ = size;
}

void LayeredFile::Sync() {
	std::unique_lock<std::shared_mutex> guard(lock_);
	if (read_only_) {
		return;
	}
	CheckWritable();
	active_->Sync();
	if (header_written_) {
		try {
			Seal();
		} catch (...) {
			seal_failed_ = true;
			throw;
		}
	}
}

ExtentMap LayeredFile::SealContent(size_t merge, uint64_t &truncated_to) const {
	ExtentMap content;
	truncated_to = UINT64_MAX;
	for (size_t i = layers_.size() - merge; i < layers_.size(); i++) {
		auto &index = *layers_[i].index;
		if (index.truncated_to != UINT64_MAX) {
			content.Truncate(index.truncated_to);
			truncated_to = std::min(truncated_to, index.truncated_to);
		}
		for (auto &extent : index.extents) {
			content.Insert(extent.logical_offset, extent.length, ExtentLocation {int64_t(i), extent.data_offset});
		}
		content.Truncate(index.file_size);
	}
	if (active_->TruncatedTo() != UINT64_MAX) {
		content.Truncate(active_->TruncatedTo());
		truncated_to = std::min(truncated_to, active_->TruncatedTo());
	}
	for (auto &entry : active_->Map().Extents()) {
		content.Insert(entry.first, entry.second.length, entry.second.location);
	}
	content.Truncate(size_);
	return content;
}

void LayeredFile::Seal() {
	// 1. Write the layer object locally: the newest version of every byte in the active layer
	//    (and, when compacting, in the newest half of the sealed layers it replaces).
	size_t merge = 0;
	if (compact_at_ > 1 && int64_t(layers_.size()) + 1 >= compact_at_) {
		merge = std::min(layers_.size(), size_t(compact_at_ / 2));
	}
	auto index = std::make_shared<LayerIndex>();
	index->file_size = size_;
	auto content = SealContent(merge, index->truncated_to);
	auto temp = local_dir_ + "/seal.tmp";
	{
		auto out = PosixFile::Open(temp, O_RDWR | O_CREAT | O_TRUNC);
		std::string buffer;
		uint64_t data_offset = 0;
		for (auto &entry : content.Extents()) {
			auto &extent = entry.second;
			buffer.resize(extent.length);
			if (extent.location.source == ExtentMap::kActiveSource) {
				active_->Read(extent.location.offset, &buffer[0], extent.length);
			} else {
				ReadSealed(extent.location, &buffer[0], extent.length);
			}
			out.WriteExactly(buffer.data(), extent.length, data_offset);
			index->extents.push_back(
			    LayerExtent {entry.first, extent.length, data_offset, Crc32c(buffer.data(), extent.length)});
			data_offset += extent.length;
		}
		index->index_offset = data_offset;
		auto tail = EncodeLayerTail(*index);
		out.WriteExactly(tail.data(), tail.size(), data_offset);
		out.Sync();
	}
	LayerRecord record;
	record.object_key = "layers/" + std::to_string(db_.id) + "/s" + std::to_string(snapshot_id_.load()) + "-g" +
	                    std::to_string(generation_) + "-" + RandomKeySuffix() + ".layer";
	record.data_bytes = index->index_offset;
	record.extent_count = index->extents.size();
	record.size_bytes = index->index_offset + index->extents.size() * 32 + kLayerFooterSize;

	// 2. Upload. On failure everything is still in the durable active layer and DuckDB keeps its
	//    WAL, so the checkpoint fails (its snapshot would not exist) and the next sync retries.
	//    The local file goes at once either way: the store may have linked it (ObjectStore::Put),
	//    so the next seal must not reopen and truncate it.
	try {
		Failpoint("upload.put");
		context_.store.Put(record.object_key, temp);
		::unlink(temp.c_str());
	} catch (std::exception &ex) {
		::unlink(temp.c_str());
		throw std::runtime_error(Describe() + ": checkpoint failed, the layer upload failed (data and WAL kept "
		                         "locally, the next checkpoint retries): " + ex.what());
	}

	// 3. Commit the snapshot; a stale generation means another writer owns the database now.
	int64_t parent = snapshot_id_;
	SnapshotRecord snapshot;
	try {
		Failpoint("metadata.commit.before");
		snapshot = context_.metadata.CommitSnapshot(db_.id, generation_, parent, record, size_, int64_t(merge));
		Failpoint("metadata.commit.after");
	} catch (LeaseError &ex) {
		fenced_ = true;
		throw std::runtime_error(Describe() + ": " + ex.what());
	} catch (std::exception &ex) {
		// The outcome is unknown (the commit may have happened before the connection failed):
		// read the head back; only a head whose newest layer is ours proves the commit.
		std::optional<SnapshotRecord> committed;
		try {
			auto db = context_.metadata.GetDatabase(db_.id);
			if (db && db->head_snapshot != parent) {
				auto layers = context_.metadata.SnapshotLayers(db->head_snapshot);
				if (!layers.empty() && layers.back().object_key == record.object_key) {
					committed = context_.metadata.GetSnapshot(db->head_snapshot);
					record = layers.back();
				}
			}
		} catch (std::exception &) {
			// Still unreachable: the outcome stays unknown; the error below says so.
		}
		if (!committed) {
			throw std::runtime_error(Describe() + ": checkpoint failed, the snapshot commit failed (data and WAL kept "
			                         "locally, the next checkpoint retries): " + ex.what());
		}
		snapshot = *committed;
		Log("storage: " + Describe() + ": the snapshot commit's outcome was unknown (" + ex.what() +
		    "); read back from the metadata store: snapshot " + std::to_string(snapshot.id) + " is committed");
	}

	// 4. The layer is part of the head now; start a fresh active layer on top of it.
	if (merge) {
		auto kept = std::move(layers_);
		kept.resize(kept.size() - merge);
		layers_.clear();
		sealed_.Clear();
		for (auto &layer : kept) {
			AddSealedLayer(std::move(layer));
		}
	}
	AddSealedLayer(SealedLayer {record, index});
	snapshot_id_ = snapshot.id;
	active_->Reset(snapshot.id);
	if (commit_log_) {
		commit_log_->Rebase(snapshot.id);
	}
	header_written_ = false;
	if (merge) {
		Log("storage: " + Describe() + ": snapshot " + std::to_string(snapshot.id) + " compacted " +
		    std::to_string(merge + 1) + " layers into one (" + std::to_string(record.data_bytes) + " bytes)");
	}
}

} // namespace openduck
