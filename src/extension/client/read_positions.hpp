// The newest commit position this host process saw for each database of each endpoint: from
// its own commits (a writer's Finished.position) and from reads served by read replicas. A
// READ_ONLY attachment sends it as min_position, so a replica serves it only once it holds
// everything this process already wrote or read (read-your-writes, monotonic reads), across
// all attachments and connections of the process.
//
// Thread-safe.
#pragma once

#include "common/attach_config.hpp"
#include "openduck/v1/openduck.pb.h"

namespace openduck {

// Records `position` for `config`'s database when it is newer than what was seen.
void ObservePosition(const AttachConfig &config, const v1::CommitPosition &position);
// The newest position seen for `config`'s database (zero when none).
v1::CommitPosition NewestPosition(const AttachConfig &config);

} // namespace openduck
