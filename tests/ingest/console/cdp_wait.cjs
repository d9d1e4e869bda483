// Drives headless Chromium over the DevTools protocol for the console browser test:
//   node cdp_wait.cjs PORT URL CONDITION REPORT SECONDS
// opens URL in the browser's page, evaluates the JavaScript expression CONDITION every 100 ms
// until it is true or SECONDS pass, then prints one JSON line: {"ok": bool, "report": <REPORT>}.
// Needs a global WebSocket (Node 22, or Node 20 with --experimental-websocket).
'use strict';
const [port, url, condition, report, seconds] = process.argv.slice(2);

async function main() {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const page = targets.find((t) => t.type === 'page');
  if (!page) throw new Error('no page target');
  const ws = new WebSocket(page.webSocketDebuggerUrl);
  const pending = new Map();
  let nextId = 0;
  ws.onmessage = (message) => {
    const data = JSON.parse(message.data);
    if (pending.has(data.id)) {
      pending.get(data.id)(data);
      pending.delete(data.id);
    }
  };
  await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
  const send = (method, params = {}) => new Promise((resolve) => {
    const id = ++nextId;
    pending.set(id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
  const evaluate = async (expression) => {
    const r = await send('Runtime.evaluate', { expression, returnByValue: true });
    return r.result && r.result.result ? r.result.result.value : undefined;
  };
  await send('Page.navigate', { url });
  const deadline = Date.now() + Number(seconds) * 1000;
  let ok = false;
  while (Date.now() < deadline) {
    try {
      ok = Boolean(await evaluate(condition));
    } catch (e) {
      ok = false;
    }
    if (ok) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const value = await evaluate(report);
  console.log(JSON.stringify({ ok, report: value === undefined ? null : value }));
  ws.close();
}

main().catch((e) => {
  console.log(JSON.stringify({ ok: false, error: String(e) }));
  process.exit(1);
});
