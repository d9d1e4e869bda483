#include "agent/sources/file/file_tail_source.h"

#include <fnmatch.h>

#include <algorithm>
#include <optional>

#include "agent/sources/text_records.h"
#include "platform/logging.h"

namespace kedge::agent {

struct FileTailSource::Tracked {
  explicit Tracked(const LineAssembler::Options& options) : assembler(options) {}
  std::string key;
  std::string path;
  FileInfo info;  // identity, and size/mtime when last looked at
  Fingerprint fingerprint;
  std::unique_ptr<OpenFile> file;
  LineAssembler assembler;
  uint64_t accepted = 0;         // the offset the sink last accepted
  bool checkpoint_dirty = true;  // a checkpoint must go out even without records
  bool gone = false;             // no longer at any path the glob matches
  SteadyTime last_growth{};
  // The bytes just before `accepted`, to tell a copytruncate copy (same bytes at the same
  // offsets) from a file that merely starts like this one (a shared CSV header).
  Fingerprint tail;
  // What the file was before its last truncation, so that its copy is still recognised when
  // the truncation is noticed before the copy.
  struct Content {
    Fingerprint head, tail;
    uint64_t accepted = 0;
  };
  std::optional<Content> before_truncation;
};

namespace {
// Start of the window `tail` covers, for a file accepted up to `accepted`.
uint64_t TailStart(uint64_t accepted) {
  return accepted > Fingerprint::kFingerprintBytes ? accepted - Fingerprint::kFingerprintBytes : 0;
}
}  // namespace

struct FileTailSource::Counters {
  Counters(MetricsRegistry& m, const std::string& name)
      : text(m, name),
        renames(m.GetCounter("kedge_file_rotations_total",
                             "Files renamed or deleted while followed", L(name))),
        truncations(m.GetCounter("kedge_file_truncations_total",
                                 "Files truncated or rewritten (copytruncate); read again from 0",
                                 L(name))),
        copies(m.GetCounter("kedge_file_copies_detected_total",
                            "New files recognised as copies of a followed file", L(name))),
        errors(m.GetCounter("kedge_file_errors_total", "Files that could not be opened or read",
                            L(name))),
        files(m.GetGauge("kedge_file_open_files", "Files followed now", L(name))) {}
  static Labels L(const std::string& name) { return {{"source", name}}; }
  TextSourceCounters text;
  Counter& renames;
  Counter& truncations;
  Counter& copies;
  Counter& errors;
  Gauge& files;
};

StatusOr<Fingerprint> ComputeFingerprint(OpenFile& file, uint32_t length, uint64_t offset) {
  char buf[Fingerprint::kFingerprintBytes];
  length = std::min(length, Fingerprint::kFingerprintBytes);
  size_t got = 0;
  while (got < length) {
    KEDGE_ASSIGN_OR_RETURN(size_t n, file.ReadAt(offset + got, buf + got, length - got));
    if (n == 0) break;
    got += n;
  }
  Fingerprint fp;
  fp.length = static_cast<uint32_t>(got);
  fp.hash = Fnv1a64(buf, got);
  return fp;
}

FileTailSource::FileTailSource(const SourceConfig& config, const FileSystem& fs, Clock& clock,
                               RecordSink& sink, MetricsRegistry& metrics)
    : config_(config),
      fs_(fs),
      clock_(clock),
      sink_(sink),
      counters_(std::make_unique<Counters>(metrics, config.name)) {}

FileTailSource::~FileTailSource() = default;

Status FileTailSource::Start(const std::vector<Checkpoint>& saved) {
  first_start_ = saved.empty();
  for (const Checkpoint& c : saved) {
    std::optional<FileCheckpoint> parsed = FileCheckpoint::Parse(c.blob);
    if (!parsed || parsed->Key() != c.key) {
      KEDGE_LOG(kWarn) << config_.name << ": ignoring an unreadable checkpoint for " << c.key;
      forgotten_.push_back(c.key);
      continue;
    }
    saved_[c.key] = *parsed;
  }
  Scan(/*at_start=*/true);
  FindRenamedWhileDown();
  for (const auto& [key, c] : saved_) {
    KEDGE_LOG(kInfo) << config_.name << ": " << c.path << " (" << key
                     << ") is gone; forgetting its checkpoint";
    forgotten_.push_back(key);
  }
  saved_.clear();
  started_ = true;
  next_scan_ = clock_.Now() + config_.poll_interval;
  return Status::Ok();
}

bool FileTailSource::Excluded(const std::string& path) const {
  static const char* kCompressed[] = {".gz", ".bz2", ".xz", ".zip", ".zst", ".lz4"};
  for (const char* ext : kCompressed) {
    size_t n = std::char_traits<char>::length(ext);
    if (path.size() >= n && path.compare(path.size() - n, n, ext) == 0) return true;
  }
  for (const std::string& pattern : config_.exclude) {
    if (::fnmatch(pattern.c_str(), path.c_str(), 0) == 0) return true;
  }
  return false;
}

void FileTailSource::Scan(bool at_start) {
  StatusOr<std::vector<std::string>> paths = fs_.Glob(config_.path);
  if (!paths.ok()) {
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(60))
        << config_.name << ": " << paths.status().message();
    return;
  }
  std::set<std::string> seen;
  for (const std::string& path : *paths) {
    if (Excluded(path)) continue;
    StatusOr<FileInfo> info = fs_.Stat(path);
    if (!info.ok() || !info->regular) continue;
    std::string key = FileKey(info->device, info->inode);
    seen.insert(key);
    auto it = files_.find(key);
    if (it == files_.end()) {
      Track(path, *info, at_start);
    } else if (it->second->path != path || it->second->gone) {
      KEDGE_LOG(kInfo) << config_.name << ": " << it->second->path << " is now " << path;
      it->second->path = path;
      it->second->gone = false;
    }
  }
  for (auto& [key, t] : files_) {
    if (seen.count(key) || t->gone) continue;
    t->gone = true;
    t->last_growth = clock_.Now();
    counters_->renames.Increment();
    KEDGE_LOG(kInfo) << config_.name << ": " << t->path
                     << " was rotated or deleted; reading it to its end";
  }
}

