// The done-when of issues #6 and #7, the AWS SDK for JavaScript v3 side, in two steps around a
// `kedge video put` run (tests/video/kvs/sdk_video_test.cc drives it):
//   node sdk_video_check.cjs create <control endpoint> <stream>
//     CreateStream, then GetDataEndpoint(PUT_MEDIA); prints "endpoint <url>".
//   node sdk_video_check.cjs read <control endpoint> <stream> <output dir>
//     GetDataEndpoint(LIST_FRAGMENTS), ListFragments (all pages), GetMediaForFragmentList into
//     <dir>/fragments.mkv, GetClip of the whole range into <dir>/clip.mp4; prints
//     "fragments <n>", "media <bytes>", "clip <bytes> <content type>".
// Needs AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (SigV4 is enforced) and KEDGE_PEERS (the folder
// holding node_modules). Exits 1 on failure.
'use strict';
const fs = require('fs');
const path = require('path');
const peers = (name) => require(path.join(process.env.KEDGE_PEERS, 'node_modules', name));
const video = peers('@aws-sdk/client-kinesis-video');
const archived = peers('@aws-sdk/client-kinesis-video-archived-media');
const { NodeHttpHandler } = peers('@smithy/node-http-handler');

const [step, endpoint, stream, outDir] = process.argv.slice(2);
const common = { region: 'us-east-1', requestHandler: new NodeHttpHandler(), maxAttempts: 1 };
const control = new video.KinesisVideoClient({ ...common, endpoint });

async function dataEndpoint(api) {
  const ep = await control.send(new video.GetDataEndpointCommand({ StreamName: stream, APIName: api }));
  if (!ep.DataEndpoint) throw new Error('no DataEndpoint for ' + api);
  return ep.DataEndpoint;
}

async function create() {
  const created = await control.send(new video.CreateStreamCommand({
    StreamName: stream, DataRetentionInHours: 24, MediaType: 'video/h264' }));
  if (!created.StreamARN.startsWith('arn:aws:kinesisvideo:')) throw new Error('StreamARN');
  console.log('endpoint ' + await dataEndpoint('PUT_MEDIA'));
}

async function read() {
  const media = new archived.KinesisVideoArchivedMediaClient({
    ...common, endpoint: await dataEndpoint('LIST_FRAGMENTS') });
  const fragments = [];
  let token;
  do {
    const page = await media.send(new archived.ListFragmentsCommand({
      StreamName: stream, MaxResults: 100, NextToken: token }));
    fragments.push(...page.Fragments);
    token = page.NextToken;
  } while (token);
  fragments.sort((a, b) => a.ProducerTimestamp - b.ProducerTimestamp);
  console.log('fragments ' + fragments.length);
  const got = await media.send(new archived.GetMediaForFragmentListCommand({
    StreamName: stream, Fragments: fragments.map((f) => f.FragmentNumber) }));
  const mkv = Buffer.from(await got.Payload.transformToByteArray());
  fs.writeFileSync(path.join(outDir, 'fragments.mkv'), mkv);
  console.log('media ' + mkv.length);
  const clipClient = new archived.KinesisVideoArchivedMediaClient({
    ...common, endpoint: await dataEndpoint('GET_CLIP') });
  const first = fragments[0].ProducerTimestamp;
  const last = fragments[fragments.length - 1];
  const clip = await clipClient.send(new archived.GetClipCommand({
    StreamName: stream,
    ClipFragmentSelector: {
      FragmentSelectorType: 'PRODUCER_TIMESTAMP',
      TimestampRange: {
        StartTimestamp: first,
        EndTimestamp: new Date(last.ProducerTimestamp.getTime() +
                               Number(last.FragmentLengthInMilliseconds)),
      },
    },
  }));
  const mp4 = Buffer.from(await clip.Payload.transformToByteArray());
  fs.writeFileSync(path.join(outDir, 'clip.mp4'), mp4);
  console.log('clip ' + mp4.length + ' ' + clip.ContentType);
}

(async () => {
  try {
    if (step === 'create') await create();
    else if (step === 'read') await read();
    else throw new Error('unknown step ' + step);
  } catch (e) {
    console.log('FAILED: ' + (e && e.stack ? e.stack : e));
    process.exit(1);
  }
})();
