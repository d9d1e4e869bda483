#pragma once
// single_line: joins the lines of a multi-line record into one line. With trim (the default)
// each line loses its leading and trailing white space and lines are joined with one space;
// without trim they are joined with nothing in between (the Kinesis Agent's NO_TRIM).

#include "agent/processors/processor.h"

namespace kedge::agent {

class SingleLineProcessor final : public Processor {
 public:
  explicit SingleLineProcessor(bool trim) : trim_(trim) {}
  bool Process(SourceRecord* record) override;

 private:
  bool trim_;
};

}  // namespace kedge::agent
