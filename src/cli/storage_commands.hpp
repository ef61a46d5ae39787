// The storage admin commands: `openduck db ...`, `openduck snapshot ...`, `openduck gc`.
// They work on the metadata and object stores directly (the same --data-dir / --metadata /
// --store as the server), so they also run while a server is up.
#pragma once

#include <string>
#include <vector>

namespace openduck {

int RunDb(const std::vector<std::string> &args);
int RunSnapshot(const std::vector<std::string> &args);
int RunGc(const std::vector<std::string> &args);

extern const char *kDbHelp;
extern const char *kSnapshotHelp;
extern const char *kGcHelp;

} // namespace openduck
