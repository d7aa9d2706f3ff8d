// recworklet.js -- the AudioWorklet end of recording: takes the input
// samples (one or two channels) and converts them to interleaved s16le
// chunks of `chunk` frames, each posted to the page with the context time
// at which its first sample was processed (the alignment needs it, see
// latency.js). It also posts the input's peak level (~every 50 ms) so the
// page can draw the meter, whether or not a take is running.
// Messages from the page:
//   {type:'start', channels, chunk}  begin a take (the next block's first sample is frame 0)
//   {type:'stop'}                    post the partial chunk (final: true) and stop
//   {type:'tap', on}                 also post raw float blocks (calibration)
// Posts: {type:'level', peak}, {type:'begin', t0} (the take's first sample, at once), {type:'chunk', pcm (ArrayBuffer), frames, t0, first, final},
//        {type:'tap', data (Float32Array, channel 0), t}.

class MixroomRecorder extends AudioWorkletProcessor {
  constructor() {
    super();
    this.on = false;
    this.channels = 1;
    this.chunk = 48000;
    this.buf = null;     // Int16Array of chunk * channels
    this.fill = 0;       // frames in buf
    this.t0 = 0;         // context time of buf's first frame
    this.first = true;
    this.peak = 0;
    this.n = 0;
    this.tap = false;
    this.port.onmessage = (e) => this.onMessage(e.data);
  }

  onMessage(m) {
    if (m.type === 'start') {
      this.channels = m.channels === 2 ? 2 : 1;
      this.chunk = m.chunk > 0 ? m.chunk : 48000;
      this.buf = new Int16Array(this.chunk * this.channels);
      this.fill = 0;
      this.first = true;
      this.on = true;
    } else if (m.type === 'stop') {
      if (this.on) this.flush(true);
      this.on = false;
    } else if (m.type === 'tap') {
      this.tap = !!m.on;
    }
  }

  flush(final) {
    const pcm = this.buf.slice(0, this.fill * this.channels).buffer;
    this.port.postMessage({ type: 'chunk', pcm, frames: this.fill, t0: this.t0, first: this.first, final }, [pcm]);
    this.first = false;
    this.fill = 0;
  }

  process(inputs) {
    const inp = inputs[0];
    if (!inp || inp.length === 0) return true;
    const a = inp[0];
    const b = inp.length > 1 ? inp[1] : inp[0];
    const n = a.length;
    let pk = this.peak;
    for (let i = 0; i < n; i++) {
      const v = Math.abs(a[i]) > Math.abs(b[i]) ? Math.abs(a[i]) : Math.abs(b[i]);
      if (v > pk) pk = v;
    }
    this.peak = pk;
    if (++this.n % 18 === 0) { this.port.postMessage({ type: 'level', peak: this.peak }); this.peak = 0; }
    if (this.tap) this.port.postMessage({ type: 'tap', data: a.slice(0), t: currentTime });
    if (!this.on) return true;
    const ch = this.channels;
    for (let i = 0; i < n; i++) {
      if (this.fill === 0) {
        this.t0 = currentTime + i / sampleRate;
        if (this.first) this.port.postMessage({ type: 'begin', t0: this.t0 });
      }
      const o = this.fill * ch;
      const l = Math.max(-1, Math.min(1, a[i]));
      this.buf[o] = l < 0 ? Math.round(l * 32768) : Math.round(l * 32767);
      if (ch === 2) {
        const r = Math.max(-1, Math.min(1, b[i]));
        this.buf[o + 1] = r < 0 ? Math.round(r * 32768) : Math.round(r * 32767);
      }
      if (++this.fill === this.chunk) this.flush(false);
    }
    return true;
  }
}

registerProcessor('mixroom-recorder', MixroomRecorder);
