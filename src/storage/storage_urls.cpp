// URL dispatch for OpenMetadataStore / OpenObjectStore (declared in the store interfaces).
#include "storage/local_object_store.hpp"
#include "storage/metadata_store.hpp"
#include "storage/object_store.hpp"
#include "storage/postgres_connection.hpp"
#include "storage/s3_object_store.hpp"
#include "storage/sql_metadata_store.hpp"
#include "storage/sqlite_connection.hpp"

#include <filesystem>
#include <stdexcept>

namespace openduck {

static bool StartsWith(const std::string &text, const std::string &prefix) {
	return text.compare(0, prefix.size(), prefix) == 0;
}

std::unique_ptr<SqlConnection> OpenSqlConnection(const std::string &url) {
	if (StartsWith(url, "sqlite://")) {
		auto path = url.substr(9);
		if (path.empty()) {
			throw std::runtime_error("metadata store URL '" + url + "' names no file (use sqlite:///path/file.db)");
		}
		auto dir = std::filesystem::path(path).parent_path();
		std::error_code error;
		if (!dir.empty()) {
			std::filesystem::create_directories(dir, error);
		}
		return std::make_unique<SqliteConnection>(path);
	}
	if (StartsWith(url, "postgresql://") || StartsWith(url, "postgres://")) {
		return std::make_unique<PostgresConnection>(url);
	}
	throw std::runtime_error("unsupported metadata store URL '" + RedactConnectionUri(url) +
	                         "': use sqlite:///path/file.db or postgresql://user@host:port/dbname");
}

std::unique_ptr<MetadataStore> OpenMetadataStore(const std::string &url) {
	return std::make_unique<SqlMetadataStore>(OpenSqlConnection(url));
}

std::unique_ptr<ObjectStore> OpenObjectStore(const std::string &url) {
	if (StartsWith(url, "file://")) {
		auto path = url.substr(7);
		if (path.empty() || path.front() != '/') {
			throw std::runtime_error("object store URL '" + url + "' must name an absolute directory (file:///dir)");
		}
		return std::make_unique<LocalObjectStore>(path);
	}
	if (StartsWith(url, "s3://")) {
		return std::make_unique<S3ObjectStore>(S3Location::FromUrl(url));
	}
	throw std::runtime_error("unsupported object store URL '" + url + "': use file:///dir or s3://bucket/prefix");
}

} // namespace openduck
