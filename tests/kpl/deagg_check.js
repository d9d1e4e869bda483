// De-aggregates Kinesis records with the AWS library (npm aws-kinesis-agg), checksums on, and
// prints what it found as JSON, for tests/kpl/deagg_node_test.cc.
//
//   node deagg_check.js PEERS_DIR MANIFEST_JSON
//
// MANIFEST_JSON lists records: [{"file": path, "partitionKey": s, "explicitHashKey": s}].
// Output: [{"error": message|null, "records": [{"partitionKey", "explicitHashKey",
//           "subSequenceNumber", "data" (base64)}]}], one entry per manifest record.
'use strict';
const fs = require('fs');
const path = require('path');

const [peers, manifestPath] = process.argv.slice(2);
const agg = require(path.resolve(peers, 'node_modules', 'aws-kinesis-agg'));
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));

const out = manifest.map((entry, i) => {
  const record = {
    partitionKey: entry.partitionKey,
    explicitPartitionKey: entry.explicitHashKey || undefined,
    sequenceNumber: String(1000 + i),
    data: fs.readFileSync(entry.file).toString('base64'),
  };
  let result = { error: null, records: [] };
  agg.deaggregateSync(record, true, (err, users) => {
    if (err) {
      result.error = String(err.message || err);
      return;
    }
    result.records = users.map((u) => ({
      partitionKey: u.partitionKey,
      explicitHashKey: u.explicitPartitionKey === undefined ? '' : String(u.explicitPartitionKey),
      subSequenceNumber: u.subSequenceNumber === undefined ? 0 : Number(u.subSequenceNumber),
      data: u.data,
    }));
  });
  return result;
});
process.stdout.write(JSON.stringify(out));
