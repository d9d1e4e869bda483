// kedge::video library anchor; the parts live in capture/, mkv/, store/ and kvs/.
namespace kedge::video {
const char* LibraryName() { return "kedge_video"; }
}  // namespace kedge::video
