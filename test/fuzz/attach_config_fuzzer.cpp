// ATTACH strings and endpoints come from users and scripts: 'openduck:<db>?k=v&...'.
#include "common/attach_config.hpp"
#include "common/endpoint.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
	std::string text(reinterpret_cast<const char *>(data), size);
	try {
		auto config = openduck::ParseAttachConfig(text, {});
		config.endpoint.ToString();
	} catch (std::invalid_argument &) {
	}
	try {
		openduck::ParseEndpoint(text).Target();
	} catch (std::invalid_argument &) {
	}
	return 0;
}
