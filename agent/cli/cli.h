#pragma once
// The `kedge` command line: parses argv and runs one subcommand. Returns the process exit code.

namespace kedge::agent {

int RunCli(int argc, char** argv);

}  // namespace kedge::agent
