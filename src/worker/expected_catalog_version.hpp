// ExecuteFragmentRequest.expected_catalog_version on the worker: the host bound an auto-commit
// statement against its cached catalog, and the statement may run only against that catalog.
//
// The check runs inside the statement's own transaction, once DuckDB planned it and before it
// runs (ClientContextState::OnFinalizePrepare): the catalog compared is the one the statement
// bound against here, and on a mismatch the statement fails with a "catalog version mismatch"
// Catalog error while nothing has run, so an auto-commit write has written nothing. No BEGIN or
// COMMIT statement is added around it: an explicit transaction cost the worker about 0.8 ms of
// CPU per single-row INSERT, more than the request it saves.
//
// Registered on a request's connection for the statements of that request only (Guard); used by
// that connection's one thread.
#pragma once

#include "duckdb/main/client_context.hpp"
#include "duckdb/main/client_context_state.hpp"

#include <string>

namespace openduck {

class ExpectedCatalogVersion : public duckdb::ClientContextState {
public:
	explicit ExpectedCatalogVersion(std::string expected) : expected_(std::move(expected)) {
	}

	// DuckDB calls OnFinalizePrepare only when some state may request a rebind.
	bool CanRequestRebind() override {
		return true;
	}
	duckdb::RebindQueryInfo OnFinalizePrepare(duckdb::ClientContext &context,
	                                          duckdb::PreparedStatementData &prepared_statement,
	                                          duckdb::PreparedStatementMode mode) override;

	// Checks the statements run on `context` while it lives ("": checks nothing).
	class Guard {
	public:
		Guard(duckdb::ClientContext &context, const std::string &expected);
		~Guard();
		Guard(const Guard &) = delete;
		Guard &operator=(const Guard &) = delete;

	private:
		duckdb::ClientContext *context_ = nullptr;
	};

private:
	const std::string expected_;
};

} // namespace openduck
