// libprotobuf's own log lines in a server's log. libprotobuf writes one line to stderr for each
// request whose string field holds invalid UTF-8, so any client holding a token could flood the
// log; the server refuses those requests anyway (INVALID_ARGUMENT). Its lines now go through
// Log, at most one per kProtobufLogWindow, the next one saying how many were dropped meanwhile.
//
// Thread-safe once installed; install once at start-up, before other threads parse messages.
#pragma once

#include <chrono>

namespace openduck {

constexpr std::chrono::seconds kProtobufLogWindow {10};

void LimitProtobufLog();

} // namespace openduck
