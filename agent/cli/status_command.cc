#include "agent/cli/status_command.h"

#include <cstdio>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "agent/config/config_validate.h"
#include "agent/metrics/http_get_client.h"

namespace kedge::agent {
namespace {

using nlohmann::json;

constexpr char kDefaultConfig[] = "/etc/kedge/kedge.yaml";
constexpr char kUsage[] =
    "usage: kedge status [--config FILE | --listen HOST:PORT] [--json]\n"
    "\n"
    "Shows what the running agent is doing, from its status server (http.listen).\n";

std::string Bytes(double b) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, kUnits[u]);
  return buf;
}

std::string Duration(double seconds) {
  char buf[48];
  long s = static_cast<long>(seconds);
  if (s < 120)
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%ldm %lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh %ldm", s / 3600, (s % 3600) / 60);
  return buf;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}

// "records_total=12 bytes_total=3400" for the metrics carrying label `label`=`name`, without the
// common "kedge_<kind>_" prefix.
std::string CountersFor(const json& metrics, const std::string& label, const std::string& name) {
  std::string out;
  for (const json& m : metrics) {
    auto labels = m.find("labels");
    if (labels == m.end() || Str(*labels, label.c_str()) != name) continue;
    std::string metric = Str(m, "name");
    size_t cut = metric.find('_', 6);  // after "kedge_<kind>"
    if (metric.rfind("kedge_", 0) == 0 && cut != std::string::npos) metric = metric.substr(cut + 1);
    double v = m.value("value", 0.0);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    out += (out.empty() ? "" : " ") + metric + "=" + buf;
  }
  return out;
}

}  // namespace

std::string FormatStatus(const std::string& status_json) {
  json s = json::parse(status_json, nullptr, /*allow_exceptions=*/false);
  if (!s.is_object()) return "the status server answered something that is not kedge status JSON\n";
  std::string out = "kedge " + Str(s, "version") + " on " + Str(s, "device_id") + ": " +
                    Str(s, "state") + ", up " + Duration(s.value("uptime_s", 0.0)) + "\n";
  json metrics = s.value("metrics", json::array());
  json history = s.value("history", json::array());
  if (s.contains("spool") && s["spool"].is_object()) {
    const json& spool = s["spool"];
    out += "spool " + Str(spool, "path") + ": ";
    if (!history.empty()) {
      const json& last = history.back();
      out += Bytes(last.value("spool_bytes", 0.0)) + " of " + Bytes(spool.value("max_bytes", 0.0)) +
             ", " + std::to_string(last.value("spool_records", 0)) + " records, oldest unsent " +
             Duration(last.value("oldest_age_ms", 0.0) / 1000) + "; ";
    }
    out += "when full: " + Str(spool, "when_full") + "\n";
  }
  out += "sources:\n";
  for (const json& src : s.value("sources", json::array())) {
    std::string where = Str(src, "path").empty() ? Str(src, "broker") : Str(src, "path");
    out += "  " + Str(src, "name") + " (" + Str(src, "type") + " -> " + Str(src, "sink") + ")" +
           (where.empty() ? "" : " " + where) + "\n";
    std::string counters = CountersFor(metrics, "source", Str(src, "name"));
    if (!counters.empty()) out += "    " + counters + "\n";
  }
  out += "sinks:\n";
  for (const json& sink : s.value("sinks", json::array())) {
    std::string target = Str(sink, "stream").empty() ? Str(sink, "path") : Str(sink, "stream");
    std::string region = Str(sink, "region");
    out += "  " + Str(sink, "name") + " (" + Str(sink, "type") + ") " + target +
           (region.empty() ? "" : " " + region) + "\n";
    std::string counters = CountersFor(metrics, "sink", Str(sink, "name"));
    if (!counters.empty()) out += "    " + counters + "\n";
  }
  json cameras = s.value("cameras", json::array());
  if (!cameras.empty()) out += "cameras:\n";
  for (const json& cam : cameras) {
    auto figure = [&cam](const char* key) { return static_cast<long long>(cam.value(key, 0.0)); };
    out += "  " + Str(cam, "name") + " (" + Str(cam, "source") + " " + Str(cam, "video") + ") -> " +
           Str(cam, "stream") + "\n";
    out += std::string("    ") + (figure("camera_up") ? "up" : "waiting to restart") + ", " +
           std::to_string(figure("fragments_buffered")) + " fragments buffered";
    if (figure("fragments_buffered") > 0) {
      out += " (oldest " + Duration(cam.value("store_oldest_fragment_age_seconds", 0.0)) + ")";
    }
    out += ", " + std::to_string(figure("fragments_acknowledged_total")) + " acknowledged, " +
           std::to_string(figure("fragments_dropped_total")) + " dropped, " +
           std::to_string(figure("upload_bitrate_bps") / 1000) + " kbit/s\n";
  }
  return out;
}

int RunStatus(const std::vector<std::string>& args, const Env& env, const FileSystem& fs,
              std::ostream& out, std::ostream& err) {
  std::string config_path, listen;
  bool raw = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      out << kUsage;
      return 0;
    } else if (a == "--json") {
      raw = true;
    } else if ((a == "--config" || a == "-c") && i + 1 < args.size()) {
      config_path = args[++i];
    } else if (a == "--listen" && i + 1 < args.size()) {
      listen = args[++i];
    } else {
      err << "kedge status: unexpected argument '" << a << "'\n\n" << kUsage;
      return 2;
    }
  }
  if (listen.empty()) {
    if (config_path.empty() && env.FileExists(kDefaultConfig)) config_path = kDefaultConfig;
    listen = "127.0.0.1:9464";
    if (!config_path.empty()) {
      ConfigErrors errors(config_path);
      StatusOr<AgentConfig> config = LoadConfigFile(config_path, env, fs, &errors);
      if (!config.ok()) {
        err << errors.ToString() << "\n";
        return 1;
      }
      if (!config->http.enabled) {
        err << config_path << ": http.enabled is false, so the agent serves no status\n";
        return 1;
      }
      listen = config->http.listen;
    }
  }
  StatusOr<std::string> body = HttpGetLocal(listen, "/status", Millis(5000));
  if (!body.ok()) {
    err << "kedge status: " << body.status().message() << "\n";
    return 1;
  }
  out << (raw ? *body + "\n" : FormatStatus(*body));
  return 0;
}

int StatusCommand(const std::vector<std::string>& args) {
  return RunStatus(args, Env::Default(), FileSystem::Default(), std::cout, std::cerr);
}

}  // namespace kedge::agent
