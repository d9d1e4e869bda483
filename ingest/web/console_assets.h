#pragma once
// The web console's static files, compiled into kedge-ingest. hls_js is generated at configure
// time from the npm package hls.js (dist/hls.min.js); empty when the package was not installed.

#include <string_view>

namespace kedge::ingest::web {

// The console page (HTML with its CSS and JavaScript inline).
extern const std::string_view kConsolePage;
// hls.min.js, or empty.
std::string_view HlsJs();

}  // namespace kedge::ingest::web