void FileTailSource::Track(const std::string& path, const FileInfo& info, bool at_start) {
  StatusOr<std::unique_ptr<OpenFile>> file = fs_.Open(path);
  StatusOr<FileInfo> opened = file.ok() ? (*file)->Stat() : StatusOr<FileInfo>(file.status());
  if (!opened.ok()) {
    counters_->errors.Increment();
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(60))
        << config_.name << ": cannot read " << path << ": " << opened.status().message();
    return;
  }
  if (opened->device != info.device || opened->inode != info.inode) return;  // replaced: next scan
  Fingerprint fp;
  uint64_t offset = InitialOffset(path, *opened, **file, at_start, &fp);
  if (offset == UINT64_MAX) return;  // a copy still being written: look again next scan
  auto t = std::make_unique<Tracked>(LineAssembler::Options{
      config_.max_line_bytes, config_.multiline_start_pattern, config_.skip_header_lines});
  t->key = FileKey(opened->device, opened->inode);
  t->path = path;
  t->info = *opened;
  t->fingerprint = fp;
  t->file = std::move(*file);
  t->assembler.Reset(offset);
  t->accepted = offset;
  t->last_growth = clock_.Now();
  UpdateTail(*t);
  KEDGE_LOG(kInfo) << config_.name << ": following " << path << " from offset " << offset;
  files_[t->key] = std::move(t);
  counters_->files.Set(static_cast<double>(files_.size()));
}

uint64_t FileTailSource::InitialOffset(const std::string& path, const FileInfo& info,
                                       OpenFile& file, bool at_start, Fingerprint* fp) {
  StatusOr<Fingerprint> head = ComputeFingerprint(file, Fingerprint::kFingerprintBytes);
  *fp = head.ok() ? *head : Fingerprint{};
  auto saved = saved_.find(FileKey(info.device, info.inode));
  if (saved != saved_.end()) {
    FileCheckpoint c = saved->second;
    saved_.erase(saved);
    StatusOr<Fingerprint> then = ComputeFingerprint(file, c.fingerprint.length);
    if (!then.ok() || *then != c.fingerprint) {
      KEDGE_LOG(kInfo) << config_.name << ": " << path << " reuses the inode of " << c.path
                       << "; reading it as a new file";
      return 0;
    }
    if (info.size < c.offset) {
      counters_->truncations.Increment();
      KEDGE_LOG(kWarn) << config_.name << ": " << path
                       << " shrank while kedge was down; reading it from 0";
      return 0;
    }
    return c.offset;
  }
  if (!at_start && fp->complete()) {
    for (const auto& [key, t] : files_) {
      for (const Tracked::Content& was : {Tracked::Content{t->fingerprint, t->tail, t->accepted},
                                          t->before_truncation.value_or(Tracked::Content{})}) {
        if (was.head != *fp) continue;
        if (info.size < was.accepted) return UINT64_MAX;  // still being copied
        uint64_t start = TailStart(was.accepted);
        StatusOr<Fingerprint> tail =
            ComputeFingerprint(file, static_cast<uint32_t>(was.accepted - start), start);
        if (!tail.ok() || *tail != was.tail) continue;  // same beginning, different content
        counters_->copies.Increment();
        KEDGE_LOG(kInfo) << config_.name << ": " << path << " is a copy of " << t->path
                         << " (copytruncate); reading it from offset " << was.accepted;
        return was.accepted;
      }
    }
  }
  if (at_start && first_start_ && config_.start_position == StartPosition::kEnd) return info.size;
  return 0;
}

