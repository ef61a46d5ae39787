// Binds a statement again when it was planned against a stale catalog.
//
// An auto-commit statement binds against the host's cached catalog without asking the worker
// first (ODTransaction::Snapshot). When another host changed the remote schema meanwhile, the
// statement may fail to bind (a column it names was just added) or bind to the old shape; the
// optimizer hook verifies the snapshots of every plan it does not ship whole and throws a
// "catalog changed" CatalogException when one was stale. This state then lets DuckDB bind the statement once more
// (ClientContextState::OnPlanningError), against the current catalog. Stateless.
#pragma once

#include "duckdb/main/client_context.hpp"
#include "duckdb/main/client_context_state.hpp"

#include <string>

namespace openduck {

class CatalogRecheck : public duckdb::ClientContextState {
public:
	static constexpr const char *kKey = "openduck_catalog_recheck";

	bool CanRequestRebind() override {
		return true;
	}
	// Rebinds after that exception, after any other planning error when verifying the
	// statement's unverified snapshots shows one was stale, and after a call of an unknown
	// function when a database not searched for functions (it held no macros) now holds some.
	duckdb::RebindQueryInfo OnPlanningError(duckdb::ClientContext &context, duckdb::SQLStatement &statement,
	                                        duckdb::ErrorData &error) override;

	// Installs the state on `context` (idempotent).
	static void Register(duckdb::ClientContext &context);
};

// Verifies the snapshots the running statement read from OpenDuck databases and throws the
// "catalog changed" CatalogException when one was stale.
void RequireCurrentCatalogs(duckdb::ClientContext &context);

} // namespace openduck
