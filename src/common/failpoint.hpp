// Named failpoints for fault-injection tests. A failpoint is a call site such as
// `Failpoint("upload.put")` that throws when the test enabled that name.
//
// Enabled only through the environment, read once at first use:
//   OPENDUCK_FAILPOINTS="metadata.commit.before=error,upload.put=error"
// Actions: `error` (every hit throws), `error*N` (the first N hits throw, later hits pass),
// `delay:MS` (every hit waits MS milliseconds, then passes: widens a race window for a test).
// Unit tests may call ConfigureFailpoints() with the same syntax instead of setting the variable.
// When nothing is configured a failpoint costs one relaxed atomic load.
// Thread-safety: all functions may be called from any thread.
#pragma once

#include <atomic>
#include <string>

namespace openduck {

namespace failpoint_detail {
extern std::atomic<bool> any_enabled;
void Hit(const char *name);
} // namespace failpoint_detail

// Throws std::runtime_error("failpoint <name> ...") when `name` is enabled to fail; waits when
// it is enabled to delay.
inline void Failpoint(const char *name) {
	if (failpoint_detail::any_enabled.load(std::memory_order_relaxed)) {
		failpoint_detail::Hit(name);
	}
}

// Replaces the configured failpoints with `spec` (the OPENDUCK_FAILPOINTS syntax; "" clears).
// Throws std::invalid_argument on a malformed spec.
void ConfigureFailpoints(const std::string &spec);

} // namespace openduck
