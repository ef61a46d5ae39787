// Reading the host's own settings (the openduck_* extension options) where a statement is
// planned or run.
#pragma once

#include "duckdb/main/client_context.hpp"

#include <string>

namespace openduck {

// The value of setting `name` in `context`, or `fallback` when it is unset or NULL.
template <class T>
T SettingValue(duckdb::ClientContext &context, const char *name, T fallback) {
	duckdb::Value value;
	if (context.TryGetCurrentSetting(name, value) && !value.IsNull()) {
		return value.GetValue<T>();
	}
	return fallback;
}

} // namespace openduck
