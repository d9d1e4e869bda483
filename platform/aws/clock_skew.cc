#include "platform/aws/clock_skew.h"

#include <string>

#include "platform/aws/time_format.h"
#include "platform/logging.h"

namespace kedge::aws {

Status ClockSkew::Observe(std::string_view date_header, WallTime local_now) {
  if (date_header.empty()) return InvalidArgumentError("the answer has no Date header");
  KEDGE_ASSIGN_OR_RETURN(WallTime server_now, ParseHttpDate(date_header));
  auto offset = std::chrono::duration_cast<std::chrono::seconds>(server_now - local_now);
  if (offset < kIgnoreBelow && offset > -kIgnoreBelow) offset = std::chrono::seconds(0);
  int64_t previous = offset_seconds_.exchange(offset.count());
  if (previous != offset.count()) {
    KEDGE_LOG(kWarn) << "the system clock is " << (offset.count() < 0 ? -offset.count() : offset.count())
                     << " s " << (offset.count() < 0 ? "ahead of" : "behind")
                     << " AWS; signing with AWS's time (fix NTP to make this go away)";
  }
  return Status::Ok();
}

}  // namespace kedge::aws
