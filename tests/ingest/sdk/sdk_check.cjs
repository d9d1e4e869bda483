// Drives a running kedge-ingest with the official AWS SDK for JavaScript v3, the way a user
// would: Kinesis Data Streams, Firehose, the Kinesis Video control plane and archived media.
// Usage: node sdk_check.cjs <endpoint URL> <video stream with fragments>
// Needs AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (SigV4 is enforced by the server) and
// KEDGE_PEERS (the folder holding node_modules). Prints "ok <step>" lines; exits 1 on failure.
'use strict';
const path = require('path');
const peers = (name) => require(path.join(process.env.KEDGE_PEERS, 'node_modules', name));
const kinesis = peers('@aws-sdk/client-kinesis');
const firehose = peers('@aws-sdk/client-firehose');
const video = peers('@aws-sdk/client-kinesis-video');
const archived = peers('@aws-sdk/client-kinesis-video-archived-media');
const { NodeHttpHandler } = peers('@smithy/node-http-handler');

const [endpoint, videoStream] = process.argv.slice(2);
const common = { region: 'us-east-1', endpoint, requestHandler: new NodeHttpHandler(), maxAttempts: 1 };

function check(condition, what) {
  if (!condition) throw new Error('check failed: ' + what);
}

async function dataStreams() {
  const client = new kinesis.KinesisClient(common);
  await client.send(new kinesis.CreateStreamCommand({ StreamName: 'sdk', ShardCount: 2 }));
  const shards = await client.send(new kinesis.ListShardsCommand({ StreamName: 'sdk' }));
  check(shards.Shards.length === 2, 'two shards');
  const put = await client.send(new kinesis.PutRecordsCommand({
    StreamName: 'sdk',
    Records: [0, 1, 2, 3].map((i) => ({ Data: Buffer.from('record-' + i), PartitionKey: 'k' + i })),
  }));
  check(put.FailedRecordCount === 0 && put.Records.length === 4, 'PutRecords');
  let seen = 0;
  for (const shard of shards.Shards) {
    const it = await client.send(new kinesis.GetShardIteratorCommand({
      StreamName: 'sdk', ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await client.send(new kinesis.GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    for (const r of got.Records) {
      check(Buffer.from(r.Data).toString().startsWith('record-'), 'record data');
      check(r.ApproximateArrivalTimestamp instanceof Date, 'arrival timestamp');
    }
    seen += got.Records.length;
  }
  check(seen === 4, 'read back 4 records, got ' + seen);
  try {
    await client.send(new kinesis.DescribeStreamSummaryCommand({ StreamName: 'missing' }));
    check(false, 'missing stream should fail');
  } catch (e) {
    check(e.name === 'ResourceNotFoundException', 'ResourceNotFoundException, got ' + e.name);
  }
  console.log('ok kinesis');
}

async function deliveryStreams() {
  const client = new firehose.FirehoseClient(common);
  const out = await client.send(new firehose.PutRecordBatchCommand({
    DeliveryStreamName: 'sdk-firehose',
    Records: [{ Data: Buffer.from('{"a":1}') }, { Data: Buffer.from('{"b":2}') }],
  }));
  check(out.FailedPutCount === 0 && out.RequestResponses.length === 2, 'PutRecordBatch');
  console.log('ok firehose');
}

async function videoStreams() {
  const client = new video.KinesisVideoClient(common);
  const created = await client.send(new video.CreateStreamCommand({
    StreamName: 'sdk-video', DataRetentionInHours: 1, MediaType: 'video/h264' }));
  check(created.StreamARN.startsWith('arn:aws:kinesisvideo:'), 'StreamARN');
  const described = await client.send(new video.DescribeStreamCommand({ StreamName: 'sdk-video' }));
  check(described.StreamInfo.Status === 'ACTIVE', 'ACTIVE');
  check(described.StreamInfo.CreationTime instanceof Date, 'CreationTime');
  const ep = await client.send(new video.GetDataEndpointCommand({
    StreamName: videoStream, APIName: 'LIST_FRAGMENTS' }));
  check(ep.DataEndpoint === endpoint, 'DataEndpoint ' + ep.DataEndpoint);
  try {
    await client.send(new video.DescribeStreamCommand({ StreamName: 'nope' }));
    check(false, 'missing stream should fail');
  } catch (e) {
    check(e.name === 'ResourceNotFoundException', 'ResourceNotFoundException, got ' + e.name);
  }
  console.log('ok video control plane');

  const media = new archived.KinesisVideoArchivedMediaClient({ ...common, endpoint: ep.DataEndpoint });
  const listed = await media.send(new archived.ListFragmentsCommand({ StreamName: videoStream }));
  check(listed.Fragments.length >= 2, 'fragments listed: ' + listed.Fragments.length);
  check(listed.Fragments[0].ProducerTimestamp instanceof Date, 'ProducerTimestamp');
  const numbers = listed.Fragments.map((f) => f.FragmentNumber);
  const got = await media.send(new archived.GetMediaForFragmentListCommand({
    StreamName: videoStream, Fragments: numbers }));
  const mkv = Buffer.from(await got.Payload.transformToByteArray());
  check(mkv.readUInt32BE(0) === 0x1a45dfa3, 'MKV starts with an EBML header');
  const times = listed.Fragments.map((f) => f.ProducerTimestamp.getTime());
  const clip = await media.send(new archived.GetClipCommand({
    StreamName: videoStream,
    ClipFragmentSelector: {
      FragmentSelectorType: 'PRODUCER_TIMESTAMP',
      TimestampRange: { StartTimestamp: new Date(Math.min(...times)), EndTimestamp: new Date(Math.max(...times)) },
    },
  }));
  const mp4 = Buffer.from(await clip.Payload.transformToByteArray());
  check(clip.ContentType === 'video/mp4' && mp4.toString('latin1', 4, 8) === 'ftyp', 'MP4 clip');
  console.log('ok archived media ' + listed.Fragments.length + ' fragments, clip ' + mp4.length + ' bytes');
}

(async () => {
  try {
    await dataStreams();
    await deliveryStreams();
    await videoStreams();
  } catch (e) {
    console.log('FAILED: ' + (e && e.stack ? e.stack : e));
    process.exit(1);
  }
})();
