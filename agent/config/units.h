#pragma once
// Human-written sizes and durations in configuration files: "1GiB", "512MiB", "64KiB", "10MB",
// "4096" (bytes); "100ms", "10s", "5m", "1h". Pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "platform/clock.h"

namespace kedge::agent {

// Bytes. Binary units (KiB, MiB, GiB, TiB) are powers of 1024, decimal ones (KB, MB, GB, TB)
// powers of 1000; "B" or no unit means bytes. Units are case-insensitive; a space may separate
// number and unit; fractions are allowed with a unit ("1.5GiB"). nullopt when malformed or
// larger than 2^63.
std::optional<uint64_t> ParseByteSize(std::string_view text);

// A duration with a required unit: ms, s, m, h (or a combination such as "1m30s").
// nullopt when malformed, negative or without a unit.
std::optional<Millis> ParseDuration(std::string_view text);

// "1GiB", "512MiB", "100B": the shortest exact binary form.
std::string FormatByteSize(uint64_t bytes);
// "100ms", "10s", "5m", "1h": the largest unit that divides evenly.
std::string FormatDuration(Millis duration);

constexpr char kByteSizeHelp[] = "a size such as 4096, 64KiB, 512MiB or 1GiB";
constexpr char kDurationHelp[] = "a duration such as 100ms, 10s, 5m or 1h";

}  // namespace kedge::agent
