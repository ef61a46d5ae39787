#include "worker/database_admin.hpp"

#include "rpc/call_checks.hpp"
#include "rpc/log.hpp"
#include "storage/admin_report.hpp"
#include "worker/database_name.hpp"

#include "duckdb/main/connection.hpp"

#include <algorithm>

namespace openduck {

namespace pb = openduck::v1;

namespace {

void Describe(const std::string &database, const SnapshotRecord &snapshot, pb::ManageDatabaseResponse &response) {
	response.set_database(database);
	response.set_snapshot_id(snapshot.id);
	response.set_snapshot_name(snapshot.name);
	response.set_layer_count(snapshot.layer_count);
	response.set_layer_bytes(snapshot.layer_bytes);
}

SnapshotRecord HeadOf(StorageEngine &storage, const std::string &name) {
	auto db = storage.RequireDatabase(name);
	if (!db.head_snapshot) {
		return SnapshotRecord {};
	}
	return *storage.Metadata().GetSnapshot(db.head_snapshot);
}

// Makes everything committed part of a snapshot (a CHECKPOINT ends in a seal).
grpc::Status Checkpoint(duckdb::DuckDB &database, const std::string &name, const std::string &why) {
	duckdb::Connection connection(database);
	auto result = connection.Query("CHECKPOINT");
	if (result->HasError()) {
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, "cannot checkpoint database '" + name + "' " +
		                                                               why + ": " + result->GetError());
	}
	return grpc::Status::OK;
}

grpc::Status Create(DatabaseSet &databases, const pb::ManageDatabaseRequest &request,
                    pb::ManageDatabaseResponse &response) {
	auto &name = request.target();
	auto kind = DatabaseKind::kNative;
	if (request.kind() == DatabaseKindName(DatabaseKind::kDuckLake)) {
		kind = DatabaseKind::kDuckLake;
	} else if (!request.kind().empty() && request.kind() != DatabaseKindName(DatabaseKind::kNative)) {
		return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
		                    "unknown database type '" + request.kind() + "': use DUCKLAKE, or no type for a native "
		                                                                   "database");
	}
	databases.Create(name, kind);
	auto db = databases.Storage().RequireDatabase(name);
	Describe(name, HeadOf(databases.Storage(), name), response);
	response.set_message(CreatedReport(db));
	return grpc::Status::OK;
}

grpc::Status Clone(DatabaseSet &databases, duckdb::DuckDB &source, const pb::ManageDatabaseRequest &request,
                   pb::ManageDatabaseResponse &response) {
	auto snapshot = request.source_snapshot().empty() ? request.snapshot_id() : request.source_snapshot();
	// A DuckLake source is refused by databases.Clone, with the reason; no checkpoint first.
	if (snapshot.empty() && databases.Storage().RequireDatabase(request.database()).kind == DatabaseKind::kNative) {
		auto status = Checkpoint(source, request.database(), "before cloning it");
		if (!status.ok()) {
			return status;
		}
	}
	auto clone = databases.Clone(request.database(), request.target(), snapshot);
	auto head = *databases.Storage().Metadata().GetSnapshot(clone.head_snapshot);
	Describe(clone.name, head, response);
	response.set_source_database(request.database());
	response.set_source_snapshot_id(head.parent_id);
	response.set_message(ClonedReport(request.database(), clone.name, head));
	return grpc::Status::OK;
}

grpc::Status NameSnapshot(DatabaseSet &databases, duckdb::DuckDB &database, const pb::ManageDatabaseRequest &request,
                          pb::ManageDatabaseResponse &response) {
	if (!request.snapshot_id().empty()) {
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
		                    "cannot create a snapshot through a read-only time-travel attachment (snapshot '" +
		                        request.snapshot_id() + "' of '" + request.database() +
		                        "'); attach the database without ?snapshot= to snapshot its head");
	}
	auto &storage = databases.Storage();
	if (storage.RequireDatabase(request.database()).kind == DatabaseKind::kDuckLake) {
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
		                    "database '" + request.database() + "' is DuckLake-backed: every commit is already a "
		                    "DuckLake snapshot (read one with FROM t AT (VERSION => n)); DuckLake snapshots have no "
		                    "names");
	}
	auto status = Checkpoint(database, request.database(), "to snapshot it");
	if (!status.ok()) {
		return status;
	}
	// Read after the checkpoint: its snapshot is the head to describe or name.
	auto db = storage.RequireDatabase(request.database());
	if (request.target().empty()) {
		// CREATE SNAPSHOT OF x: the checkpoint's snapshot, unnamed (so kept only while retained).
		auto head = HeadOf(storage, db.name);
		Describe(db.name, head, response);
		response.set_message("snapshot " + std::to_string(head.id) + " of '" + db.name + "' taken " +
		                     FormatTime(head.created_at) + " (unnamed: kept for the retention period)");
		return grpc::Status::OK;
	}
	auto named = storage.NameSnapshot(db, db.head_snapshot, request.target());
	Describe(db.name, named, response);
	response.set_message(NamedReport(db.name, named));
	return grpc::Status::OK;
}