void FileTailSource::FindRenamedWhileDown() {
  std::vector<FileCheckpoint> missing;
  for (const auto& [key, c] : saved_) missing.push_back(c);
  for (const FileCheckpoint& c : missing) {
    size_t slash = c.path.rfind('/');
    if (slash == std::string::npos) continue;
    StatusOr<std::vector<std::string>> siblings = fs_.Glob(c.path.substr(0, slash + 1) + "*");
    if (!siblings.ok()) continue;
    for (const std::string& path : *siblings) {
      StatusOr<FileInfo> info = fs_.Stat(path);
      if (!info.ok() || info->device != c.device || info->inode != c.inode) continue;
      // Only the same file (same first bytes) is read: a reused inode under another name is
      // no business of this source.
      StatusOr<std::unique_ptr<OpenFile>> file = fs_.Open(path);
      StatusOr<Fingerprint> fp = file.ok() ? ComputeFingerprint(**file, c.fingerprint.length)
                                           : StatusOr<Fingerprint>(file.status());
      if (!fp.ok() || *fp != c.fingerprint) break;
      Track(path, *info, /*at_start=*/true);  // matches and consumes the saved checkpoint
      auto it = files_.find(c.Key());
      if (it != files_.end()) {
        it->second->gone = true;  // not under the glob any more: read to its end, then drop
        KEDGE_LOG(kInfo) << config_.name << ": " << c.path << " was renamed to " << path
                         << " while kedge was down; reading it to its end";
      }
      break;
    }
  }
}

PollResult FileTailSource::Poll() {
  PollResult result;
  if (!started_ || paused_) return result;
  SteadyTime now = clock_.Now();
  if (now >= next_scan_) {
    Scan(/*at_start=*/false);
    next_scan_ = now + config_.poll_interval;
  }
  refused_ = false;
  DeliverForgotten();
  std::vector<std::string> keys;
  for (const auto& entry : files_) keys.push_back(entry.first);
  for (const std::string& key : keys) {
    if (paused_ || refused_) break;
    auto it = files_.find(key);
    if (it == files_.end()) continue;
    result.records += Service(*it->second, &result.more);
  }
  return result;
}

std::map<std::string, uint64_t> FileTailSource::FileOffsets() const {
  std::map<std::string, uint64_t> out;
  for (const auto& [key, t] : files_) out[t->path] = t->accepted;
  return out;
}

std::set<std::string> FileTailSource::WatchDirs() const {
  std::set<std::string> dirs = {GlobBaseDir(config_.path)};
  for (const auto& [key, t] : files_) {
    size_t slash = t->path.rfind('/');
    if (slash != std::string::npos) dirs.insert(slash == 0 ? "/" : t->path.substr(0, slash));
  }
  return dirs;
}

uint64_t FileTailSource::Service(Tracked& t, bool* more) {
  StatusOr<FileInfo> st = t.file->Stat();
  if (!st.ok()) {
    counters_->errors.Increment();
    KEDGE_LOG(kWarn) << config_.name << ": " << st.status().message() << "; no longer following it";
    Untrack(t.key);
    return 0;
  }
  if (CheckTruncation(t, *st)) RestartFromZero(t, "was truncated or rewritten");
  std::vector<LineAssembler::Record> records;
  char buf[kReadChunkBytes];
  size_t read = 0;
  while (read < max_bytes_per_poll_) {
    uint64_t pos = t.assembler.position();
    StatusOr<size_t> n = t.file->ReadAt(pos, buf, sizeof buf);
    if (!n.ok()) {
      counters_->errors.Increment();
      KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(60))
          << config_.name << ": " << n.status().message();
      break;
    }
    if (*n == 0) break;
    t.assembler.Feed(std::string_view(buf, *n), &records);
    read += *n;
  }
  SteadyTime now = clock_.Now();
  if (read > 0) {
    t.last_growth = now;
    RefreshFingerprint(t, t.assembler.position());
    if (read >= max_bytes_per_poll_) *more = true;
  }
  Millis idle = std::chrono::duration_cast<Millis>(now - t.last_growth);
  bool writer_done = t.gone && idle >= config_.rotate_wait;
  if (read == 0 && t.assembler.has_pending() && (idle >= config_.flush_timeout || writer_done)) {
    size_t before = records.size();
    t.assembler.Flush(&records);
    counters_->text.partial_flushes.Increment(records.size() - before);
  }
  bool forget = read == 0 && writer_done && !t.assembler.has_pending();
  std::string key = t.key;
  uint64_t delivered = Deliver(t, records, forget);
  if (forget && delivered != UINT64_MAX) {
    KEDGE_LOG(kInfo) << config_.name << ": finished " << t.path;
    Untrack(key);
  }
  return delivered == UINT64_MAX ? 0 : delivered;
}

