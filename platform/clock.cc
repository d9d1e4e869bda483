#include "platform/clock.h"

namespace kedge {

Clock& Clock::Real() {
  static SystemClock clock;
  return clock;
}

}  // namespace kedge
