// decoder.js -- Opus packets (48 kHz stereo, 20 ms) to PCM for the player,
// with one interface over two implementations:
//   'webcodecs'  the browser's WebCodecs AudioDecoder (codec 'opus')
//   'wasm'       the opus-decoder package (libopus in WebAssembly, MIT/BSD,
//                web/vendor/opus-decoder.min.js, copied by vendor/update.sh)
// createDecoder(kind, onPcm) resolves to {kind, decode(packet, tag), reset(), close()};
// onPcm(left, right, tag) is called once per packet, in order.
// pickDecoder() chooses 'webcodecs' when it supports Opus, else 'wasm';
// localStorage 'mixroom.decoder' = 'wasm' forces the fallback.

let wasmLoading = null;

/** Loads the vendored WebAssembly decoder (a classic script) once. */
function loadWasm() {
  if (globalThis['opus-decoder']) return Promise.resolve(globalThis['opus-decoder']);
  if (!wasmLoading) {
    wasmLoading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = '/vendor/opus-decoder.min.js';
      s.charset = 'utf-8';
      s.onload = () => (globalThis['opus-decoder'] ? resolve(globalThis['opus-decoder']) : reject(new Error('opus-decoder did not load')));
      s.onerror = () => reject(new Error('cannot load /vendor/opus-decoder.min.js'));
      document.head.append(s);
    });
  }
  return wasmLoading;
}

/** 'webcodecs' when the browser decodes Opus itself, else 'wasm'. */
export async function pickDecoder() {
  try {
    if (localStorage.getItem('mixroom.decoder') === 'wasm') return 'wasm';
  } catch { /* no storage */ }
  if (typeof AudioDecoder === 'undefined') return 'wasm';
  try {
    const r = await AudioDecoder.isConfigSupported({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
    return r.supported ? 'webcodecs' : 'wasm';
  } catch {
    return 'wasm';
  }
}

async function webcodecsDecoder(onPcm, onError) {
  // Tags by input timestamp (µs). Chromium derives output timestamps from
  // the samples decoded and rounds them (279999 for 280000), so an exact
  // lookup lost about one packet in 60: the tag is the nearest one within
  // half a packet, and older tags (their output never came) are dropped.
  const tags = new Map();
  const take = (t) => {
    for (const [k, v] of tags) {
      if (k < t - 10000) { tags.delete(k); continue; }
      if (k <= t + 10000) { tags.delete(k); return v; }
      break;
    }
    return undefined;
  };
  let ts = 0;
  let dec = null;
  const make = () => {
    dec = new AudioDecoder({
      output: (ad) => {
        const n = ad.numberOfFrames;
        const l = new Float32Array(n);
        const r = new Float32Array(n);
        try {
          ad.copyTo(l, { planeIndex: 0, format: 'f32-planar' });
          ad.copyTo(r, { planeIndex: ad.numberOfChannels > 1 ? 1 : 0, format: 'f32-planar' });
        } catch {
          const inter = new Float32Array(n * ad.numberOfChannels);
          ad.copyTo(inter, { planeIndex: 0 });
          const ch = ad.numberOfChannels;
          for (let i = 0; i < n; i++) { l[i] = inter[i * ch]; r[i] = inter[i * ch + (ch > 1 ? 1 : 0)]; }
        }
        const tag = take(ad.timestamp);
        ad.close();
        onPcm(l, r, tag);
      },
      error: (e) => { onError(e); make(); },
    });
    dec.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 });
  };
  make();
  return {
    kind: 'webcodecs',
    decode(packet, tag) {
      ts += 20000;
      tags.set(ts, tag);
      if (tags.size > 500) tags.delete(tags.keys().next().value);
      dec.decode(new EncodedAudioChunk({ type: 'key', timestamp: ts, data: packet }));
    },
    reset() { if (dec.state === 'configured') { dec.reset(); dec.configure({ codec: 'opus', sampleRate: 48000, numberOfChannels: 2 }); } tags.clear(); },
    close() { if (dec.state !== 'closed') dec.close(); },
  };
}

async function wasmDecoder(onPcm, onError) {
  const mod = await loadWasm();
  let dec = new mod.OpusDecoder({ channels: 2, sampleRate: 48000 });
  await dec.ready;
  return {
    kind: 'wasm',
    decode(packet, tag) {
      try {
        const { channelData, samplesDecoded } = dec.decodeFrame(packet);
        if (!samplesDecoded) return;
        const l = channelData[0].slice(0, samplesDecoded);
        const r = (channelData[1] || channelData[0]).slice(0, samplesDecoded);
        onPcm(l, r, tag);
      } catch (e) { onError(e); }
    },
    reset() { dec.reset(); },
    close() { dec.free(); dec = null; },
  };
}

/** A decoder of the given kind ('webcodecs' or 'wasm'). */
export async function createDecoder(kind, onPcm, onError = () => {}) {
  return kind === 'wasm' ? wasmDecoder(onPcm, onError) : webcodecsDecoder(onPcm, onError);
}
