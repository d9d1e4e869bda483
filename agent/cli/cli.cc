#include "agent/cli/cli.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "agent/cli/check_config_command.h"
#include "agent/cli/convert_config_command.h"
#include "agent/cli/demo_command.h"
#include "agent/cli/put_command.h"
#include "agent/cli/run_command.h"
#include "agent/cli/service_command.h"
#include "agent/cli/status_command.h"
#include "agent/cli/stream_command.h"
// KEDGE_WITH_VIDEO=0 (set by agent/CMakeLists.txt when video is off) leaves `kedge video` out.
#if !defined(KEDGE_WITH_VIDEO) || KEDGE_WITH_VIDEO
#define KEDGE_CLI_VIDEO 1
#include "agent/cli/video_command.h"
#endif
#include "platform/logging.h"

namespace kedge::agent {
namespace {

constexpr char kUsage[] =
    "usage: kedge <command> [options]\n"
    "\n"
    "commands:\n"
    "  check-config  check a configuration file (kedge YAML or a Kinesis Agent agent.json)\n"
    "  convert-config  translate a Kinesis Agent agent.json into kedge YAML\n"
    "  demo          run everything locally: kedge-ingest, the agent, a test camera\n"
    "  run           run the agent: sources -> spool -> sinks (kedge run --config FILE)\n"
    "  service       install, uninstall or run kedge as a Windows service\n"
    "  put           send newline-delimited records from a file or stdin to a stream\n"
    "  status        show what the running agent is doing (from its status server)\n"
    "  stream        create, describe or read a Kinesis data stream\n"
    "  video put     stream a camera to a Kinesis Video stream\n"
    "  video upload  send the H.264 video of an MP4, MKV or TS file to a Kinesis Video stream\n"
    "  version       print the version\n"
    "\n"
    "Run 'kedge <command> --help' for a command's options.\n";

}  // namespace

int RunCli(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  if (command == "version" || command == "--version") {
    std::printf("kedge %s\n", KEDGE_VERSION);
    return 0;
  }
  // One-shot commands print only errors, then their own summary or one clear failure line;
  // KEDGE_LOG_LEVEL=warn (or info, debug) shows more.
  LogLevel level = LogLevel::kError;
  if (const char* env = std::getenv("KEDGE_LOG_LEVEL")) ParseLogLevel(env, &level);
  Logger::Get().SetLevel(level);
  std::vector<std::string> rest(argv + 2, argv + argc);
  if (command == "check-config") return CheckConfigCommand(rest);
  if (command == "convert-config") return ConvertConfigCommand(rest);
  if (command == "demo") return DemoCommand(rest);
  if (command == "put") return PutCommand(rest);
  if (command == "run") return RunCommand(rest);
  if (command == "service") return ServiceCommand(rest);
  if (command == "status") return StatusCommand(rest);
  if (command == "stream") return StreamCommand(rest);
#ifdef KEDGE_CLI_VIDEO
  if (command == "video") return VideoCommand(rest);
#endif
  std::fprintf(stderr, "kedge: unknown command '%s'\n\n%s", command.c_str(), kUsage);
  return 2;
}

}  // namespace kedge::agent
