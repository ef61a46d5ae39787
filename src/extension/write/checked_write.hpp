// Writes bound against the host's cached catalog without confirming it first: an auto-commit
// INSERT of constant rows (remote_insert.hpp) and an UPDATE or DELETE written back from its plan
// (pushdown/modify_with_values.hpp). Their request carries the cached catalog's version
// (ExecuteFragmentRequest.expected_catalog_version); the worker compares it in the write's own
// transaction and, on a mismatch, answers a "catalog version mismatch" Catalog error before it
// wrote anything. The statement is executing by then, too late for DuckDB to bind it again, so
// the host confirms its catalog and sends the same statement once more when its target table is
// as it was bound (columns, types, defaults, constraints); otherwise the statement fails with a
// TransactionException that asks for it to be run again, which then binds against the new table.
// Stateless.
#pragma once

#include "duckdb/catalog/catalog_entry/table_catalog_entry.hpp"
#include "duckdb/main/client_context.hpp"

#include <functional>
#include <string>

namespace openduck {

class ODCatalog;

// Runs `send(expected_catalog_version)` for a write into `target` of `catalog`: with the
// transaction's catalog version while it is unverified, else with "". `send` must raise the
// worker's error, if any. After a refusal of a stale version, runs `send("")` again as described
// above. A write in a session (`outside_session` false) carries no version: an unverified
// catalog is confirmed first, with the same rule for the target table.
void SendCheckingCatalog(duckdb::ClientContext &context, ODCatalog &catalog, duckdb::TableCatalogEntry &target,
                         bool outside_session, const std::function<void(const std::string &)> &send);

// Confirms the transaction's catalog with the worker when it is still unverified (no request
// otherwise); when it was stale, throws the TransactionException above unless `target`
// (nullptr: a table being created, named `name`) is unchanged.
void ConfirmCatalogFor(duckdb::ClientContext &context, ODCatalog &catalog,
                       duckdb::optional_ptr<duckdb::TableCatalogEntry> target, const std::string &name);

} // namespace openduck
