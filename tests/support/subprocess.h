#pragma once
// Runs a program to completion for integration tests, capturing its output.

#include <map>
#include <string>
#include <vector>

namespace kedge::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when it could not start or was killed by a signal
  std::string out;
  std::string err;
};

// Runs argv[0] (a path) with `argv`, the current environment plus/overriding `env` (a value of
// "\x01unset" removes the variable), and `input` on stdin. Blocks until the process exits.
ProcessResult RunProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& input = "");

// The path of a built program, e.g. BinaryPath("agent/kedge").
std::string BinaryPath(const std::string& relative);

}  // namespace kedge::testing

namespace kedge::testing {

// A program running in the background, its stdout and stderr going to a file.
class BackgroundProcess {
 public:
  BackgroundProcess(const std::vector<std::string>& argv,
                    const std::map<std::string, std::string>& env, const std::string& log_path);
  ~BackgroundProcess();  // SIGKILLs it if still running
  bool started() const { return pid_ > 0; }
  // Sends `signal` and waits for the exit; returns the exit code (-1 when killed by a signal).
  int Stop(int signal);
  // Sends `signal` without waiting.
  void Signal(int signal);
  // True while it runs (reaps it when it has exited).
  bool Running();

 private:
  int pid_ = -1;
  int exit_code_ = -1;
};

}  // namespace kedge::testing
