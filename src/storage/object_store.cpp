#include "storage/object_store.hpp"

#include <cstdio>
#include <random>

namespace openduck {

std::string RandomKeySuffix() {
	static thread_local std::mt19937_64 random(std::random_device {}());
	char text[17];
	std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(random()));
	return text;
}

} // namespace openduck
