#include "cli/storage_options.hpp"

#include "cli/server_process.hpp"

#include <cstdlib>

namespace openduck {

const char *kStorageOptionsHelp =
    R"(      --metadata URL    snapshot/layer metadata: sqlite:///path.db or postgresql://user@host:port/db
                        (default: $OPENDUCK_METADATA_URL or sqlite under the data dir)
      --store URL       layer objects: file:///dir or s3://bucket/prefix (AWS_* variables, AWS_ENDPOINT_URL)
                        (default: $OPENDUCK_STORE_URL or file:// under the data dir)
      --layer-cache-mb N
                        sealed layer data kept in memory, shared by all databases (default 256;
                        0: every read goes to the store)
)";

std::vector<OptionSpec> StorageOptionSpecs() {
	return {{"metadata", 0, true}, {"store", 0, true}, {"layer-cache-mb", 0, true}};
}

static std::string FromOptionOrEnv(const ParsedOptions &options, const std::string &name, const char *env,
                                   const std::string &fallback) {
	if (options.Has(name)) {
		return options.Get(name);
	}
	auto value = std::getenv(env);
	return value && *value ? std::string(value) : fallback;
}

StorageConfig StorageConfigFrom(const ParsedOptions &options) {
	auto config = StorageConfig::Defaults(DataDir(options));
	config.metadata_url = FromOptionOrEnv(options, "metadata", "OPENDUCK_METADATA_URL", config.metadata_url);
	config.store_url = FromOptionOrEnv(options, "store", "OPENDUCK_STORE_URL", config.store_url);
	config.cache_bytes = static_cast<uint64_t>(options.GetNonNegative(
	                         "layer-cache-mb", static_cast<int>(config.cache_bytes >> 20)))
	                     << 20;
	return config;
}

} // namespace openduck
