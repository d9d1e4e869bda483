#include "agent/metrics/status_page.h"

namespace kedge::agent {

const char kStatusPageHtml[] = R"html(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kedge status</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:10px 20px;display:flex;gap:24px;align-items:baseline}
header h1{font-size:18px;margin:0}
main{padding:16px 20px;display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:16px}
section{background:#fff;border:1px solid #dde1e7;border-radius:6px;padding:12px}
h2{font-size:14px;margin:0 0 8px}
canvas{width:100%;height:180px;display:block}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:2px 6px;border-bottom:1px solid #eee}
.legend span{display:inline-block;margin-right:12px}.sw{width:10px;height:10px;display:inline-block;margin-right:4px}
#err{color:#b00020}
</style></head>
<body>
<header><h1>kedge</h1><span id="meta">loading…</span><span id="err"></span></header>
<main>
<section><h2>Throughput (records/s)</h2><canvas id="tput" width="800" height="180"></canvas>
<div class="legend"><span><i class="sw" style="background:#2b6cb0"></i>read</span>
<span><i class="sw" style="background:#2f855a"></i>sent</span>
<span><i class="sw" style="background:#c53030"></i>dropped</span></div></section>
<section><h2>Spool depth (MiB) and oldest unsent record (s)</h2>
<canvas id="spool" width="800" height="180"></canvas>
<div class="legend"><span><i class="sw" style="background:#805ad5"></i>MiB</span>
<span><i class="sw" style="background:#dd6b20"></i>oldest age s</span></div></section>
<section><h2>Sources</h2><table id="sources"></table></section>
<section><h2>Sinks</h2><table id="sinks"></table></section>
<section id="camsec" style="grid-column:1/-1" hidden><h2>Cameras</h2><table id="cameras"></table></section>
<section style="grid-column:1/-1"><h2>Metrics</h2><table id="metrics"></table></section>
</main>
<script>
"use strict";
function esc(s){return String(s).replace(/[&<>"']/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]));}
function rates(h,key){const out=[];for(let i=1;i<h.length;i++){const dt=(h[i].t-h[i-1].t)/1000;
 out.push({t:h[i].t,v:dt>0?Math.max(0,(h[i][key]-h[i-1][key])/dt):0});}return out;}
function draw(id,series){const c=document.getElementById(id),g=c.getContext("2d");
 const W=c.width,H=c.height,P=34;g.clearRect(0,0,W,H);g.font="11px sans-serif";g.fillStyle="#555";
 let pts=[].concat(...series.map(s=>s.data));c.dataset.points=pts.length;
 if(!pts.length){g.fillText("no samples yet",P,H/2);return;}
 const t0=Math.min(...pts.map(p=>p.t)),t1=Math.max(...pts.map(p=>p.t)),vmax=Math.max(1,...pts.map(p=>p.v));
 g.strokeStyle="#ccc";g.beginPath();g.moveTo(P,4);g.lineTo(P,H-P+14);g.lineTo(W-4,H-P+14);g.stroke();
 g.fillText(vmax.toPrecision(3),2,12);g.fillText("0",P-10,H-P+14);
 g.fillText(Math.round((t1-t0)/1000)+" s",W-40,H-4);
 for(const s of series){g.strokeStyle=s.color;g.lineWidth=2;g.beginPath();
  s.data.forEach((p,i)=>{const x=P+(t1>t0?(p.t-t0)/(t1-t0):1)*(W-P-8),y=H-P+14-(p.v/vmax)*(H-P-4);
   i?g.lineTo(x,y):g.moveTo(x,y);});g.stroke();}}
function table(id,rows,cols){document.getElementById(id).innerHTML="<tr>"+cols.map(c=>"<th>"+esc(c)+"</th>").join("")+
 "</tr>"+rows.map(r=>"<tr>"+cols.map(c=>"<td>"+esc(r[c]===undefined?"":(typeof r[c]==="object"?JSON.stringify(r[c]):r[c]))+"</td>").join("")+"</tr>").join("");}
async function refresh(){try{const r=await fetch("status",{cache:"no-store"});const s=await r.json();
 document.getElementById("err").textContent="";
 document.getElementById("meta").textContent="v"+s.version+" · "+(s.device_id||"")+" · "+s.state+" · up "+s.uptime_s+" s";
 const h=s.history||[];
 draw("tput",[{color:"#2b6cb0",data:rates(h,"read")},{color:"#2f855a",data:rates(h,"sent")},{color:"#c53030",data:rates(h,"dropped")}]);
 draw("spool",[{color:"#805ad5",data:h.map(p=>({t:p.t,v:p.spool_bytes/1048576}))},{color:"#dd6b20",data:h.map(p=>({t:p.t,v:p.oldest_age_ms/1000}))}]);
 table("sources",s.sources||[],["name","type","sink","path","broker","topics"]);
 table("sinks",s.sinks||[],["name","type","stream","region","endpoint","path"]);
 const cams=s.cameras||[];document.getElementById("camsec").hidden=!cams.length;
 table("cameras",cams.map(c=>({name:c.name,stream:c.stream,source:c.source,video:c.video,
  state:c.camera_up?"up":"waiting to restart",buffered:c.fragments_buffered||0,
  acknowledged:c.fragments_acknowledged_total||0,dropped:c.fragments_dropped_total||0,
  "kbit/s":Math.round((c.upload_bitrate_bps||0)/1000),"oldest s":Math.round(c.store_oldest_fragment_age_seconds||0)})),
  ["name","stream","source","video","state","buffered","acknowledged","dropped","kbit/s","oldest s"]);
 table("metrics",(s.metrics||[]).map(m=>({name:m.name,labels:Object.entries(m.labels).map(e=>e.join("=")).join(", "),value:m.value})),["name","labels","value"]);
 document.body.dataset.ready="1";
 }catch(e){document.getElementById("err").textContent="cannot reach kedge: "+e;}}
refresh();setInterval(refresh,2000);
</script></body></html>
)html";

}  // namespace kedge::agent
