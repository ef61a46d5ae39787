// The client side of TLS: gRPC credentials for the extension, a worker registering with its
// gateway and a gateway calling a worker.
#pragma once

#include "common/endpoint.hpp"
#include "common/tls_client_files.hpp"

#include <grpcpp/security/credentials.h>

#include <memory>
#include <string>

namespace openduck {

// Plaintext credentials for an http:// endpoint; for https:// TLS credentials that verify the
// server's certificate against `files.ca_file` (else the system's CA bundle) and its name
// against the endpoint's host. Throws std::invalid_argument naming the file when one cannot be
// read or holds no PEM of the expected kind, or when only one of cert and key is given.
std::shared_ptr<grpc::ChannelCredentials> ChannelCredentialsFor(const Endpoint &endpoint, const TlsClientFiles &files);

} // namespace openduck
