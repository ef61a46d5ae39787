// The storage options shared by `openduck serve|worker` and the admin commands:
// --data-dir, --metadata URL, --store URL (defaults: SQLite and a local directory under the
// data dir; environment: OPENDUCK_METADATA_URL, OPENDUCK_STORE_URL), --layer-cache-mb.
#pragma once

#include "cli/command_line.hpp"
#include "storage/storage_engine.hpp"

#include <vector>

namespace openduck {

// The option specs to append to a command's own.
std::vector<OptionSpec> StorageOptionSpecs();
// Builds the storage configuration from parsed options and the environment.
StorageConfig StorageConfigFrom(const ParsedOptions &options);

// Help lines describing the options.
extern const char *kStorageOptionsHelp;

} // namespace openduck
