#include "extension/catalog/od_transaction.hpp"

#include "duckdb/main/attached_database.hpp"
#include "duckdb/main/client_context.hpp"
#include "extension/catalog/od_catalog.hpp"
#include "extension/client/remote_client.hpp"
#include "extension/scan/query_stats.hpp"

namespace openduck {

ODTransaction::ODTransaction(duckdb::TransactionManager &manager, duckdb::ClientContext &context)
    : duckdb::Transaction(manager, context), auto_commit_(context.transaction.IsAutoCommit()),
      counters_(QueryStats::Get(context).Current()) {
}

std::shared_ptr<CatalogSnapshot> ODTransaction::Snapshot(ODCatalog &catalog) {
	auto pinned = [this]() -> std::shared_ptr<CatalogSnapshot> {
		std::lock_guard<std::mutex> guard(lock_);
		return pinned_.empty() ? nullptr : pinned_.back();
	};
	if (auto snapshot = pinned()) {
		return snapshot;
	}
	std::lock_guard<std::mutex> pinning(pin_lock_);
	if (auto snapshot = pinned()) {
		return snapshot; // another thread of the statement pinned it meanwhile
	}
	auto session = CurrentSession();
	if (auto_commit_ && session.empty()) {
		if (auto cached = catalog.CachedSnapshot()) {
			std::lock_guard<std::mutex> guard(lock_);
			if (pinned_.empty()) {
				pinned_.push_back(cached);
				unverified_ = true;
			}
			return pinned_.back();
		}
	}
	auto snapshot = catalog.CurrentSnapshot(session, &counters_);
	Pin(snapshot);
	return snapshot;
}

bool ODTransaction::VerifySnapshot(ODCatalog &catalog) {
	std::lock_guard<std::mutex> verifying(pin_lock_);
	std::shared_ptr<CatalogSnapshot> read;
	{
		std::lock_guard<std::mutex> guard(lock_);
		if (!unverified_) {
			return true;
		}
		unverified_ = false;
		read = pinned_.back();
	}
	auto current = catalog.CurrentSnapshot(CurrentSession(), &counters_);
	if (current->version == read->version) {
		return true;
	}
	Pin(std::move(current));
	return false;
}

std::string ODTransaction::UnverifiedVersion() {
	std::lock_guard<std::mutex> guard(lock_);
	return unverified_ ? pinned_.back()->version : "";
}

void ODTransaction::ConfirmSnapshot() {
	std::lock_guard<std::mutex> guard(lock_);
	unverified_ = false;
}

std::shared_ptr<CatalogSnapshot> ODTransaction::VerifiedSnapshot(ODCatalog &catalog) {
	Snapshot(catalog);
	VerifySnapshot(catalog);
	return Snapshot(catalog);
}

void ODTransaction::Pin(std::shared_ptr<CatalogSnapshot> fresh) {
	std::lock_guard<std::mutex> guard(lock_);
	pinned_.push_back(std::move(fresh));
	unverified_ = false;
}

void ODTransaction::KeepAlive(std::shared_ptr<CatalogSnapshot> past) {
	std::lock_guard<std::mutex> guard(lock_);
	kept_.push_back(std::move(past));
}

std::string ODTransaction::SessionFor(duckdb::ClientContext &context, ODCatalog &catalog, bool shares_snapshot) {
	std::lock_guard<std::mutex> guard(session_lock_);
	if (!session_id_.empty()) {
		statistics_only_ = false;
		return session_id_;
	}
	if (IsReadOnly() && context.transaction.IsAutoCommit() && !shares_snapshot) {
		return "";
	}
	OpenSession(context, catalog);
	return session_id_;
}

std::string ODTransaction::StatisticsSession(duckdb::ClientContext &context, ODCatalog &catalog) {
	std::lock_guard<std::mutex> guard(session_lock_);
	if (session_id_.empty()) {
		OpenSession(context, catalog);
		statistics_only_ = true;
	}
	return session_id_;
}

std::string ODTransaction::TakeStatisticsSession() {
	std::lock_guard<std::mutex> guard(session_lock_);
	if (session_id_.empty() || !statistics_only_) {
		return "";
	}
	auto taken = std::move(session_id_);
	session_id_.clear();
	handed_over_ = std::move(lifeline_);
	statistics_only_ = false;
	return taken;
}

void ODTransaction::OpenSession(duckdb::ClientContext &context, ODCatalog &catalog) {
	client_ = catalog.ClientPtr();
	// The session's calls are logged under the statement that opened it.
	query_id_ = QueryStats::Get(context).QueryId();
	ExecuteOptions options;
	options.session_id = NewExecutionId();
	options.session_action = v1::SESSION_ACTION_OPEN;
	options.query_id = query_id_;
	counters_.requests++;
	auto lifeline = client_->Execute("", options);
	// The worker confirms the open transaction with one empty result.
	std::string confirmation;
	if (!lifeline->NextPayload(confirmation)) {
		throw duckdb::IOException("OpenDuck server closed the session for database '%s' right after opening it",
		                          client_->Config().database);
	}
	lifeline_ = std::move(lifeline);
	session_id_ = options.session_id;
}

std::string ODTransaction::CurrentSession() {
	std::lock_guard<std::mutex> guard(session_lock_);
	return session_id_;
}

duckdb::ErrorData ODTransaction::EndSession(v1::SessionAction action) {
	std::lock_guard<std::mutex> guard(session_lock_);
	// A final read ended its session on the worker; should it still run (the statement stopped
	// reading early), ending its OPEN call interrupts it.
	handed_over_.reset();
	statistics_only_ = false;
	if (session_id_.empty()) {
		return duckdb::ErrorData();
	}
	std::string failure;
	if (lifeline_ && lifeline_->Ended(failure)) {
		// The session's call ended (its connection failed, or its worker went away), and with it
		// the worker rolled the transaction back: a request to end it would only wait on the
		// failed connection, and nothing can commit any more.
		auto database = client_->Config().database;
		lifeline_.reset();
		session_id_.clear();
		if (action != v1::SESSION_ACTION_COMMIT) {
			return duckdb::ErrorData();
		}
		return duckdb::ErrorData(duckdb::ExceptionType::TRANSACTION,
		                         "the transaction on OpenDuck database '" + database +
		                             "' was rolled back before COMMIT: its session on the server ended (" +
		                             (failure.empty() ? std::string("the server closed it") : failure) +
		                             "); run the transaction again");
	}
	ExecuteOptions options;
	options.session_id = session_id_;
	options.session_action = action;
	options.query_id = query_id_;
	duckdb::ErrorData error;
	try {
		std::string ignored;
		counters_.requests++;
		auto query = client_->Execute("", options);
		while (query->NextPayload(ignored)) {
		}
	} catch (std::exception &ex) {
		error = duckdb::ErrorData(ex);
	}
	// Ending the lifeline also rolls back a session whose ROLLBACK request failed.
	lifeline_.reset();
	session_id_.clear();
	return error;
}

duckdb::ErrorData ODTransaction::Commit() {
	return EndSession(v1::SESSION_ACTION_COMMIT);
}

void ODTransaction::Rollback() {
	EndSession(v1::SESSION_ACTION_ROLLBACK);
}

ODTransactionManager::ODTransactionManager(duckdb::AttachedDatabase &db) : duckdb::TransactionManager(db) {
}

duckdb::Transaction &ODTransactionManager::StartTransaction(duckdb::ClientContext &context) {
	auto transaction = duckdb::make_uniq<ODTransaction>(*this, context);
	auto &result = *transaction;
	if (!context.transaction.IsAutoCommit()) {
		// DuckDB starts a database's transaction at its first use inside BEGIN ... COMMIT, or at
		// BEGIN under immediate_transaction_mode. The worker's transaction starts now too: opened
		// at the first remote statement instead, it would see what others committed in between.
		result.SessionFor(context, db.GetCatalog().Cast<ODCatalog>());
	}
	std::lock_guard<std::mutex> guard(lock_);
	transactions_[result] = std::move(transaction);
	return result;
}

duckdb::ErrorData ODTransactionManager::CommitTransaction(duckdb::ClientContext &context,
                                                          duckdb::Transaction &transaction) {
	auto error = transaction.Cast<ODTransaction>().Commit();
	std::lock_guard<std::mutex> guard(lock_);
	transactions_.erase(transaction);
	return error;
}

void ODTransactionManager::RollbackTransaction(duckdb::Transaction &transaction) {
	transaction.Cast<ODTransaction>().Rollback();
	std::lock_guard<std::mutex> guard(lock_);
	transactions_.erase(transaction);
}

void ODTransactionManager::Checkpoint(duckdb::ClientContext &context, bool force) {
	db.GetCatalog().Cast<ODCatalog>().Checkpoint(context, force);
}

} // namespace openduck
