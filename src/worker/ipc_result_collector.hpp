// The result collector of a streamed read on the worker: DuckDB's threads encode the result's
// chunks as Arrow IPC record batches themselves and queue them in a ResultOutbox, from which
// FragmentExecutor sends them.
//
// Why not DuckDB's streaming collector: it copies every chunk into one buffer under one lock,
// and the sending thread then fetches and encodes chunk by chunk alone. In a filtered scan of
// lineitem that copy and the lock's contention took about a fifth of the worker's CPU, and the
// encoding did not run in parallel.
//
// When the plan's rows must stay in order (PhysicalPlanGenerator::PreserveInsertionOrder) and the
// host observes that order (ExecuteFragmentRequest.any_row_order unset), the collector's sink is
// not parallel, so DuckDB feeds it from one thread in order; otherwise every thread encodes
// batches of its own, in any order. Only the collector changes: the plan below it keeps DuckDB's
// order semantics (a LIMIT without ORDER BY still keeps the first rows).
//
// Thread-safety: a DuckDB operator; its states are used as DuckDB's sink interface says.
#pragma once

#include "worker/result_outbox.hpp"

#include "duckdb/execution/operator/helper/physical_result_collector.hpp"
#include "duckdb/main/client_config.hpp"
#include "duckdb/main/client_properties.hpp"

#include <memory>

namespace openduck {

struct IpcBatchLimits {
	duckdb::idx_t max_rows;
	duckdb::idx_t max_bytes;
};

class IpcResultCollector : public duckdb::PhysicalResultCollector {
public:
	IpcResultCollector(duckdb::PhysicalPlan &physical_plan, duckdb::PreparedStatementData &data, bool parallel,
	                   std::shared_ptr<ResultOutbox> outbox, duckdb::ClientProperties wire, IpcBatchLimits limits);

	// For ClientConfig::get_result_collector: collectors that queue into `outbox`, in any order
	// when `any_row_order`.
	static duckdb::get_result_collector_t Factory(std::shared_ptr<ResultOutbox> outbox, duckdb::ClientProperties wire,
	                                              IpcBatchLimits limits, bool any_row_order);

	duckdb::unique_ptr<duckdb::QueryResult> GetResult(duckdb::GlobalSinkState &state) override;

	duckdb::SinkResultType Sink(duckdb::ExecutionContext &context, duckdb::DataChunk &chunk,
	                            duckdb::OperatorSinkInput &input) const override;
	duckdb::SinkCombineResultType Combine(duckdb::ExecutionContext &context,
	                                      duckdb::OperatorSinkCombineInput &input) const override;
	duckdb::SinkFinalizeType Finalize(duckdb::Pipeline &pipeline, duckdb::Event &event, duckdb::ClientContext &context,
	                                  duckdb::OperatorSinkFinalizeInput &input) const override;
	duckdb::unique_ptr<duckdb::LocalSinkState> GetLocalSinkState(duckdb::ExecutionContext &context) const override;
	duckdb::unique_ptr<duckdb::GlobalSinkState> GetGlobalSinkState(duckdb::ClientContext &context) const override;

	bool ParallelSink() const override {
		return parallel_;
	}
	bool SinkOrderDependent() const override {
		return !parallel_;
	}

private:
	const bool parallel_;
	std::shared_ptr<ResultOutbox> outbox_;
	duckdb::ClientProperties wire_;
	IpcBatchLimits limits_;
};

} // namespace openduck
