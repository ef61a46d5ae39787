// What every OpenDuck server (gateway, worker, serve) answers to a Handshake: its protocol,
// DuckDB and release versions and the wire compression codecs it reads and writes. One place,
// so a gateway and its workers never describe themselves differently.
#pragma once

#include "openduck/v1/openduck.pb.h"

namespace openduck {

void DescribeServer(v1::HandshakeResponse &response);

} // namespace openduck
