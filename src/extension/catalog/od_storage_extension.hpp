// Routes ATTACH 'openduck:<db>' and 'od:<db>' to an OpenDuck catalog.
#pragma once

#include "duckdb/storage/storage_extension.hpp"

namespace openduck {

class ODStorageExtension : public duckdb::StorageExtension {
public:
	ODStorageExtension();
};

} // namespace openduck
