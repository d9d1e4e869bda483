#include "agent/cli/cli.h"

int main(int argc, char** argv) { return kedge::agent::RunCli(argc, argv); }
