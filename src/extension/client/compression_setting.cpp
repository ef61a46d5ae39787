#include "extension/client/compression_setting.hpp"

#include "arrow/ipc_compression.hpp"
#include "extension/client/setting_value.hpp"
#include "duckdb/common/exception.hpp"
#include "duckdb/common/string_util.hpp"

namespace openduck {

using namespace duckdb;

static constexpr const char *kSetting = "openduck_compression";

static void CheckCompression(ClientContext &context, SetScope scope, Value &parameter) {
	auto value = StringUtil::Lower(parameter.ToString());
	if (value != "auto") {
		try {
			ParseIpcCodec(value);
		} catch (std::invalid_argument &ex) {
			throw InvalidInputException("%s: %s", kSetting, ex.what());
		}
	}
	parameter = Value(value);
}

void AddCompressionSetting(DBConfig &config) {
	config.AddExtensionOption(kSetting,
	                          "How OpenDuck results and uploads travel: 'auto' (none, LZ4 or ZSTD, whichever delivers "
	                          "data fastest, measured as the stream runs), 'lz4', 'zstd' or 'none'",
	                          LogicalType::VARCHAR, Value("auto"), CheckCompression);
}

std::string CompressionSetting(ClientContext &context) {
	return SettingValue<std::string>(context, kSetting, "auto");
}

} // namespace openduck
