// Sequences of an attached OpenDuck database live on its worker, which owns their counters:
// DuckDB advances a sequence (nextval) and reads it (currval) inside the DuckDB transaction of
// the database that holds it, which a host never has for a remote database. So a statement that
// calls nextval or currval on one, itself or through a DEFAULT it puts into VALUES, runs whole
// on the worker (statement_pushdown.hpp); one that cannot (it reads host data too, or has
// parameters) is refused before it runs, with an error naming the sequence and what to do.
// A column's DEFAULT nextval(...) filled in for a column an INSERT leaves out is the worker's
// own business: the worker's INSERT names the columns it got (remote_insert.hpp).
//
// The statement pushdown is an optimizer hook, so a plan DuckDB makes without its optimizer
// (PRAGMA disable_optimizer, and the UNOPTIMIZED run of PRAGMA enable_verification) would call
// nextval on the host, where DuckDB fails with an INTERNAL error. RemoteSequenceGuard refuses
// such a plan before it runs.
#pragma once

#include "duckdb/main/client_context_state.hpp"
#include "duckdb/planner/logical_operator.hpp"

#include <string>

namespace openduck {

class ODCatalog;

struct RemoteSequenceUse {
	// "nextval" or "currval".
	std::string function;
	// catalog.schema.name of the sequence.
	std::string sequence;
	ODCatalog *catalog = nullptr;
};

// The first call of nextval/currval on a sequence of an OpenDuck database that `plan` would run
// on the host; function is empty when there is none.
RemoteSequenceUse FindRemoteSequenceUse(duckdb::LogicalOperator &plan);

// Throws the BinderException that refuses `use` on the host because `why` ("it also reads
// host data", ...).
[[noreturn]] void RefuseSequenceOnHost(const RemoteSequenceUse &use, const std::string &why);

// Per connection: which remote sequence the running statement bound, and the refusal above.
// Used by the connection's own thread only.
class RemoteSequenceGuard : public duckdb::ClientContextState {
public:
	static constexpr const char *kKey = "openduck_remote_sequences";

	// Notes that the running statement bound sequence `sequence` (catalog.schema.name).
	static void NoteBound(duckdb::ClientContext &context, const std::string &sequence);

	void QueryBegin(duckdb::ClientContext &context) override;
	// So that DuckDB calls OnFinalizePrepare.
	bool CanRequestRebind() override {
		return true;
	}
	// Throws when a statement that may call the bound sequence was planned without the optimizer.
	duckdb::RebindQueryInfo OnFinalizePrepare(duckdb::ClientContext &context,
	                                          duckdb::PreparedStatementData &prepared,
	                                          duckdb::PreparedStatementMode mode) override;

private:
	std::string bound_; // "" when the running statement bound none
};

} // namespace openduck
