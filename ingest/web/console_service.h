#pragma once
// ConsoleService: the web console of kedge-ingest, served at GET / (plain HTML, JavaScript and
// CSS compiled into the binary; no framework, nothing fetched from elsewhere):
//   /                          the page: video streams with a live / recorded player (hls.js
//                              when it was embedded at build time, else the browser's own HLS)
//                              and a fragment timeline; data streams with their recent records;
//                              Firehose delivery streams with their newest files
//   /console/hls.min.js        hls.js (npm package `hls.js`), when embedded
//   /console/api/streams       {video: [...], data: [...], firehose: [...]}
//   /console/api/fragments?stream=S[&limit=N]    the newest fragments of a video stream
//   /console/api/records?stream=S[&limit=N]      the newest records of a data stream
//   /console/api/deliveries?stream=S[&limit=N]   the newest delivery files and their last lines
//   /console/api/hls?stream=S&mode=LIVE|ON_DEMAND[&start=MS&end=MS]
//                              a HLS session (as /getHLSStreamingSessionURL), as a relative URL
//
// Authorization: with no credentials configured nothing is authenticated (like the APIs). With
// credentials, SigV4 cannot be asked of a browser, so the console answers only requests that
// carry its token (`?token=` on the page, `X-Kedge-Console-Token` from its scripts); the token is
// random per start unless given (--console-token) and printed with the console URL. The HLS
// URLs it hands out carry their own session token, as the service's do.
//
// Threading: handlers run concurrently on the server's threads.

#include <string>

#include "ingest/archive/hls_service.h"
#include "ingest/firehose/delivery_writer.h"
#include "ingest/kinesis/kinesis_store.h"
#include "ingest/kvs/kvs_store.h"
#include "ingest/server/router.h"
#include "platform/env.h"

namespace kedge::ingest {

class ConsoleService {
 public:
  // `token` empty: the console is open (no credentials configured).
  ConsoleService(KvsStore& kvs, KinesisStore& kinesis, DeliveryWriter& firehose, HlsService& hls,
                 Env& env, std::string token)
      : kvs_(kvs), kinesis_(kinesis), firehose_(firehose), hls_(hls), env_(env),
        token_(std::move(token)) {}

  void Register(Router& router);
  // True for the console's own paths (which the SigV4 guard leaves to Authorize).
  static bool Handles(const HttpRequest& request);
  // nullopt when allowed; else 403.
  std::optional<HttpResponse> Authorize(const HttpRequest& request) const;
  // Whether hls.js was embedded at build time.
  static bool HasHlsJs();

 private:
  HttpResponse Page() const;
  HttpResponse Streams() const;
  HttpResponse Fragments(const HttpRequest& request) const;
  HttpResponse Records(const HttpRequest& request) const;
  HttpResponse Deliveries(const HttpRequest& request) const;
  HttpResponse Hls(const HttpRequest& request) const;

  KvsStore& kvs_;
  KinesisStore& kinesis_;
  DeliveryWriter& firehose_;
  HlsService& hls_;
  Env& env_;
  const std::string token_;
};

}  // namespace kedge::ingest