bool FileTailSource::CheckTruncation(Tracked& t, const FileInfo& st) {
  bool changed = st.size != t.info.size || st.mtime_ns != t.info.mtime_ns;
  t.info.size = st.size;
  t.info.mtime_ns = st.mtime_ns;
  if (st.size < t.assembler.position()) return true;
  if (!changed || t.fingerprint.length == 0) return false;
  // Truncated and refilled past our offset between two polls: the first bytes differ.
  StatusOr<Fingerprint> now = ComputeFingerprint(*t.file, t.fingerprint.length);
  return now.ok() && *now != t.fingerprint;
}

void FileTailSource::RestartFromZero(Tracked& t, const char* why) {
  counters_->truncations.Increment();
  KEDGE_LOG(kInfo) << config_.name << ": " << t.path << " " << why << "; reading it from 0";
  t.before_truncation = Tracked::Content{t.fingerprint, t.tail, t.accepted};
  t.assembler.Reset(0);
  t.checkpoint_dirty = true;
  t.fingerprint = Fingerprint{};
  RefreshFingerprint(t, t.info.size);
}

void FileTailSource::RefreshFingerprint(Tracked& t, uint64_t size) {
  if (t.fingerprint.complete() || size <= t.fingerprint.length) return;
  StatusOr<Fingerprint> fp = ComputeFingerprint(*t.file, Fingerprint::kFingerprintBytes);
  if (fp.ok()) t.fingerprint = *fp;
}

uint64_t FileTailSource::Deliver(Tracked& t, std::vector<LineAssembler::Record>& records,
                                 bool forget) {
  uint64_t offset = t.assembler.safe_offset();
  if (records.empty() && !forget && !t.checkpoint_dirty && offset == t.accepted) return 0;
  TextBatch text =
      MakeTextBatch(records, config_.invalid_utf8, ToUnixMillis(clock_.WallNow()), t.path);
  RecordBatch batch;
  batch.source = config_.name;
  batch.records = std::move(text.records);
  FileCheckpoint c{t.info.device, t.info.inode, t.fingerprint, offset, t.path};
  batch.checkpoints.push_back({t.key, forget ? std::string() : c.Serialize()});
  Status s = sink_.Accept(std::move(batch));
  if (!s.ok()) {
    counters_->text.sink_refusals.Increment();
    KEDGE_LOG_EVERY(kWarn, std::chrono::seconds(30))
        << config_.name << ": the sink did not take a batch (" << s.message()
        << "); it will be read again";
    t.assembler.Reset(t.accepted);
    refused_ = true;  // stop this poll; the next one offers the same data again
    return UINT64_MAX;
  }
  t.accepted = offset;
  t.checkpoint_dirty = false;
  UpdateTail(t);
  text.Count(counters_->text);
  return text.count;
}

void FileTailSource::UpdateTail(Tracked& t) {
  uint64_t start = TailStart(t.accepted);
  StatusOr<Fingerprint> tail =
      ComputeFingerprint(*t.file, static_cast<uint32_t>(t.accepted - start), start);
  t.tail = tail.ok() ? *tail : Fingerprint{};
}

void FileTailSource::DeliverForgotten() {
  if (forgotten_.empty()) return;
  RecordBatch batch;
  batch.source = config_.name;
  for (const std::string& key : forgotten_) batch.checkpoints.push_back({key, ""});
  if (sink_.Accept(std::move(batch)).ok()) forgotten_.clear();
}

void FileTailSource::Untrack(const std::string& key) {
  files_.erase(key);
  counters_->files.Set(static_cast<double>(files_.size()));
}

}  // namespace kedge::agent
