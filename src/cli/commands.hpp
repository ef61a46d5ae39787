// The `openduck` sub-commands. Each takes the words after its name and returns the process
// exit status (0 ok, 1 runtime failure, 2 usage error).
#pragma once

#include <string>
#include <vector>

namespace openduck {

int RunServe(const std::vector<std::string> &args);
int RunGateway(const std::vector<std::string> &args);
int RunWorker(const std::vector<std::string> &args);
int RunVersion(const std::vector<std::string> &args);
int RunToken(const std::vector<std::string> &args);
int RunStatus(const std::vector<std::string> &args);

// Help texts, printed for `openduck <cmd> --help` and after usage errors.
extern const char *kServeHelp;
extern const char *kGatewayHelp;
extern const char *kWorkerHelp;
extern const char *kTokenHelp;
extern const char *kStatusHelp;

} // namespace openduck
