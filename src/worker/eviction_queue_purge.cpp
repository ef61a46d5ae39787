#include "worker/eviction_queue_purge.hpp"

#include "duckdb/storage/buffer/buffer_pool.hpp"
#include "duckdb/storage/buffer_manager.hpp"

namespace openduck {

namespace {

// BufferPool::PurgeAgedBlocks is protected in DuckDB 1.4.4 (for pools that derive from
// BufferPool), and the instance's pool is DuckDB's own. A pointer to the member, taken inside a
// class derived from BufferPool, is the access C++ grants such a class; it is never constructed.
class AgedBlockPurge : public duckdb::BufferPool {
public:
	static duckdb::idx_t Run(duckdb::BufferPool &pool, uint32_t max_age_seconds) {
		auto purge = &AgedBlockPurge::PurgeAgedBlocks;
		return (pool.*purge)(max_age_seconds);
	}
};

} // namespace

uint64_t PurgeEvictionQueues(duckdb::DuckDB &instance) {
	return AgedBlockPurge::Run(instance.instance->GetBufferManager().GetBufferPool(), kEvictionPurgeMaxAgeSeconds);
}

} // namespace openduck
