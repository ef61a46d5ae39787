#include "storage/ducklake_database.hpp"

#include "common/snapshot_reference.hpp"
#include "storage/metadata_store.hpp"
#include "storage/postgres_connection.hpp"
#include "storage/sandbox_functions.hpp"
#include "storage/sigv4.hpp"

#include "duckdb/main/connection.hpp"
#include "duckdb/main/database_manager.hpp"
#include "duckdb/parser/keyword_helper.hpp"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace openduck {

namespace fs = std::filesystem;
using duckdb::KeywordHelper;

static bool StartsWith(const std::string &text, const std::string &prefix) {
	return text.compare(0, prefix.size(), prefix) == 0;
}

// `url` (postgresql://user:pass@host:port/dbname?params) with `user`:`password` for its user
// and `database` for its database; its other parameters kept.
static std::string WithUserAndDatabase(const std::string &url, const std::string &user, const std::string &password,
                                       const std::string &database) {
	auto authority = url.find("://") + 3;
	auto path = url.find_first_of("/?", authority);
	auto host = url.substr(authority, path == std::string::npos ? std::string::npos : path - authority);
	auto at = host.rfind('@');
	if (at != std::string::npos) {
		host = host.substr(at + 1);
	}
	auto query = path == std::string::npos ? std::string::npos : url.find('?', path);
	return url.substr(0, authority) + user + ":" + password + "@" + host + "/" + database +
	       (query == std::string::npos ? "" : url.substr(query));
}

std::string DuckLakeLocation::Describe() const {
	return "catalog " + (catalog_file.empty() ? RedactConnectionUri(catalog) : catalog) + ", data " + data_path;
}

std::string DuckLakeDataPrefix(int64_t db_id) {
	return "ducklake/" + std::to_string(db_id) + "/";
}

DuckLakeLocation LocateDuckLake(const std::string &metadata_url, const std::string &store_url, int64_t db_id) {
	DuckLakeLocation location;
	auto id = std::to_string(db_id);
	if (StartsWith(metadata_url, "sqlite://")) {
		location.catalog_file = (fs::path(metadata_url.substr(9)).parent_path() / "ducklake" / (id + ".sqlite")).string();
		location.catalog = "sqlite:" + location.catalog_file;
	} else if (StartsWith(metadata_url, "postgresql://") || StartsWith(metadata_url, "postgres://")) {
		const char *env_password = std::getenv("PGPASSWORD");
		location.postgres_admin_url = metadata_url;
		location.postgres_role = "openduck_ducklake_" + id;
		location.postgres_password =
		    Sha256Hex("openduck ducklake role\n" + metadata_url + "\n" + (env_password ? env_password : "") + "\n" + id);
		location.catalog = "postgres:" + WithUserAndDatabase(metadata_url, location.postgres_role,
		                                                     location.postgres_password, location.postgres_role);
	} else {
		throw std::runtime_error("cannot place a DuckLake catalog on metadata store '" +
		                         RedactConnectionUri(metadata_url) + "': use sqlite:// or postgresql://");
	}
	if (StartsWith(store_url, "file://")) {
		location.data_path = store_url.substr(7) + "/" + DuckLakeDataPrefix(db_id);
	} else if (StartsWith(store_url, "s3://")) {
		location.s3 = S3Location::FromUrl(store_url);
		auto &s3 = *location.s3;
		location.data_path = "s3://" + s3.bucket + (s3.prefix.empty() ? "" : "/" + s3.prefix) + "/" + DuckLakeDataPrefix(db_id);
	} else {
		throw std::runtime_error("cannot place DuckLake data files on object store '" + store_url +
		                         "': use file:// or s3://");
	}
	return location;
}

namespace {

// Runs the statements that set up one lake instance; errors name the database and location.
class LakeSetup {
public:
	LakeSetup(duckdb::DuckDB &database, const DuckLakeLocation &location, const std::string &name)
	    : connection_(database), location_(location), name_(name) {
	}

