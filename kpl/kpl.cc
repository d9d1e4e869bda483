// kedge::kpl library anchor.
namespace kedge::kpl {
const char* LibraryName() { return "kedge_kpl"; }
}  // namespace kedge::kpl
