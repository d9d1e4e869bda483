#pragma once
// The status page served at "/": one self-contained HTML document (inline CSS and JavaScript,
// no external assets, works offline) that polls /status every 2 s and draws records read/sent
// per second and the spool's depth and oldest-record age over the last minutes on <canvas>,
// plus tables of sources, sinks and metrics.

namespace kedge::agent {

extern const char kStatusPageHtml[];

}  // namespace kedge::agent