	void Run(const std::string &sql, const std::string &what) {
		auto result = connection_.Query(sql);
		if (result->HasError()) {
			throw std::runtime_error("DuckLake database '" + name_ + "' (" + location_.Describe() + "): " + what +
			                         ": " + result->GetError());
		}
	}

	void Load(const std::string &extension) {
		Run("LOAD " + extension, "cannot load the DuckDB extension '" + extension +
		                             "' (DuckLake databases need ducklake, sqlite_scanner or postgres_scanner, and "
		                             "httpfs for s3://); install it on the server or point --extension-dir at a "
		                             "directory holding it");
	}

	duckdb::Connection &Connection() {
		return connection_;
	}

private:
	duckdb::Connection connection_;
	const DuckLakeLocation &location_;
	const std::string &name_;
};

std::string Quoted(const std::string &text) {
	return KeywordHelper::WriteQuoted(text, '\'');
}

// The S3 credentials of the object store, scoped to the lake's data path.
std::string CreateSecretSql(const S3Location &s3, const std::string &data_path) {
	std::string sql = "CREATE SECRET openduck_store (TYPE s3, KEY_ID " + Quoted(s3.credentials.access_key) +
	                  ", SECRET " + Quoted(s3.credentials.secret_key) + ", REGION " + Quoted(s3.region) +
	                  ", SCOPE " + Quoted(data_path);
	if (!s3.credentials.session_token.empty()) {
		sql += ", SESSION_TOKEN " + Quoted(s3.credentials.session_token);
	}
	if (!s3.endpoint.empty()) {
		// An S3-compatible server: path-style requests, as the object store makes them.
		bool tls = StartsWith(s3.endpoint, "https://");
		auto host = s3.endpoint.substr(s3.endpoint.find("://") == std::string::npos ? 0 : s3.endpoint.find("://") + 3);
		sql += ", ENDPOINT " + Quoted(host) + ", URL_STYLE 'path', USE_SSL " + (tls ? "true" : "false");
	}
	return sql + ")";
}

// Creates the lake's role and database on the metadata store's server unless they exist, and
// sets the role's password (the metadata store's URL may have changed since).
void PreparePostgresCatalog(const DuckLakeLocation &location) {
	PostgresConnection connection(location.postgres_admin_url);
	auto &name = location.postgres_role; // the role and the database have the same name
	auto quoted = KeywordHelper::WriteQuoted(name, '"');
	auto password = Quoted(location.postgres_password);
	if (connection.Query("SELECT 1 FROM pg_roles WHERE rolname = $1", {name}).empty()) {
		connection.Query("CREATE ROLE " + quoted + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD " + password, {});
	} else {
		connection.Query("ALTER ROLE " + quoted + " PASSWORD " + password, {});
	}
	if (connection.Query("SELECT 1 FROM pg_database WHERE datname = $1", {name}).empty()) {
		// CREATE DATABASE cannot run in a transaction; a concurrent creator makes it fail here
		// and the check below succeed.
		try {
			connection.Query("CREATE DATABASE " + quoted + " OWNER " + quoted, {});
		} catch (std::runtime_error &) {
			if (connection.Query("SELECT 1 FROM pg_database WHERE datname = $1", {name}).empty()) {
				throw;
			}
		}
		connection.Query("REVOKE ALL ON DATABASE " + quoted + " FROM PUBLIC", {});
	}
}

} // namespace

std::unique_ptr<duckdb::DuckDB> OpenDuckLake(const DuckLakeLocation &location, const std::string &name,
                                             int64_t version, duckdb::DBConfig &config,
                                             const DatabaseSandbox &sandbox) {
	if (version == 0) {
		try {
			if (location.catalog_file.empty()) {
				PreparePostgresCatalog(location);
			} else {
				fs::create_directories(fs::path(location.catalog_file).parent_path());
			}
			if (!location.s3) {
				fs::create_directories(location.data_path);
			}
		} catch (std::exception &ex) {
			throw std::runtime_error("DuckLake database '" + name + "' (" + location.Describe() +
			                         "): cannot create its catalog or data directory (on PostgreSQL the metadata "
			                         "store's user needs CREATEDB and CREATEROLE): " + ex.what());
		}
	}
	auto database = std::make_unique<duckdb::DuckDB>(nullptr, &config);
	{
		LakeSetup setup(*database, location, name);
		setup.Load("ducklake");
		setup.Load(location.catalog_file.empty() ? "postgres_scanner" : "sqlite_scanner");
		if (location.s3) {
			setup.Load("httpfs");
			setup.Run(CreateSecretSql(*location.s3, location.data_path), "cannot set up the object store's credentials");
		}
		auto options = version == 0 ? "DATA_PATH " + Quoted(location.data_path)
		                            : "READ_ONLY, SNAPSHOT_VERSION " + std::to_string(version);
		setup.Run("ATTACH " + Quoted("ducklake:" + location.catalog) + " AS " + KeywordHelper::WriteQuoted(name, '"') +
		              " (" + options + ")",
		          "cannot attach the lake");
		// Every connection of the instance starts in the lake, as it would in a native database.
		auto &context = *setup.Connection().context;
		context.RunFunctionInTransaction(
		    [&] { duckdb::DatabaseManager::Get(*database->instance).SetDefaultDatabase(context, name); });
	}
	std::vector<std::string> own_files;
	if (!location.catalog_file.empty()) {
		for (auto suffix : {"", "-journal", "-wal", "-shm"}) {
			own_files.push_back(location.catalog_file + suffix);
		}
	}
	sandbox.Seal(*database, own_files, {location.data_path});
	RefuseStoreFunctions(*database->instance);
	return database;
}

int64_t DuckLakeVersion(duckdb::DuckDB &head, const std::string &name, const std::string &reference) {
	duckdb::Connection connection(head);
	auto snapshots = "ducklake_snapshots(" + Quoted(name) + ")";
	auto query = [&](const std::string &sql) {
		auto result = connection.Query(sql);
		if (result->HasError()) {
			throw std::runtime_error("DuckLake database '" + name + "': cannot read its snapshots: " +
			                         result->GetError());
		}
		return result;
	};
	auto range = query("SELECT min(snapshot_id), max(snapshot_id), min(snapshot_time)::VARCHAR FROM " + snapshots);
	auto history = "its snapshots are " + range->GetValue(0, 0).ToString() + " to " + range->GetValue(1, 0).ToString() +
	               ", the first taken at " + range->GetValue(2, 0).ToString() + " UTC";
	if (IsSnapshotTime(reference)) {
		int64_t micros = 0;
		try {
			size_t used = 0;
			micros = std::stoll(reference.substr(1), &used);
			if (used + 1 != reference.size()) {
				throw std::invalid_argument(reference);
			}
		} catch (std::exception &) {
			throw NotFoundError("'" + reference + "' is no point in time (expected @<unix microseconds>)");
		}
		auto found = query("SELECT max(snapshot_id), make_timestamp(" + std::to_string(micros) + ")::VARCHAR FROM " +
		                   snapshots + " WHERE snapshot_time <= make_timestamp(" + std::to_string(micros) +
		                   ")::TIMESTAMPTZ");
		if (found->GetValue(0, 0).IsNull()) {
			throw NotFoundError("DuckLake database '" + name + "' has no snapshot at or before " +
			                    found->GetValue(1, 0).ToString() + " UTC; " + history);
		}
		return found->GetValue(0, 0).GetValue<int64_t>();
	}
	if (!IsSnapshotId(reference)) {
		throw NotFoundError("database '" + name + "' is DuckLake-backed: its versions are DuckLake snapshot ids (AT "
		                    "(VERSION => 3), ?snapshot=3) or times (AT (TIMESTAMP => ...)), and have no names such as '" +
		                    reference + "'; " + history);
	}
	auto exists = query("SELECT count(*) FROM " + snapshots + " WHERE snapshot_id = " + reference);
	if (exists->GetValue(0, 0).GetValue<int64_t>() == 0) {
		throw NotFoundError("DuckLake database '" + name + "' has no snapshot " + reference + "; " + history);
	}
	return std::stoll(reference);
}

} // namespace openduck
