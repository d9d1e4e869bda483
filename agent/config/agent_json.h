#pragma once
// Reads an Amazon Kinesis Agent (Java) /etc/aws-kinesis/agent.json and translates it into the
// same AgentConfig as kedge's YAML: each flow becomes a file source, each distinct kinesisStream
// or deliveryStream a sink, dataProcessingOptions become processors, and kinesis.endpoint /
// firehose.endpoint set the region (AWS endpoints) or an endpoint override (others). Settings
// kedge has no use for (thread pools, CloudWatch, checkpointFile) are accepted with a warning;
// credentials in the file are ignored with a warning and never echoed. Unsupported options
// (ADDEC2METADATA, APACHEERRORLOG, ...) and unknown keys are errors. Uses nlohmann::json without
// exceptions. Line numbers are found by locating the key in the text.

#include <string>

#include "agent/config/config.h"
#include "agent/config/config_error.h"

namespace kedge::agent {

// Fills *config; reports every problem to *errors; true when there were no errors.
bool ConvertAgentJson(const std::string& text, AgentConfig* config, ConfigErrors* errors);

}  // namespace kedge::agent
