#include "extension/scan/remote_statement.hpp"

#include "duckdb/execution/physical_operator.hpp"
#include "duckdb/execution/physical_plan_generator.hpp"
#include "duckdb/parallel/meta_pipeline.hpp"
#include "duckdb/parallel/pipeline.hpp"
#include "duckdb/planner/operator/logical_extension_operator.hpp"
#include "extension/functions/query_function.hpp"
#include "extension/scan/remote_result.hpp"

#include <thread>

namespace openduck {

using namespace duckdb;

namespace {

// Result bytes awaited before the statement's task runs (BuildPipelines).
constexpr uint64_t kBufferedBeforeRunning = 256 * 1024;

// The statement's result as it arrives. One thread reads it (the operator is not a parallel
// source); the receiving thread only wakes that reader's task.
class RemoteStatementState : public GlobalSourceState {
public:
	// Its schema already checked against the planned columns.
	std::unique_ptr<RemoteResult> result;

	idx_t MaxThreads() override {
		return 1;
	}
};

class PhysicalRemoteStatement : public PhysicalOperator {
public:
	PhysicalRemoteStatement(PhysicalPlan &plan, vector<LogicalType> types, unique_ptr<FunctionData> bind,
	                        idx_t estimated_cardinality)
	    : PhysicalOperator(plan, PhysicalOperatorType::EXTENSION, std::move(types), estimated_cardinality),
	      bind_(std::move(bind)) {
	}

	bool IsSource() const override {
		return true;
	}

	// Runs on the connection's thread (Executor::InitializeInternal builds the pipelines before it
	// schedules any task), so the statement is sent and the start of its answer awaited here,
	// asleep. Later steps may run on any thread: the source state is made when the pipeline is
	// scheduled, which may happen on a background thread finishing an earlier task, and the
	// source's task goes to whichever thread takes it first. A background thread waiting for the
	// answer there left the connection's thread spinning in its executor loop meanwhile
	// (PendingQueryResult::ExecuteTask answers NO_TASKS_AVAILABLE while another thread holds the
	// task), a core's worth of CPU taken from the server and the other clients. A small result (a
	// count, a few rows) now arrives whole before any task runs; a large one streams on.
	void BuildPipelines(Pipeline &current, MetaPipeline &meta_pipeline) override {
		PhysicalOperator::BuildPipelines(current, meta_pipeline);
		auto &context = current.GetClientContext();
		client_thread_ = std::this_thread::get_id();
		started_ = StartQuery(context, *bind_);
		CheckQueryTypes(*bind_, *started_);
		started_->Buffer(kBufferedBeforeRunning);
	}

	unique_ptr<GlobalSourceState> GetGlobalSourceState(ClientContext &context) const override {
		auto state = make_uniq<RemoteStatementState>();
		state->result = std::move(started_);
		if (!state->result) {
			// Not an InternalException: that would invalidate the host's database.
			throw std::logic_error("OPENDUCK_QUERY's source state was made twice for one execution");
		}
		return std::move(state);
	}

	SourceResultType GetData(ExecutionContext &context, DataChunk &chunk, OperatorSourceInput &input) const override {
		auto &state = input.global_state.Cast<RemoteStatementState>();
		if (std::this_thread::get_id() == client_thread_) {
			return WaitForData(state, chunk);
		}
		std::function<void()> wake = [interrupt = input.interrupt_state]() {
			interrupt.Callback();
		};
		switch (state.result->PollNext(chunk, wake)) {
		case RemoteResult::Poll::kReady:
			return SourceResultType::HAVE_MORE_OUTPUT;
		case RemoteResult::Poll::kWaiting:
			return SourceResultType::BLOCKED;
		case RemoteResult::Poll::kEnded:
			break;
		}
		QueryFinished(*bind_);
		return SourceResultType::FINISHED;
	}

	std::string GetName() const override {
		return "OPENDUCK_QUERY";
	}

	InsertionOrderPreservingMap<string> ParamsToString() const override {
		return QueryParams(*bind_);
	}

private:
	// On the connection's own thread the answer is awaited in place (a condition variable, woken
	// by the receiving thread; interrupts are noticed): returning BLOCKED there would only make
	// that thread wait in DuckDB's executor instead, and the wake-up would then hand the task to
	// whichever thread takes it first: a background thread, while the connection's thread spins
	// in its executor loop until that thread is done (measured: a third of the host's CPU per
	// small statement).
	SourceResultType WaitForData(RemoteStatementState &state, DataChunk &chunk) const {
		if (state.result->Next(chunk)) {
			return SourceResultType::HAVE_MORE_OUTPUT;
		}
		QueryFinished(*bind_);
		return SourceResultType::FINISHED;
	}

	unique_ptr<FunctionData> bind_;
	// The thread that runs the query's client loop, and the result BuildPipelines started for the
	// execution (GetGlobalSourceState takes it): both set per execution, before any task runs.
	std::thread::id client_thread_;
	mutable std::unique_ptr<RemoteResult> started_;
};

class LogicalRemoteStatement : public LogicalExtensionOperator {
public:
	LogicalRemoteStatement(idx_t table_index, unique_ptr<FunctionData> bind, vector<LogicalType> result_types)
	    : table_index_(table_index), bind_(std::move(bind)), result_types_(std::move(result_types)) {
	}

	vector<ColumnBinding> GetColumnBindings() override {
		return GenerateColumnBindings(table_index_, result_types_.size());
	}

	vector<idx_t> GetTableIndex() const override {
		return {table_index_};
	}

	PhysicalOperator &CreatePlan(ClientContext &context, PhysicalPlanGenerator &planner) override {
		// A copy shares the prefetched result (ShippedStatement::prefetched) with this plan.
		return planner.Make<PhysicalRemoteStatement>(result_types_, bind_->Copy(), estimated_cardinality);
	}

	void Serialize(Serializer &serializer) const override {
		// As openduck_query's scan (scan/not_serializable.hpp): DuckDB then skips the round trip.
		throw NotImplementedException("a statement shipped to an OpenDuck server cannot be serialized");
	}

	std::string GetName() const override {
		return "OPENDUCK_QUERY";
	}

	InsertionOrderPreservingMap<string> ParamsToString() const override {
		return QueryParams(*bind_);
	}

protected:
	void ResolveTypes() override {
		types = result_types_;
	}

private:
	idx_t table_index_;
	unique_ptr<FunctionData> bind_;
	vector<LogicalType> result_types_;
};

} // namespace

unique_ptr<LogicalOperator> MakeRemoteStatement(idx_t table_index, unique_ptr<FunctionData> bind,
                                                vector<LogicalType> types) {
	return make_uniq<LogicalRemoteStatement>(table_index, std::move(bind), std::move(types));
}

} // namespace openduck
