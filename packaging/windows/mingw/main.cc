// kedge.exe of the mingw build: `kedge service ...` is the real command; `kedge run` is the
// stand-in loop (run_loop_stand_in.cc). The full CLI (agent/cli/cli.cc) needs the agent.
#include <cstdio>
#include <string>
#include <vector>

#include "agent/cli/run_command.h"
#include "agent/cli/service_command.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command = args.empty() ? "" : args[0];
  std::vector<std::string> rest(args.empty() ? args.end() : args.begin() + 1, args.end());
  if (command == "service") return kedge::agent::ServiceCommand(rest);
  if (command == "run") return kedge::agent::RunCommand(rest);
  if (command == "version") {
    std::printf("kedge %s (Windows service core; the agent needs the native build)\n",
                KEDGE_VERSION);
    return 0;
  }
  std::fputs("usage: kedge service install|uninstall|run | kedge run | kedge version\n", stderr);
  return 2;
}
