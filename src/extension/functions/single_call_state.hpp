// The global state of a table function that makes one remote call and returns its answer in one
// chunk (the admin functions, the database listing): it only remembers that the call was made.
// Table functions here run single-threaded (no MaxThreads), so the flag needs no lock.
#pragma once

#include "duckdb/function/table_function.hpp"

namespace openduck {

struct SingleCallState : public duckdb::GlobalTableFunctionState {
	bool done = false;

	static duckdb::unique_ptr<duckdb::GlobalTableFunctionState> Init(duckdb::ClientContext &,
	                                                                 duckdb::TableFunctionInitInput &) {
		return duckdb::make_uniq<SingleCallState>();
	}
	// True the first time for this execution: make the call then; later calls end the scan.
	static bool First(duckdb::TableFunctionInput &input) {
		auto &state = input.global_state->Cast<SingleCallState>();
		bool first = !state.done;
		state.done = true;
		return first;
	}
};

} // namespace openduck
