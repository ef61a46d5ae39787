#include "cli/legacy_files.hpp"

#include "rpc/log.hpp"

#include <filesystem>

namespace openduck {

namespace fs = std::filesystem;

void WarnAboutLegacyFiles(const std::string &data_dir) {
	std::error_code error;
	for (auto &entry : fs::directory_iterator(data_dir, error)) {
		if (!entry.is_regular_file() || entry.path().extension() != ".duckdb") {
			continue;
		}
		auto path = fs::absolute(entry.path()).string();
		auto name = entry.path().stem().string();
		Log("warning: ignoring the plain DuckDB file " + path +
		    ": databases are kept in differential storage (metadata.sqlite and store/), not as .duckdb files. "
		    "To serve its data, copy it over once from a DuckDB with the extension loaded: ATTACH '" +
		    path + "' AS legacy (READ_ONLY); ATTACH 'openduck:" + name +
		    "?endpoint=...&token=...' AS cloud; COPY FROM DATABASE legacy TO cloud; then remove the file");
	}
}

} // namespace openduck