grpc::Status Drop(DatabaseSet &databases, const pb::ManageDatabaseRequest &request,
                  pb::ManageDatabaseResponse &response) {
	auto dropped = databases.Drop(request.database());
	response.set_database(dropped.name);
	response.set_message("dropped database '" + dropped.name + "' (UNDROP DATABASE " + dropped.name +
	                     " brings it back until garbage collection purges it)");
	return grpc::Status::OK;
}

grpc::Status Undrop(DatabaseSet &databases, const pb::ManageDatabaseRequest &request,
                    pb::ManageDatabaseResponse &response) {
	auto restored = databases.Undrop(request.target());
	Describe(restored.name, HeadOf(databases.Storage(), restored.name), response);
	response.set_message("restored database '" + restored.name + "'");
	return grpc::Status::OK;
}

grpc::Status List(DatabaseSet &databases, pb::ManageDatabaseResponse &response) {
	auto &metadata = databases.Storage().Metadata();
	for (auto &db : metadata.ListDatabases(false)) {
		auto &summary = *response.add_databases();
		summary.set_name(db.name);
		summary.set_created_at(db.created_at);
		summary.set_head_snapshot(db.head_snapshot);
		summary.set_kind(DatabaseKindName(db.kind));
		auto snapshots = metadata.ListSnapshots(db.id);
		summary.set_snapshots(static_cast<int64_t>(snapshots.size()));
		for (auto &snapshot : snapshots) {
			if (snapshot.id == db.head_snapshot) {
				summary.set_file_size(snapshot.file_size);
				summary.set_layer_bytes(snapshot.layer_bytes);
			}
		}
	}
	std::sort(response.mutable_databases()->begin(), response.mutable_databases()->end(),
	          [](const pb::DatabaseSummary &a, const pb::DatabaseSummary &b) { return a.name() < b.name(); });
	response.set_message("listed " + std::to_string(response.databases_size()) + " databases");
	return grpc::Status::OK;
}

} // namespace

grpc::Status ManageDatabase(DatabaseSet &databases, const pb::ManageDatabaseRequest &request,
                            pb::ManageDatabaseResponse &response) {
	bool creates = request.action() == pb::DATABASE_ACTION_CREATE || request.action() == pb::DATABASE_ACTION_CLONE;
	if (creates) {
		auto problem = DatabaseNameProblem(request.target());
		if (!problem.empty()) {
			return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, problem);
		}
	}
	try {
		auto *database = databases.Find(request.database());
		if (!database) {
			return DatabaseNotFound(request.database(), databases.Names());
		}
		grpc::Status status;
		switch (request.action()) {
		case pb::DATABASE_ACTION_CREATE:
			status = Create(databases, request, response);
			break;
		case pb::DATABASE_ACTION_CLONE:
			status = Clone(databases, *database, request, response);
			break;
		case pb::DATABASE_ACTION_SNAPSHOT:
			status = NameSnapshot(databases, *database, request, response);
			break;
		case pb::DATABASE_ACTION_DROP:
			status = Drop(databases, request, response);
			break;
		case pb::DATABASE_ACTION_UNDROP:
			status = Undrop(databases, request, response);
			break;
		case pb::DATABASE_ACTION_LIST:
			return List(databases, response); // a read: not logged
		default:
			return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
			                    "unknown database action " + std::to_string(static_cast<int>(request.action())));
		}
		if (status.ok()) {
			Log(response.message());
		}
		return status;
	} catch (AlreadyExistsError &ex) {
		return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, ex.what());
	} catch (NotFoundError &ex) {
		return grpc::Status(grpc::StatusCode::NOT_FOUND, ex.what());
	} catch (std::invalid_argument &ex) {
		return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, ex.what());
	} catch (std::exception &ex) {
		return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, ex.what());
	}
}

} // namespace openduck
