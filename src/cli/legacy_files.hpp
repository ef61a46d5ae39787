// Plain `<name>.duckdb` files in a data dir: early development builds kept each database that
// way. They are not served (databases live in the differential storage engine); the server
// says so at start-up, naming the files and how to bring their data over, instead of silently
// ignoring them.
#pragma once

#include <string>

namespace openduck {

// Logs one line per `*.duckdb` file directly in `data_dir` (nothing when there are none or the
// directory does not exist).
void WarnAboutLegacyFiles(const std::string &data_dir);

} // namespace openduck
