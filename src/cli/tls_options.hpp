// The TLS options of `openduck serve|gateway|worker`: the certificate a server presents on its
// port, the CA its clients' certificates must come from (mutual TLS), and how the process
// verifies the other OpenDuck servers it connects to (worker -> gateway, gateway -> worker).
#pragma once

#include "cli/command_line.hpp"
#include "common/tls_client_files.hpp"
#include "rpc/tls_server_context.hpp"

#include <memory>
#include <vector>

namespace openduck {

// The option specs to append to a command's own; `outbound`: the command connects to other
// OpenDuck servers and takes --tls-ca.
std::vector<OptionSpec> TlsOptionSpecs(bool outbound);
// The server's TLS context, or null without --tls-cert. Throws UsageError naming the option
// and the file that cannot be used.
std::unique_ptr<TlsServerContext> TlsServerFrom(const ParsedOptions &options);
// How this process reaches https:// servers: --tls-ca, else $OPENDUCK_CA, else the system's CAs;
// it presents its own --tls-cert as client certificate (for servers started with
// --tls-client-ca). Throws UsageError for unusable files.
TlsClientFiles TlsClientFrom(const ParsedOptions &options);

// Help lines for the options.
extern const char *kTlsServerOptionsHelp;
extern const char *kTlsOutboundOptionHelp;

} // namespace openduck
