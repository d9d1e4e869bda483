#pragma once
// Writes an AgentConfig back as kedge YAML: what `kedge convert-config` prints for a Kinesis
// Agent agent.json. Only values that differ from the defaults are written, so the output reads
// like a hand-written file. It covers what a converted agent.json can hold (sinks, file sources,
// processors, partition keys): for those, reading it back with ParseYamlConfig gives the same
// config. Other source types are written with their common keys only.

#include <string>

#include "agent/config/config.h"

namespace kedge::agent {

std::string WriteYamlConfig(const AgentConfig& config);

}  // namespace kedge::agent
