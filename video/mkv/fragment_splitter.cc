#include "video/mkv/fragment_splitter.h"

#include <algorithm>

namespace kedge::video::mkv {
namespace {
constexpr uint64_t kNone = UINT64_MAX;
constexpr int64_t kNsPerMs = 1000000;
}  // namespace

// Listens to the parser and cuts byte ranges out of the raw bytes it keeps since the start of
// the unit (header or fragment) being received.
class MkvFragmentSplitter::Tracker : public MkvListener {
 public:
  explicit Tracker(Sink& sink) : sink_(sink) {}

  void Append(const uint8_t* data, size_t size) { raw_.insert(raw_.end(), data, data + size); }

  // Drops raw bytes no unit needs any more; `consumed` is the parser's position (bytes after it
  // are an element the parser is still waiting for), `open_cluster` the start of a Cluster the
  // parser has entered but not reported yet (a read can end between its head and Timecode).
  void Trim(uint64_t consumed, uint64_t open_cluster) {
    uint64_t keep = std::min({consumed, open_cluster, header_start_, fragment_start_});
    if (keep <= base_) return;
    size_t n = static_cast<size_t>(std::min<uint64_t>(keep - base_, raw_.size()));
    raw_.erase(raw_.begin(), raw_.begin() + static_cast<std::ptrdiff_t>(n));
    base_ += n;
  }

  void OnEbmlHeader(const EbmlHeaderInfo&, uint64_t offset) override { header_start_ = offset; }
  void OnSegmentStart(const SegmentStart& s) override { segment_ = s; }
  void OnSegmentInfo(uint64_t scale) override { header_.timecode_scale_ns = scale; }

  void OnTracks(const std::vector<TrackInfo>& tracks, uint64_t end) override {
    header_.tracks = tracks;
    header_.bytes = Slice(header_start_, end);
    // Segment ID (4 bytes) then its size: rewrite as "unknown" of the same length.
    size_t at = static_cast<size_t>(segment_.offset - header_start_ + 4);
    int len = segment_.size_length;
    if (len >= 1 && len <= 8 && at + len <= header_.bytes.size()) {
      header_.bytes[at] = static_cast<uint8_t>(0xFF >> (len - 1));
      std::fill(header_.bytes.begin() + at + 1, header_.bytes.begin() + at + len, 0xFF);
    }
    header_start_ = kNone;
    sink_.OnHeader(header_);
  }

  void OnTags(const std::vector<Tag>& tags, uint64_t offset, uint64_t) override {
    bool end_of_fragment = std::any_of(tags.begin(), tags.end(),
                                       [](const Tag& t) { return t.name == kEndOfFragmentTag; });
    if (end_of_fragment) return;  // the parser already closed the Cluster before it
    if (fragment_start_ == kNone) fragment_start_ = offset;
    pending_tags_.insert(pending_tags_.end(), tags.begin(), tags.end());
  }

  void OnClusterStart(const ClusterStart& c) override {
    if (fragment_start_ == kNone) fragment_start_ = c.offset;
    current_ = StoredFragment();
    current_.timecode = c.timecode;
    current_.producer_time_ms = c.time_ns / kNsPerMs;
    current_.stream_offset = fragment_start_;
    current_.tags = std::move(pending_tags_);
    pending_tags_.clear();
    cluster_ns_ = c.time_ns;
    sink_.OnFragmentStart(c.timecode);
  }

  void OnBlock(const BlockInfo& b) override {
    min_ns_ = current_.frame_count == 0 ? b.time_ns : std::min(min_ns_, b.time_ns);
    max_ns_ = current_.frame_count == 0 ? b.time_ns : std::max(max_ns_, b.time_ns);
    ++current_.frame_count;
    if (b.key) ++current_.key_frames;
  }

  void OnClusterEnd(uint64_t end) override {
    int64_t gap = current_.frame_count > 1 ? (max_ns_ - min_ns_) / (current_.frame_count - 1) : 0;
    current_.duration_ms = (max_ns_ + gap - cluster_ns_) / kNsPerMs;
    current_.bytes = Slice(fragment_start_, end);
    fragment_start_ = kNone;
    sink_.OnFragment(std::move(current_));
    current_ = StoredFragment();
  }

 private:
  Bytes Slice(uint64_t from, uint64_t to) const {
    if (from < base_ || to < from || to - base_ > raw_.size()) return {};  // cannot happen
    return Bytes(raw_.begin() + static_cast<std::ptrdiff_t>(from - base_),
                 raw_.begin() + static_cast<std::ptrdiff_t>(to - base_));
  }

  Sink& sink_;
  Bytes raw_;
  uint64_t base_ = 0;  // stream offset of raw_[0]
  uint64_t header_start_ = kNone;
  uint64_t fragment_start_ = kNone;
  SegmentStart segment_;
  StoredHeader header_;
  StoredFragment current_;
  std::vector<Tag> pending_tags_;
  int64_t cluster_ns_ = 0;
  int64_t min_ns_ = 0;
  int64_t max_ns_ = 0;
};

MkvFragmentSplitter::MkvFragmentSplitter(MkvParser::Options options, Sink& sink)
    : tracker_(std::make_unique<Tracker>(sink)), parser_(options, *tracker_) {}

MkvFragmentSplitter::~MkvFragmentSplitter() = default;

Status MkvFragmentSplitter::Feed(const uint8_t* data, size_t size) {
  tracker_->Append(data, size);
  Status s = parser_.Feed(data, size);
  tracker_->Trim(parser_.consumed(), parser_.unreported_cluster_offset());
  return s;
}

Status MkvFragmentSplitter::Finish() { return parser_.Finish(); }

MkvError MkvFragmentSplitter::error() const { return parser_.error(); }

StatusOr<SplitResult> SplitMkv(const uint8_t* data, size_t size, MkvParser::Options options) {
  struct Collector : MkvFragmentSplitter::Sink {
    SplitResult result;
    void OnHeader(const StoredHeader& h) override { result.headers.push_back(h); }
    void OnFragment(StoredFragment&& f) override { result.fragments.push_back(std::move(f)); }
  } collector;
  MkvFragmentSplitter splitter(options, collector);
  KEDGE_RETURN_IF_ERROR(splitter.Feed(data, size));
  KEDGE_RETURN_IF_ERROR(splitter.Finish());
  return std::move(collector.result);
}

}  // namespace kedge::video::mkv
